"""Open-weight models through the whole service: a TOML catalog entry names a folder saved by
save_pretrained, a create goes through HTTP, a worker runs the real diffusers pipeline (tiny,
random weights, built offline) and the MP4 that comes back is decoded and checked.

The app runs in this process (create_app + ASGITransport) with its worker threads, so torch is
imported once per session."""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from openreel.provenance.manifest import TRAINED_ALGORITHMIC_MEDIA
from tests.images import png_bytes
from tests.inprocess import InProcessClient, InProcessServer, explicit_settings
from tests.prometheus_samples import parse_samples, value
from tests.support import DecodedVideo, content_credentials, decode_mp4
from tests.tiny_models import TINY_OPTIONS, toml_entry, write_catalog


@pytest.fixture(scope="module")
def served(tiny_models: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    root = tmp_path_factory.mktemp("diffusers")
    catalog = write_catalog(root / "catalog.toml", tiny_models)
    with catalog.open("a") as extra:
        # The same Wan weights, asked for 1000 steps of 65 frames at 256x128: minutes on a CPU,
        # long enough to watch, to queue behind and to cancel on any machine.
        extra.write(toml_entry("wan-slow", tiny_models["wan-t2v"], size=[256, 128], fps=16, steps=1000))
        extra.write(toml_entry("wan-gone", root / "no-such-folder"))
        extra.write(toml_entry("wan-typo", tiny_models["wan-t2v"], image_pipeline="WanImage2VideoPipeline"))
        extra.write(toml_entry("wan-3s", tiny_models["wan-t2v"], durations=[3]))
    with InProcessServer(explicit_settings(root / "data", catalog_path=catalog, workers=2,
                                           heartbeat_seconds=0.2)) as server:
        yield server


@pytest.fixture(scope="module")
def http(served: InProcessServer) -> InProcessClient:
    return served.client(served.create_key())


def _create(http: InProcessClient, model: str, instance: dict[str, Any] | None = None, **parameters: Any) -> Any:
    body = {"instances": [{"prompt": "a cat dancing on the beach", **(instance or {})}],
            "parameters": {"durationSeconds": 4, "resolution": "720p", **parameters}}
    return http.post(f"/v1beta/models/{model}:predictLongRunning", json=body)


def _video(served: InProcessServer, http: InProcessClient, model: str, instance: dict[str, Any] | None = None,
           **parameters: Any) -> list[DecodedVideo]:
    stub = _create(http, model, instance, **parameters)
    assert stub.status_code == 200, stub.text
    done = served.wait_done(http, f"/v1beta/{stub.json()['name']}", timeout=300)
    assert "error" not in done, done
    videos = []
    for sample in done["response"]["generateVideoResponse"]["generatedSamples"]:
        file_id = re.search(r"files/([a-z0-9]+)", sample["video"]["uri"]).group(1)  # type: ignore[union-attr]
        data = http.get(f"/v1beta/files/{file_id}:download", params={"alt": "media"}).content
        # Every video states, in content credentials c2pa verifies, that a trained model made it.
        credentials = content_credentials(data)
        assert credentials is not None and credentials.state == "Valid", credentials
        assert credentials.source_types == [TRAINED_ALGORITHMIC_MEDIA]
        assert (credentials.generation["engine"], credentials.generation["model"]) == ("diffusers", model)
        videos.append(decode_mp4(data, keep_frames=True))
    return videos


def _b64_png(seed: int) -> dict[str, str]:
    return {"bytesBase64Encoded": base64.b64encode(png_bytes(seed=seed)).decode(), "mimeType": "image/png"}


def test_wan_text_to_video_is_served_at_the_exact_size_rate_and_length(served: InProcessServer,
                                                                         http: InProcessClient) -> None:
    [video] = _video(served, http, "wan-t2v", seed=7, aspectRatio="9:16")
    assert (video.codec, video.width, video.height, video.fps, video.frame_count) == ("h264", 720, 1280, 24.0, 96)
    assert video.audio_codec is None
    assert float(np.std(video.frames[0])) > 1.0  # the model drew something, not a flat frame


def test_denoising_steps_are_timed_in_the_metrics(served: InProcessServer, http: InProcessClient) -> None:
    def steps_timed() -> float:
        return value(parse_samples(http.get("/metrics").text), "openreel_engine_step_seconds_count", model="wan-t2v")

    before = steps_timed()
    _video(served, http, "wan-t2v", seed=11, sampleCount=2)  # both samples in one batch: one call's steps
    assert steps_timed() - before == TINY_OPTIONS["wan-t2v"]["steps"]


def test_readiness_lists_the_models_that_cannot_serve(http: InProcessClient) -> None:
    ready = http.get("/readyz")
    assert ready.status_code == 200
    engines = ready.json()["checks"]["engines"]
    assert engines["ok"] and "load on first use" in engines["reason"]
    assert "wan-gone" in engines["reason"] and "no-such-folder" in engines["reason"]


def test_a_preloaded_model_that_cannot_load_makes_the_worker_unready(tmp_path: Path,
                                                                    tiny_models: dict[str, Path]) -> None:
    catalog = write_catalog(tmp_path / "catalog.toml", tiny_models)
    with catalog.open("a") as extra:
        extra.write(toml_entry("wan-broken", tmp_path / "weights"))
    (tmp_path / "weights").mkdir()
    (tmp_path / "weights" / "model_index.json").write_text('{"_class_name": "WanPipeline"}')  # and nothing else
    settings = explicit_settings(tmp_path / "data", catalog_path=catalog, worker_models="wan-t2v,wan-broken")
    with InProcessServer(settings) as app:
        deadline = time.monotonic() + 120
        while "is loading" in (check := app.client().get("/readyz").json()["checks"]["engines"])["reason"]:
            assert time.monotonic() < deadline, check
            time.sleep(0.2)
        ready = app.client().get("/readyz")
    assert ready.status_code == 503
    reason = ready.json()["checks"]["engines"]["reason"]
    assert "wan-broken could not be loaded" in reason and "wan-t2v" not in reason


def test_the_same_seed_gives_the_same_frames_and_samples_differ(served: InProcessServer,
                                                                 http: InProcessClient) -> None:
    first = _video(served, http, "wan-t2v", seed=21, sampleCount=2)
    again = _video(served, http, "wan-t2v", seed=21, sampleCount=2)
    for a, b in zip(first, again):
        assert all(np.array_equal(x, y) for x, y in zip(a.frames, b.frames))
    assert not np.array_equal(first[0].frames[0], first[1].frames[0])


def test_wan_image_to_video_with_a_last_frame(served: InProcessServer, http: InProcessClient) -> None:
    [video] = _video(served, http, "wan-i2v", {"image": _b64_png(1), "lastFrame": _b64_png(2)}, seed=3)
    assert (video.width, video.height, video.frame_count) == (1280, 720, 96)


def test_ltx2_makes_its_own_audio_for_generate_audio(served: InProcessServer, http: InProcessClient) -> None:
    [video] = _video(served, http, "ltx2", seed=5, generateAudio=True)
    assert (video.width, video.height, video.frame_count) == (1280, 720, 96)
    assert (video.audio_codec, video.audio_rate, video.audio_channels) == ("aac", 48000, 2)
    assert video.audio is not None and abs(video.audio.shape[1] / 48000 - 4.0) < 0.05
    assert float(np.abs(video.audio).max()) > 0.0  # the vocoder's waveform, not padding


def test_progress_shows_denoising_steps_and_a_cancel_ends_cancelled(served: InProcessServer,
                                                                    http: InProcessClient) -> None:
    stub = _create(http, "wan-slow", seed=1)
    assert stub.status_code == 200, stub.text
    name = stub.json()["name"]
    deadline = time.monotonic() + 120
    while True:
        metadata = http.get(f"/v1beta/{name}").json()["metadata"]
        if metadata.get("progressPhase", "").startswith("denoising step"):
            break
        assert time.monotonic() < deadline, metadata
        time.sleep(0.1)
    assert re.fullmatch(r"denoising step \d+ of 1000", metadata["progressPhase"])
    # One pipeline runs one job: a second job for it stays queued, and the other worker takes
    # other work meanwhile instead of waiting for the pipeline.
    second = _create(http, "wan-slow", seed=2).json()["name"]
    other = _create(http, "veo-3.0-generate-001", seed=3).json()["name"]
    assert "response" in served.wait_done(http, f"/v1beta/{other}", timeout=120)
    assert http.get(f"/v1beta/{second}").json()["metadata"]["state"] == "QUEUED"
    for running in (name, second):
        assert http.post(f"/v1beta/{running}:cancel").status_code == 200
        done = served.wait_done(http, f"/v1beta/{running}", timeout=120)
        assert done["error"]["code"] == 1  # CANCELLED
    # The worker is free again and the model still loaded: the next job runs to the end.
    assert len(_video(served, http, "wan-t2v", seed=2)) == 1


def test_what_a_model_cannot_do_is_a_400_naming_the_field(served: InProcessServer, http: InProcessClient) -> None:
    cases = {
        ("wan-t2v", "instances[0].lastFrame"): ({"lastFrame": _b64_png(1)}, {}),
        ("wan-t2v", "instances[0].image"): ({"image": _b64_png(1)}, {}),
        ("wan-t2v", "parameters.generateAudio"): ({}, {"generateAudio": True}),
        ("wan-i2v", "instances[0].image"): ({}, {}),  # an image-to-video model needs its image
        ("wan-t2v", "parameters.resolution"): ({}, {"resolution": "4k"}),
    }
    before = http.get("/v1beta/operations").json().get("operations", [])
    for (model, field), (instance, parameters) in cases.items():
        response = _create(http, model, instance, **parameters)
        assert response.status_code == 400, (model, field, response.text)
        error = response.json()["error"]
        assert error["status"] == "INVALID_ARGUMENT"
        assert field in [v["field"] for v in error["details"][0]["fieldViolations"]], (field, error)
    assert http.get("/v1beta/operations").json().get("operations", []) == before  # nothing was queued


def test_a_missing_weights_folder_is_refused_naming_the_model_and_folder(http: InProcessClient) -> None:
    response = _create(http, "wan-gone")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == "FAILED_PRECONDITION"
    assert "wan-gone" in error["message"] and "no-such-folder" in error["message"]


def test_a_broken_entry_is_listed_as_unavailable_and_refused_while_the_others_serve(
        http: InProcessClient) -> None:
    models = {m["name"]: m for m in http.get("/v1beta/models").json()["models"]}
    assert "WanImage2VideoPipeline" in models["models/wan-typo"]["unavailable"]
    assert "leaves no durations" in models["models/wan-3s"]["unavailable"]
    assert "capabilities" in models["models/wan-t2v"]
    for model in ("wan-typo", "wan-3s"):
        error = _create(http, model).json()["error"]
        assert (error["code"], error["status"]) == (400, "FAILED_PRECONDITION") and model in error["message"]


def test_models_show_engine_capabilities_and_license(http: InProcessClient) -> None:
    models = {m["name"]: m for m in http.get("/v1beta/models").json()["models"]}
    wan = models["models/wan-t2v"]
    assert wan["engine"] == "diffusers"
    assert wan["capabilities"]["imageToVideo"] is False and wan["capabilities"]["audio"] is False
    assert models["models/ltx2"]["capabilities"]["audio"] is True
    assert models["models/wan-i2v"]["capabilities"]["lastFrame"] is True
    assert "no-such-folder" in models["models/wan-gone"]["unavailable"]
    # Default entries whose weights licenses restrict use say so.
    assert "LTX-2 Community License" in models["models/ltx-2"]["license"]
    assert "Tencent Hunyuan Community License" in models["models/hunyuanvideo-1.5"]["license"]
