"""What the worker does with what an engine hands back, and with what an engine declares: MP4s an
engine encoded itself are checked and stored packet for packet (signed with content credentials),
mismatched ones fail the operation, running out of memory is retried, capabilities refuse requests before they are queued, and a
worker told to serve some models loads them first and takes only their operations.

The gated test engine plays each part (tests/plugins/openreel-gated), in an app in this process."""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from openreel.engines.registry import EngineRegistry
from tests.gates import Gates
from tests.images import png_bytes
from tests.inprocess import InProcessClient, InProcessServer, explicit_settings
from tests.support import assert_signed_copy
from tests.tiny_models import catalog_table

MODELS = {
    "gated-mp4": {"output": "mp4"},
    "gated-wrong": {"output": "wrong-size-mp4"},
    "gated-oom-once": {"out_of_memory_calls": 1},
    "gated-oom-always": {"out_of_memory_calls": 99},
    "gated-text-only": {"capabilities": {"image_to_video": False, "last_frame": False, "extension": False,
                                         "audio": False, "max_samples": 1, "durations": [4]}},
    "gated-other": {},
}


def _catalog(path: Path, gates: Gates) -> Path:
    path.write_text("".join(catalog_table(model, {"engine": "gated", "control_dir": str(gates.dir), **options})
                            for model, options in MODELS.items()))
    return path


@pytest.fixture
def gates(tmp_path: Path) -> Gates:
    return Gates(tmp_path / "gates")


@pytest.fixture
def served(tmp_path: Path, gates: Gates) -> Iterator[InProcessServer]:
    settings = explicit_settings(tmp_path / "data", catalog_path=_catalog(tmp_path / "catalog.toml", gates),
                                 max_attempts=2, heartbeat_seconds=0.2)
    with InProcessServer(settings) as server:
        yield server


def _create(http: InProcessClient, model: str, tag: str, **instance: Any) -> Any:
    return http.post(f"/v1beta/models/{model}:predictLongRunning",
                     json={"instances": [{"prompt": f"{tag} flat frames", **instance}],
                           "parameters": {"durationSeconds": 4, "resolution": "720p"}})


def _run(served: InProcessServer, http: InProcessClient, gates: Gates, model: str, tag: str) -> dict[str, Any]:
    gates.open(tag, 0)
    response = _create(http, model, tag)
    assert response.status_code == 200, response.text
    return served.wait_done(http, f"/v1beta/{response.json()['name']}", timeout=120)


def test_an_engines_own_mp4_is_stored_as_made_with_its_content_credentials(served: InProcessServer,
                                                                           gates: Gates) -> None:
    http = served.client(served.create_key())
    done = _run(served, http, gates, "gated-mp4", "made")
    uri = done["response"]["generateVideoResponse"]["generatedSamples"][0]["video"]["uri"]
    file_id = re.search(r"files/([a-z0-9]+)", uri).group(1)  # type: ignore[union-attr]
    stored = http.get(f"/v1beta/files/{file_id}:download", params={"alt": "media"}).content
    assert_signed_copy(stored, (gates.dir / "made.0.made.mp4").read_bytes(), engine="gated", model="gated-mp4")


def test_an_mp4_that_does_not_match_the_request_fails_the_operation(served: InProcessServer, gates: Gates) -> None:
    http = served.client(served.create_key())
    done = _run(served, http, gates, "gated-wrong", "wrong")
    assert done["error"]["code"] == 13  # INTERNAL: the engine broke its contract, not the caller
    assert "size 640x360, not 1280x720" in done["error"]["message"]
    assert not list((served.data_dir / "videos").rglob("*.mp4"))


def test_running_out_of_memory_is_retried_then_reported(served: InProcessServer, gates: Gates) -> None:
    http = served.client(served.create_key())
    done = _run(served, http, gates, "gated-oom-once", "oomonce")
    assert "response" in done and done["metadata"]["attempt"] == 2
    failed = _run(served, http, gates, "gated-oom-always", "oomalways")
    assert failed["error"]["code"] == 8 and "Out of memory" in failed["error"]["message"]  # RESOURCE_EXHAUSTED
    assert failed["metadata"]["attempt"] == 2
    # The worker stayed healthy: the next job runs.
    assert "response" in _run(served, http, gates, "gated-other", "after")


def test_declared_capabilities_refuse_a_request_before_it_is_queued(served: InProcessServer, gates: Gates) -> None:
    http = served.client(served.create_key())
    image = {"bytesBase64Encoded": base64.b64encode(png_bytes()).decode(), "mimeType": "image/png"}
    response = _create(http, "gated-text-only", "refused", image=image, lastFrame=image)
    assert response.status_code == 400
    fields = {v["field"] for v in response.json()["error"]["details"][0]["fieldViolations"]}
    assert fields == {"instances[0].image", "instances[0].lastFrame"}
    assert http.get("/v1beta/operations").json().get("operations", []) == []
    assert not (gates.dir / "refused.calls").exists()


def test_a_worker_serving_some_models_loads_them_first_and_takes_only_theirs(tmp_path: Path, gates: Gates) -> None:
    settings = explicit_settings(tmp_path / "data", catalog_path=_catalog(tmp_path / "catalog.toml", gates),
                                 worker_models="gated-mp4", heartbeat_seconds=0.2)
    with InProcessServer(settings) as server:
        engines: EngineRegistry = server.runtime.engines
        deadline = time.monotonic() + 30
        while engines.engine(server.runtime.catalog.get("gated-mp4")).loads == 0:  # type: ignore[attr-defined]
            assert time.monotonic() < deadline, "the served model was not loaded at start"
            time.sleep(0.05)
        http = server.client(server.create_key())
        gates.open("elsewhere", 0)
        other = _create(http, "gated-other", "elsewhere").json()["name"]
        assert "response" in _run(server, http, gates, "gated-mp4", "mine")
        assert http.get(f"/v1beta/{other}").json()["metadata"]["state"] == "QUEUED"
        assert not (gates.dir / "elsewhere.calls").exists()
