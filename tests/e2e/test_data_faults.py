"""Damaged or missing data is reported with a name, never served as a 500 or hidden: a lost MP4
answers NOT_FOUND naming the file while polls go on answering; a garbage or zeroed database is
caught by /readyz and refused at start-up with what to do; a full disk answers creates with 503
and RetryInfo; scratch left by a killed worker is removed at the next start."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.gates import MODEL, Gates, gated_body
from tests.images import inline_image
from tests.support import LiveServer, require_or_skip

VERTEX = f"/v1/projects/my-proj/locations/us-central1/publishers/google/models/{MODEL}"


def _file_id(done: dict[str, Any]) -> str:
    uri = done["response"]["generateVideoResponse"]["generatedSamples"][0]["video"]["uri"]
    return str(uri.split("files/")[1].split(":")[0])


def _finished_job(live: LiveServer, gates: Gates, http: httpx.Client, tag: str) -> dict[str, Any]:
    name = http.post(f"/v1beta/models/{MODEL}:predictLongRunning", json=gated_body(tag)).json()["name"]
    gates.open(tag, 0)
    return live.wait_done(http, f"/v1beta/{name}")


def _serve(live: LiveServer) -> subprocess.CompletedProcess[str]:
    """Run `openreel serve` expecting it to refuse to start."""
    env = {**os.environ, **live.env}
    return subprocess.run([sys.executable, "-m", "openreel.cli", "serve"], env=env, capture_output=True,
                          text=True, timeout=60)


@pytest.fixture
def gated(tmp_path: Path) -> tuple[LiveServer, Gates, str]:
    gates = Gates(tmp_path / "gates")
    live = LiveServer(tmp_path / "server", catalog_path=gates.write_catalog(tmp_path / "c.json"))
    return live, gates, live.create_key()


def test_a_lost_video_is_not_found_by_name_and_polls_keep_answering(gated: tuple[LiveServer, Gates, str]) -> None:
    live, gates, key = gated
    live.start()
    try:
        http = live.client(key)
        done = _finished_job(live, gates, http, "lost")
        file_id = _file_id(done)
        vertex = http.post(f"{VERTEX}:predictLongRunning",
                           json={"instances": [{"prompt": "lostvertex frames"}], "parameters": {"durationSeconds": 4, "resolution": "720p"}}).json()
        gates.open("lostvertex", 0)
        while not (polled := http.post(f"{VERTEX}:fetchPredictOperation", json={"operationName": vertex["name"]}).json())["done"]:
            time.sleep(0.2)
        assert polled["response"]["videos"][0]["bytesBase64Encoded"]

        for mp4 in (live.data_dir / "videos").rglob("*.mp4"):
            mp4.unlink()  # an operator's clean-up script, or a failed disk

        response = http.get(f"/v1beta/files/{file_id}:download?alt=media")
        assert response.status_code == 404, response.text
        assert response.json()["error"]["status"] == "NOT_FOUND"
        assert f"files/{file_id}" in response.json()["error"]["message"]
        # The thumbnail is its own object, stored when the video was: it outlives the lost video.
        assert http.get(f"/v1beta/files/{file_id}:thumbnail").status_code == 200
        for jpeg in (live.data_dir / "videos").rglob("*.jpg"):
            jpeg.unlink()
        response = http.get(f"/v1beta/files/{file_id}:thumbnail")  # made from the video, which is gone
        assert response.status_code == 404 and f"files/{file_id}" in response.json()["error"]["message"]
        assert http.get(f"/v1beta/{done['name']}").status_code == 200
        again = http.post(f"{VERTEX}:fetchPredictOperation", json={"operationName": vertex["name"]})
        assert again.status_code == 200 and again.json()["done"] and again.json()["response"]["videos"] == []
    finally:
        live.stop()


def test_a_garbage_database_fails_readiness_and_is_refused_at_start(gated: tuple[LiveServer, Gates, str]) -> None:
    live, gates, key = gated
    live.start()
    try:
        _finished_job(live, gates, live.client(key), "garbage")
        database = live.data_dir / "openreel.db"
        size = database.stat().st_size
        with database.open("r+b") as f:
            f.write(os.urandom(size))
        ready = httpx.get(f"{live.url}/readyz")
        assert ready.status_code == 503
        assert not ready.json()["checks"]["database"]["ok"] and ready.json()["checks"]["database"]["reason"]
        assert httpx.get(f"{live.url}/healthz").status_code == 200
    finally:
        live.stop()
    refused = _serve(live)
    assert refused.returncode != 0
    assert "cannot be read" in refused.stderr and "backup" in refused.stderr


def test_an_empty_database_beside_existing_videos_is_refused_at_start(gated: tuple[LiveServer, Gates, str]) -> None:
    live, gates, key = gated
    live.start()
    try:
        _finished_job(live, gates, live.client(key), "zeroed")
    finally:
        live.stop()
    (live.data_dir / "openreel.db").write_bytes(b"")  # truncated to zero bytes
    refused = _serve(live)
    assert refused.returncode != 0
    assert "missing or empty, but videos exist" in refused.stderr
    assert list((live.data_dir / "videos").rglob("*.mp4")), "nothing was touched"


def test_a_full_disk_answers_create_with_503_and_readiness_says_why(tmp_path: Path) -> None:
    mount = tmp_path / "small-disk"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mount)]).returncode:
        require_or_skip("mounting a small tmpfs to fill needs root")
    live = LiveServer(mount / "data", min_free_disk_bytes=0)
    try:
        key = live.create_key()
        live.start(workers=0)
        http = live.client(key)
        body = {"instances": [{"prompt": "a lake", "image": inline_image()}],
                "parameters": {"durationSeconds": 4, "resolution": "720p"}}
        assert http.post("/v1beta/models/veo-3.0-generate-001:predictLongRunning", json=body).status_code == 200
        filler = mount / "filler"
        with filler.open("wb") as f:
            try:
                while True:
                    f.write(b"\0" * (1 << 20))
                    f.flush()
            except OSError:
                pass
        full = http.post("/v1beta/models/veo-3.0-generate-001:predictLongRunning", json=body)
        assert full.status_code == 503, full.text
        assert full.json()["error"]["status"] == "UNAVAILABLE"
        assert any(d["@type"].endswith("RetryInfo") for d in full.json()["error"]["details"])
        ready = httpx.get(f"{live.url}/readyz")
        assert ready.status_code == 503 and "No space left" in ready.json()["checks"]["storage"]["reason"]
        assert len(http.get("/v1beta/operations").json()["operations"]) == 1
        stored = [path for path in (live.data_dir / "videos" / "inputs").rglob("*") if path.is_file()]
        assert len(stored) == 1  # the refused create left no half-stored input behind

        filler.unlink()
        assert http.post("/v1beta/models/veo-3.0-generate-001:predictLongRunning", json=body).status_code == 200
        assert httpx.get(f"{live.url}/readyz").status_code == 200
    finally:
        live.stop()
        subprocess.run(["umount", "-l", str(mount)])


def test_scratch_left_by_a_killed_worker_is_removed_at_start(gated: tuple[LiveServer, Gates, str]) -> None:
    live, gates, key = gated
    live.start(lease_seconds=2, heartbeat_seconds=0.5)
    http = live.client(key)
    name = http.post(f"/v1beta/models/{MODEL}:predictLongRunning", json=gated_body("killed")).json()["name"]
    gates.open("killed", 0, frames=48)  # half the clip: the encoder holds a partial MP4 in scratch
    assert live.process is not None
    killed_pid = live.process.pid
    deadline = time.monotonic() + 60
    while not list((live.data_dir / "tmp").rglob("*.mp4")) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert list((live.data_dir / "tmp").glob(f"*-{killed_pid}"))
    live.stop(kill=True)

    live.start(lease_seconds=2, heartbeat_seconds=0.5)
    try:
        assert not list((live.data_dir / "tmp").glob(f"*-{killed_pid}"))
        gates.open("killed", 0)
        done = live.wait_done(http, f"/v1beta/{name}")
        assert "response" in done and done["metadata"]["attempt"] == 2
    finally:
        live.stop()
