"""The client's create retries are safe: each create carries an Idempotency-Key, the same on every
retry, so when its first answer is lost on the way back the retry gets the operation the server
already made, and the video is made and charged once."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

import openreel
from openreel.client import VideoGenerationModel
from tests.gates import MODEL, Gates
from tests.support import LiveServer

LOST = json.dumps({"error": {"code": 503, "status": "UNAVAILABLE", "message": "upstream connect error",
                             "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo",
                                          "retryDelay": "0.2s"}]}})


@contextmanager
def lossy_proxy(backend: str) -> Iterator[tuple[str, list[dict[str, str]]]]:
    """Forwards every request to the backend; the answer to the first create is swallowed and
    replaced by a 503, as a proxy timing out after the server did the work would."""
    seen: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def _forward(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
            answer = httpx.request(self.command, backend + self.path, content=body, headers=headers, timeout=60)
            creating = self.command == "POST" and self.path.endswith(":predictLongRunning")
            if creating:
                seen.append(dict(self.headers))
            lost = creating and len(seen) == 1
            data = LOST.encode() if lost else answer.content
            self.send_response(503 if lost else answer.status_code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _forward

        def log_message(self, format: str, *args: object) -> None:
            pass

    proxy = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{proxy.server_address[1]}", seen
    finally:
        proxy.shutdown()
        proxy.server_close()


def test_a_create_whose_answer_was_lost_is_retried_into_the_same_operation(tmp_path: Path) -> None:
    gates = Gates(tmp_path / "gates")
    server = LiveServer(tmp_path / "data", catalog_path=gates.write_catalog(tmp_path / "c.json"))
    key = server.create_key(project="retry")
    server.start()
    try:
        with lossy_proxy(server.url) as (url, creates):
            openreel.init(base_url=url, api_key=key)
            operation = VideoGenerationModel.from_pretrained(MODEL).generate_video(
                prompt="lost flat frames", duration_seconds=4, resolution="720p")
        assert len(creates) == 2  # the lost answer, then the retry
        keys = {c.get("Idempotency-Key") for c in creates}
        assert len(keys) == 1 and None not in keys
        listed = httpx.get(f"{server.url}/v1beta/operations", headers={"x-goog-api-key": key}).json()
        assert [op["name"] for op in listed["operations"]] == [operation.name]
    finally:
        server.stop()
