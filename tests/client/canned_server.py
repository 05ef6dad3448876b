"""Servers that are not openreel, on a loopback port in a thread: one that gives the same canned
answer to every request (or one per path), and `python -m http.server` itself. The client and the
CLI must turn what they answer into one clean error, never a traceback or an endless poll."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass(frozen=True)
class Answer:
    body: str
    status: int = 200
    content_type: str = "application/json"


class _CannedHandler(BaseHTTPRequestHandler):
    answers: dict[str, Answer]  # by path; "" answers every other path
    paths: list[str]  # the raw request paths, in order

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.paths.append(self.path)
        answer = self.answers.get(self.path.split("?")[0], self.answers[""])
        data = answer.body.encode()
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass(frozen=True)
class RunningServer:
    url: str
    paths: list[str]


@contextmanager
def canned_server(answer: Answer, **by_path: Answer) -> Iterator[RunningServer]:
    """Answers `answer` to every request, or by_path[path] (keys like "/v1beta/models") for those."""
    paths: list[str] = []
    handler = type("Handler", (_CannedHandler,), {"answers": {"": answer, **by_path}, "paths": paths})
    with _serving(ThreadingHTTPServer(("127.0.0.1", 0), handler)) as url:
        yield RunningServer(url, paths)


@contextmanager
def plain_http_server(folder: Path) -> Iterator[str]:
    """`python -m http.server` serving `folder`: HTML 404 pages for GET, HTML 501 for POST."""
    handler = functools.partial(_QuietFileHandler, directory=str(folder))
    with _serving(ThreadingHTTPServer(("127.0.0.1", 0), handler)) as url:
        yield url


class _QuietFileHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def _serving(server: ThreadingHTTPServer) -> Iterator[str]:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
