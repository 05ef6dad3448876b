"""A front for a live server that loses answers: it passes each request on, and for the first
`drop` create calls (predictLongRunning) it hangs up instead of handing the answer back, as a
connection cut after the remote made its operation does. The caller cannot tell a lost answer
from an unsent request; the remote, meanwhile, has made an operation."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import httpx

# Hop-by-hop and framing headers: the front frames its own answer.
_NOT_PASSED = frozenset({"host", "connection", "content-length", "transfer-encoding", "content-encoding",
                         "keep-alive"})


class LossyFront:
    def __init__(self, target_url: str, drop: int) -> None:
        self.target_url, self.drop = target_url.rstrip("/"), drop
        self.creates: list[dict[str, str]] = []  # each create call's headers (lower-case names)
        self.dropped = 0
        self._lock = threading.Lock()
        self._http = httpx.Client(timeout=30)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> LossyFront:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._http.close()

    def _loses(self, method: str, path: str, headers: dict[str, str]) -> bool:
        if method != "POST" or ":predictLongRunning" not in path:
            return False
        with self._lock:
            self.creates.append({name.lower(): value for name, value in headers.items()})
            if self.dropped < self.drop:
                self.dropped += 1
                return True
            return False

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        front = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _pass_on(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _NOT_PASSED}
                answer = front._http.request(self.command, front.target_url + self.path, headers=headers,
                                             content=body)
                if front._loses(self.command, self.path, headers):
                    self.close_connection = True  # hang up: the remote made it, the caller never hears
                    return
                self.send_response(answer.status_code)
                for name, value in answer.headers.items():
                    if name.lower() not in _NOT_PASSED:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_POST = do_DELETE = _pass_on  # noqa: N815 (http.server's naming)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler
