"""Request bodies are bounded, and the key is checked before any body is read: a stranger's upload
costs the server no memory, an oversized one from a key holder gets 413 naming the limit."""

from __future__ import annotations

import base64
import json
import os
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.support import STATIC_PROMPT, LiveServer

GEMINI = "/v1beta/models/veo-3.0-generate-001:predictLongRunning"
VERTEX = "/v1beta1/projects/my-proj/locations/us-central1/publishers/google/models/veo-3.0-generate-001:predictLongRunning"
MIB = 1024 * 1024
MAX_IMAGE_BYTES = 200_000
MAX_VIDEO_BYTES = 1_000_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # No workers (nothing generates while memory is measured) and small media limits, so the
    # derived request limit is a few MB.
    live = LiveServer(tmp_path_factory.mktemp("limits"), workers=0, max_image_bytes=MAX_IMAGE_BYTES,
                      max_video_bytes=MAX_VIDEO_BYTES)
    live.start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def open_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """No keys required, and an operator's explicit limit."""
    live = LiveServer(tmp_path_factory.mktemp("open"), workers=0, require_api_key="false",
                      max_request_bytes=100_000)
    live.start()
    yield live
    live.stop()


def _legal_body(size: int | None = None) -> bytes:
    body = json.dumps({"instances": [{"prompt": STATIC_PROMPT}], "parameters": {"durationSeconds": 4}}).encode()
    # Trailing whitespace is legal JSON: it makes a valid request of exactly `size` bytes.
    return body if size is None else body + b" " * (size - len(body))


def _chunks(total: int, chunk: int = MIB) -> Iterator[bytes]:
    """A JSON-looking body streamed in pieces, so the test never holds it whole."""
    head, tail = b'{"instances": [{"prompt": "', b'"}]}'
    yield head
    block = b"a" * chunk
    left = total - len(head) - len(tail)
    while left > 0:
        yield block[:left]
        left -= chunk
    yield tail


def _peak_rss_bytes(pid: int) -> int:
    # VmHWM is the peak resident set: it catches a spike that VmRSS, read afterwards, would miss.
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"^VmHWM:\s+(\d+) kB$", status, re.MULTILINE)
    assert match, status
    return int(match.group(1)) * 1024


def _error(response: httpx.Response) -> dict[str, object]:
    error: dict[str, object] = response.json()["error"]
    return error


def _stated_limit(response: httpx.Response) -> int:
    match = re.search(r"exceeds the limit: (\d+) bytes", str(_error(response)["message"]))
    assert match, response.text
    return int(match.group(1))


def test_four_parallel_unauthenticated_100mb_uploads_get_401_and_cost_no_memory(server: LiveServer) -> None:
    assert server.process is not None
    pid = server.process.pid
    with httpx.Client(base_url=server.url, timeout=120) as http:
        # Warm up the code paths the uploads take, so their one-time allocations are not counted.
        assert http.post(GEMINI, content=_legal_body()).status_code == 401
        assert http.post(GEMINI, content=_chunks(MIB)).status_code == 401
        before = _peak_rss_bytes(pid)

        def upload(n: int) -> httpx.Response:
            size = 100 * MIB
            if n % 2:  # half declare their length, half are chunked
                return http.post(GEMINI, content=_chunks(size), headers={"Content-Length": str(size)})
            return http.post(GEMINI if n < 2 else VERTEX, content=_chunks(size))

        with ThreadPoolExecutor(4) as pool:
            responses = list(pool.map(upload, range(4)))
        grown = _peak_rss_bytes(pid) - before

    for response in responses:
        assert response.status_code == 401, response.text[:300]
        assert _error(response)["status"] == "UNAUTHENTICATED"
    assert grown < 50 * MIB, f"server peak RSS grew by {grown / MIB:.0f} MiB"


def test_a_bad_key_is_refused_before_its_body_is_read(server: LiveServer) -> None:
    with httpx.Client(base_url=server.url, timeout=120) as http:
        response = http.post(GEMINI, content=_chunks(20 * MIB), headers={"x-goog-api-key": "ork_not_a_real_key"})
    assert response.status_code == 401
    assert _error(response)["details"] == [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                                            "reason": "API_KEY_INVALID", "domain": "openreel", "metadata": {}}]


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_an_oversized_body_from_a_key_holder_gets_413_naming_the_limit(server: LiveServer, framing: str) -> None:
    key = server.create_key()
    size = 8 * MIB  # well over the few MB these media limits allow
    content = _chunks(size)
    headers = {"x-goog-api-key": key} | ({"Content-Length": str(size)} if framing == "content-length" else {})
    with httpx.Client(base_url=server.url, timeout=120) as http:
        response = http.post(GEMINI, content=content, headers=headers)
        assert response.status_code == 413, response.text[:300]
        error = _error(response)
        assert (error["code"], error["status"]) == (413, "INVALID_ARGUMENT")
        assert _stated_limit(response) < size
        # Nothing was stored for it.
        assert http.get("/v1beta/operations", headers={"x-goog-api-key": key}).json().get("operations", []) == []


def test_the_limit_is_exact_and_fits_the_largest_legal_request(server: LiveServer) -> None:
    key = server.create_key(project="exact")
    with server.client(key) as http:
        limit = _stated_limit(http.post(GEMINI, content=_chunks(64 * MIB)))
        # One byte over is refused, whether the length is declared or streamed ...
        assert http.post(GEMINI, content=_legal_body(limit + 1)).status_code == 413
        assert http.post(GEMINI, content=iter([_legal_body(limit + 1)])).status_code == 413
        # ... and a legal request of exactly the limit is accepted (sent without a Content-Type,
        # as old curl samples do: it is still read as JSON).
        accepted = http.post(GEMINI, content=_legal_body(limit))
        assert accepted.status_code == 200, accepted.text[:300]
        assert accepted.json()["name"].startswith("models/veo-3.0-generate-001/operations/")
        # The biggest media a request may carry (a video at max_video_bytes, image, lastFrame and
        # three references at max_image_bytes) is judged on its content, not refused for size.
        image = {"bytesBase64Encoded": base64.b64encode(os.urandom(MAX_IMAGE_BYTES)).decode(), "mimeType": "image/png"}
        video = {"bytesBase64Encoded": base64.b64encode(os.urandom(MAX_VIDEO_BYTES)).decode(), "mimeType": "video/mp4"}
        instance = {"prompt": STATIC_PROMPT, "image": image, "lastFrame": image, "video": video,
                    "referenceImages": [{"image": image, "referenceType": "asset"}] * 3}
        largest = http.post(VERTEX.replace("my-proj", "exact"), json={"instances": [instance]})
        assert largest.status_code == 400, largest.text[:300]
        assert _error(largest)["status"] == "INVALID_ARGUMENT"


def test_routes_without_a_key_are_unaffected(server: LiveServer) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as http:
        for path in ("/", "/static/app.js", "/healthz", "/openapi.json", "/docs"):
            assert http.get(path).status_code == 200, path


def test_without_required_keys_a_legal_request_works_and_the_operators_limit_holds(open_server: LiveServer) -> None:
    with httpx.Client(base_url=open_server.url, timeout=60) as http:
        created = http.post(GEMINI, content=_legal_body())
        assert created.status_code == 200, created.text[:300]
        for content in (_legal_body(100_001), _chunks(200_000)):
            response = http.post(GEMINI, content=content)
            assert response.status_code == 413
            assert _stated_limit(response) == 100_000
        assert http.post(GEMINI, content=_legal_body(100_000)).status_code == 200
