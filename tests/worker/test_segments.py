"""Long videos on an engine with short clips, as the worker makes them: the gated test engine
(tests/plugins/openreel-gated) with 4 s clips, holding its frames until the test releases them,
so progress across segments is read at known moments on any machine."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.gates import Gates
from tests.inprocess import InProcessClient, InProcessServer, explicit_settings
from tests.support import decode_mp4
from tests.tiny_models import catalog_table

CLIPS = {"capabilities": {"durations": [4]}}
MODELS = {"short-frames": {}, "short-mp4": {"output": "mp4"}}


@pytest.fixture
def gates(tmp_path: Path) -> Gates:
    return Gates(tmp_path / "gates")


@pytest.fixture
def served(tmp_path: Path, gates: Gates) -> Iterator[InProcessServer]:
    catalog = tmp_path / "catalog.toml"
    catalog.write_text("".join(catalog_table(model, {"engine": "gated", "control_dir": str(gates.dir),
                                                     "durations": [4, 10], **CLIPS, **options})
                               for model, options in MODELS.items()))
    with InProcessServer(explicit_settings(tmp_path / "data", catalog_path=catalog)) as server:
        yield server


def _create(http: InProcessClient, model: str, tag: str, words: str = "flat frames") -> str:
    created = http.post(f"/v1beta/models/{model}:predictLongRunning", json={
        "instances": [{"prompt": f"{tag} {words}"}],
        "parameters": {"durationSeconds": 10, "resolution": "720p", "generateAudio": True}})
    assert created.status_code == 200, created.text
    return f"/v1beta/{created.json()['name']}"


def _metadata_when(http: InProcessClient, path: str, phase: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        metadata = http.get(path).json()["metadata"]
        if phase in metadata.get("progressPhase", ""):
            return metadata
        time.sleep(0.05)
    raise TimeoutError(f"{path} never reported {phase!r}")


@pytest.mark.parametrize("model", sorted(MODELS))
def test_a_long_video_is_made_of_clips_with_progress_across_them(served: InProcessServer, gates: Gates,
                                                                   model: str) -> None:
    http = served.client(served.create_key())
    gates.open("long", 0, frames=48)  # the first clip stops half way
    path = _create(http, model, "long")
    if model == "short-frames":  # an engine that hands over frames reports them as they are drawn
        halfway = _metadata_when(http, path, "segment 1 of 3")
        assert 0 < halfway["progressPercent"] < 34
    gates.open("long", 0)
    done = served.wait_done(http, path, timeout=120)
    assert "error" not in done, done
    assert len(gates.starts("long", 0)) == 3  # three 4 s clips: 96 + 95 + 49 of their frames
    uri = done["response"]["generateVideoResponse"]["generatedSamples"][0]["video"]["uri"]
    file_id = re.search(r"files/([a-z0-9]+)", uri).group(1)  # type: ignore[union-attr]
    video = decode_mp4(http.get(f"/v1beta/files/{file_id}:download", params={"alt": "media"}).content)
    assert video.frame_count == 240 and video.audio is not None and video.audio.shape[1] >= 480_000
    assert done["metadata"]["usage"]["videoSeconds"] == 10


def test_a_withheld_clip_withholds_the_whole_long_video(served: InProcessServer, gates: Gates) -> None:
    http = served.client(served.create_key())
    gates.open("held", 0)
    done = served.wait_done(http, _create(http, "short-frames", "held", "withhold this"), timeout=120)
    response = done["response"]["generateVideoResponse"]
    assert response.get("generatedSamples", []) == [] and response["raiMediaFilteredCount"] == 1
    assert done["metadata"]["usage"]["videoSeconds"] == 0  # nothing delivered, nothing charged
    op_id = done["name"].rsplit("/", 1)[1]
    assert http.get(f"/v1beta/operations/{op_id}:live").status_code == 404  # nor streamed to anyone
