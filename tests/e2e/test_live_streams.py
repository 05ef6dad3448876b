"""Live streams (GET operations/{id}:live) from a real server: the video arrives as fragmented MP4
while it is still being made, decodes whole once it ends, and matches the finished file packet
for packet; later viewers get the finished MP4. The gated test engine holds the render half way,
so "before the operation finishes" is a fact of the test, not of this machine's speed."""

from __future__ import annotations

import io
import re
import threading
import time
from collections.abc import Iterator
from typing import Any

import av
import httpx
import pytest

from tests.gates import MODEL, Gates
from tests.support import LiveServer, decode_mp4, media_packets

V = "/v1beta"


@pytest.fixture(scope="module")
def gates(tmp_path_factory: pytest.TempPathFactory) -> Gates:
    return Gates(tmp_path_factory.mktemp("gates"))


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, gates: Gates) -> Iterator[LiveServer]:
    data = tmp_path_factory.mktemp("live")
    # Live chunks go at the first retention sweep after the end: later viewers get the finished MP4.
    server = LiveServer(data, catalog_path=gates.write_catalog(data / "catalog.json"),
                        live_stream_keep_seconds=0, retention_sweep_seconds=1)
    server.start()
    yield server
    server.stop()


def _create(http: httpx.Client, tag: str, audio: bool = True) -> str:
    created = http.post(f"{V}/models/{MODEL}:predictLongRunning", json={
        "instances": [{"prompt": f"{tag} flat test frames"}],
        "parameters": {"durationSeconds": 4, "resolution": "720p", "generateAudio": audio}})
    assert created.status_code == 200, created.text
    return str(created.json()["name"]).rsplit("/", 1)[1]


def _boxes(data: bytes) -> list[str]:
    """The top-level MP4 boxes, in order."""
    found, at = [], 0
    while at + 8 <= len(data):
        size = int.from_bytes(data[at:at + 4], "big")
        found.append(data[at + 4:at + 8].decode("latin-1"))
        if size < 8:
            break
        at += size
    return found


def test_a_video_streams_while_it_is_made_and_decodes_whole(live: LiveServer, gates: Gates) -> None:
    http = live.client(live.create_key(project="watch"))
    gates.open("watched", 0, frames=60)  # two and a half seconds, then the render waits
    op_id = _create(http, "watched")
    received = bytearray()
    seen_running_with_fragments = threading.Event()
    try:
        with http.stream("GET", f"{V}/operations/{op_id}:live", timeout=120) as response:
            assert response.status_code == 200
            kind = response.headers["content-type"]
            assert kind.startswith("video/mp4") and re.search(r'codecs="avc1\.64[0-9a-f]{4}, mp4a\.40\.2"', kind)
            for chunk in response.iter_bytes():
                received += chunk
                if not seen_running_with_fragments.is_set() and "moof" in _boxes(bytes(received)):
                    # Fragments are here, and the operation is still rendering (held at frame 60).
                    assert http.get(f"{V}/operations/{op_id}").json()["metadata"]["state"] == "RUNNING"
                    seen_running_with_fragments.set()
                    gates.open("watched", 0)
    finally:
        gates.open("watched", 0)
    assert seen_running_with_fragments.is_set()
    boxes = _boxes(bytes(received))
    assert boxes[:2] == ["ftyp", "moov"] and boxes.count("moof") >= 3
    streamed = decode_mp4(bytes(received))
    assert (streamed.frame_count, streamed.width, streamed.height, streamed.audio_codec) == (96, 1280, 720, "aac")
    done = live.wait_done(http, f"{V}/operations/{op_id}")
    uri = done["response"]["generateVideoResponse"]["generatedSamples"][0]["video"]["uri"]
    file_id = re.search(r"files/([a-z0-9]+)", uri).group(1)  # type: ignore[union-attr]
    finished = http.get(f"{V}/files/{file_id}:download", params={"alt": "media"}).content
    assert decode_mp4(finished).moov_before_mdat  # the stored file is the usual faststart MP4...
    video_packets = [p for p in media_packets(finished) if p[0] == 0]
    assert video_packets == [p for p in media_packets(bytes(received)) if p[0] == 0]  # ...of the same packets


def test_a_viewer_who_comes_after_the_end_gets_the_finished_file(live: LiveServer, gates: Gates) -> None:
    http = live.client(live.create_key(project="later"))
    gates.open("later", 0)
    op_id = _create(http, "later", audio=False)
    live.wait_done(http, f"{V}/operations/{op_id}")
    # Once the retention sweep has removed the live chunks, the answer is the finished MP4 (no codecs
    # parameter: it is not a fragmented stream).
    deadline = time.monotonic() + 30
    while (late := http.get(f"{V}/operations/{op_id}:live")).headers["content-type"] != "video/mp4":
        assert late.status_code == 200 and time.monotonic() < deadline, "the live chunks were never swept"
        time.sleep(0.5)
    video = decode_mp4(late.content)
    assert video.frame_count == 96 and video.moov_before_mdat


@pytest.mark.parametrize(("path", "status"), [
    ("{op}:live?sample=2", 400),
    ("0123456789abcdef0123456789abcdef:live", 404),
])
def test_a_stream_that_cannot_be_served_says_why(live: LiveServer, gates: Gates, path: str, status: int) -> None:
    http = live.client(live.create_key(project="refused"))
    gates.open("refused", 0)
    op_id = _create(http, "refused")
    answer = http.get(f"{V}/operations/" + path.format(op=op_id))
    assert answer.status_code == status
    assert answer.json()["error"]["status"] in ("INVALID_ARGUMENT", "NOT_FOUND")
    other = live.client(live.create_key(project="someone-else"))
    assert other.get(f"{V}/operations/{op_id}:live").status_code == 404  # another project's


def test_a_cancelled_operation_has_nothing_to_stream(live: LiveServer, gates: Gates) -> None:
    http = live.client(live.create_key(project="cancels"))
    gates.open("stopped", 0, frames=10)
    op_id = _create(http, "stopped")
    answers: list[Any] = []
    reader = threading.Thread(target=lambda: answers.append(http.get(f"{V}/operations/{op_id}:live", timeout=60)))
    reader.start()
    gates.wait_started("stopped", 0)
    http.post(f"{V}/operations/{op_id}:cancel")
    reader.join(timeout=60)
    gates.open("stopped", 0)
    assert answers and answers[0].status_code in (200, 400)
    if answers[0].status_code == 200:  # it began streaming before the cancel: it ends, cut short
        assert _boxes(answers[0].content)[:2] == ["ftyp", "moov"]
        with av.open(io.BytesIO(answers[0].content)) as stream:
            assert sum(1 for _ in stream.decode(video=0)) <= 10  # no more than was drawn
    again = http.get(f"{V}/operations/{op_id}:live")
    assert again.status_code == 400 and again.json()["error"]["status"] == "FAILED_PRECONDITION"
