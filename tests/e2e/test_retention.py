"""Retention: an operation's videos, thumbnails and inputs are deleted a configured time after it
ends (Gemini keeps files for 2 days); the operation then reports them as expired, not failed."""

from __future__ import annotations

import time
from pathlib import Path

from tests.gates import MODEL, Gates
from tests.images import inline_image
from tests.inprocess import InProcessServer, explicit_settings

VERTEX = f"/v1/projects/kept/locations/us-central1/publishers/google/models/{MODEL}"


def stored_files(data_dir: Path) -> list[Path]:
    return [p for p in (data_dir / "videos").rglob("*") if p.is_file()]


def test_files_expire_and_the_operation_says_so(tmp_path: Path) -> None:
    gates = Gates(tmp_path / "gates")
    settings = explicit_settings(tmp_path / "data", catalog_path=gates.write_catalog(tmp_path / "c.json"),
                                 retention_hours=5 / 3600, retention_sweep_seconds=0.2)  # five seconds
    with InProcessServer(settings) as server:
        http = server.client(server.create_key(project="kept"))
        gemini = http.post(f"/v1beta/models/{MODEL}:predictLongRunning",
                           json={"instances": [{"prompt": "keptg flat test frames", "image": inline_image()}],
                                 "parameters": {"durationSeconds": 4, "resolution": "720p"}}).json()["name"]
        vertex = http.post(f"{VERTEX}:predictLongRunning",
                           json={"instances": [{"prompt": "keptv flat test frames"}],
                                 "parameters": {"durationSeconds": 4, "resolution": "720p"}}).json()["name"]
        gates.open("keptg", 0)
        gates.open("keptv", 0)
        done = server.wait_done(http, f"/v1beta/{gemini}")
        assert "expireTime" in done["metadata"] and "videosExpired" not in done["metadata"]
        uri = done["response"]["generateVideoResponse"]["generatedSamples"][0]["video"]["uri"]
        assert http.get(uri).status_code == 200
        stored = stored_files(settings.data_dir)
        assert {".mp4", ".jpg"} <= {p.suffix for p in stored}  # videos and their thumbnails
        assert any("inputs" in p.parts for p in stored)  # the input image

        deadline = time.monotonic() + 30
        while not (expired := http.get(f"/v1beta/{gemini}").json())["metadata"].get("videosExpired"):
            assert time.monotonic() < deadline, "retention never swept"
            time.sleep(0.2)
        assert expired["done"] is True and "error" not in expired  # still a success, files gone
        gone = http.get(uri)
        assert gone.status_code == 404 and "expired" in gone.json()["error"]["message"]
        assert http.get(uri.replace(":download?alt=media", "")).status_code == 404
        while stored_files(settings.data_dir):
            assert time.monotonic() < deadline, [str(p) for p in stored_files(settings.data_dir)]
            time.sleep(0.2)

        polled = http.post(f"{VERTEX}:fetchPredictOperation", json={"operationName": vertex}).json()
        assert polled["done"] and polled["metadata"]["videosExpired"] is True
        assert polled["response"]["videos"] == []  # no bytes left to inline
        usage = http.get("/v1/usage").json()
        assert usage["total_cost_usd"] == 0.80 and all(r["videos"] == [] for r in usage["records"])
