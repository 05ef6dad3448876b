"""The Python client against a live server: each error class from a real response, both Google
shapes, cancel, progress metadata, client-side timeouts, and the retry policy's waits."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import openreel
from openreel.client import (Cancelled, DeadlineExceeded, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied,
                             RetryPolicy, Unauthenticated, VideoGenerationModel)
from openreel.client.exceptions import ResourceExhausted, ServiceUnavailable, from_http
from openreel.client.transport import backoff_delay
from tests.gates import MODEL, Gates
from tests.support import STATIC_PROMPT, LiveServer, decode_mp4


@pytest.fixture(scope="module")
def gates(tmp_path_factory: pytest.TempPathFactory) -> Gates:
    return Gates(tmp_path_factory.mktemp("gates"))


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, gates: Gates) -> Iterator[tuple[LiveServer, str]]:
    data = tmp_path_factory.mktemp("client")
    server = LiveServer(data, generation_timeout_seconds=60, catalog_path=gates.write_catalog(data / "catalog.json"))
    key = server.create_key(project="studio")
    server.start()
    yield server, key
    server.stop()


def _model(live: tuple[LiveServer, str], model: str = "veo-3.0-generate-001", **init: object) -> VideoGenerationModel:
    server, key = live
    openreel.init(base_url=server.url, **{"api_key": key, **init})  # type: ignore[arg-type]
    return VideoGenerationModel.from_pretrained(model)


def test_gemini_shape_gives_uris_and_downloads_on_save(live: tuple[LiveServer, str], tmp_path: Path) -> None:
    operation = _model(live).generate_video(prompt=STATIC_PROMPT, duration_seconds=4, resolution="720p")
    assert re.fullmatch(r"models/veo-3\.0-generate-001/operations/[a-z0-9]+", operation.name)
    result = operation.result(timeout=300)
    video = result.videos[0]
    assert video.uri is not None and "/files/" in video.uri
    video.save(tmp_path / "a.mp4")
    assert decode_mp4((tmp_path / "a.mp4").read_bytes()).frame_count == 96
    assert operation.metadata["state"] == "SUCCEEDED" and operation.metadata["progressPercent"] == 100


def test_vertex_shape_with_a_project(live: tuple[LiveServer, str]) -> None:
    operation = _model(live, project="studio").generate_video(prompt=STATIC_PROMPT, duration_seconds=4,
                                                             resolution="720p", seed=3)
    assert operation.name.startswith("projects/studio/locations/us-central1/publishers/google/models/")
    assert decode_mp4(operation.result(timeout=300).videos[0].video_bytes).frame_count == 96


def test_invalid_argument_carries_the_field_violations(live: tuple[LiveServer, str]) -> None:
    with pytest.raises(InvalidArgument) as caught:
        _model(live).generate_video(prompt=STATIC_PROMPT, duration_seconds=5)
    assert caught.value.code == 400 and caught.value.status == "INVALID_ARGUMENT"
    assert caught.value.details[0]["fieldViolations"][0]["field"] == "parameters.durationSeconds"


def test_bad_key_is_unauthenticated(live: tuple[LiveServer, str]) -> None:
    with pytest.raises(Unauthenticated):
        _model(live, api_key="ork_wrong").generate_video(prompt=STATIC_PROMPT)


def test_another_project_is_permission_denied(live: tuple[LiveServer, str]) -> None:
    with pytest.raises(PermissionDenied):
        _model(live, project="not-mine").generate_video(prompt=STATIC_PROMPT)


def test_unknown_model_is_not_found(live: tuple[LiveServer, str]) -> None:
    with pytest.raises(NotFound):
        _model(live, model="veo-9-imaginary").generate_video(prompt=STATIC_PROMPT)


def test_cancelled_operation_raises_cancelled(live: tuple[LiveServer, str], gates: Gates) -> None:
    model = _model(live, model=MODEL)
    model.generate_video(prompt="clientbusy", duration_seconds=4, resolution="720p")  # held at its gate
    gates.wait_started("clientbusy", 0)
    queued = model.generate_video(prompt="clientqueued", duration_seconds=4, resolution="720p")
    assert queued.metadata["state"] == "QUEUED" and queued.metadata["queuePosition"] >= 0
    queued.cancel()
    gates.open("clientbusy", 0)
    assert queued.done()
    assert isinstance(queued.exception(), Cancelled)
    with pytest.raises(Cancelled):
        queued.result()


def test_result_timeout_is_a_deadline_exceeded_and_a_timeout_error(live: tuple[LiveServer, str], gates: Gates) -> None:
    operation = _model(live, model=MODEL).generate_video(prompt="clienttimeout", duration_seconds=4, resolution="720p")
    with pytest.raises(DeadlineExceeded):
        operation.result(timeout=0.05)
    with pytest.raises(TimeoutError):
        operation.result(timeout=0.05)
    gates.open("clienttimeout", 0)
    operation.result(timeout=300)


def test_generation_past_the_server_deadline_raises_deadline_exceeded(tmp_path: Path) -> None:
    gates = Gates(tmp_path / "gates")  # never opened: the render waits past the deadline
    server = LiveServer(tmp_path / "slow", generation_timeout_seconds=1,
                        catalog_path=gates.write_catalog(tmp_path / "catalog.json"))
    key = server.create_key()
    server.start()
    try:
        openreel.init(base_url=server.url, api_key=key)
        operation = VideoGenerationModel.from_pretrained(MODEL).generate_video(
            prompt="clientdeadline", duration_seconds=4, resolution="720p")
        with pytest.raises(DeadlineExceeded) as caught:
            operation.result(timeout=120)
        assert "deadline" in caught.value.message
    finally:
        server.stop()


def test_rate_limit_and_unavailable_envelopes_map_to_retryable_errors() -> None:
    envelope = {"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "message": "quota",
                          "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "2.500s"}]}}
    error = from_http(429, envelope)
    assert isinstance(error, ResourceExhausted) and error.retry_delay == 2.5
    assert isinstance(from_http(503, {"error": {"code": 503, "status": "UNAVAILABLE", "message": "busy"}}),
                      ServiceUnavailable)


def test_backoff_honours_retry_info_and_grows_exponentially_otherwise() -> None:
    policy = RetryPolicy(initial_delay=1.0, multiplier=2.0, max_delay=10.0)
    told = from_http(429, {"error": {"status": "RESOURCE_EXHAUSTED", "message": "",
                                     "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo",
                                                  "retryDelay": "3s"}]}})
    assert backoff_delay(policy, 1, told) == 3.0
    silent = from_http(503, {"error": {"status": "UNAVAILABLE", "message": ""}})
    waits = [backoff_delay(policy, attempt, silent) for attempt in (1, 2, 3, 4, 5, 6) for _ in range(50)]
    assert all(0 <= w <= 10.0 for w in waits)
    assert max(backoff_delay(policy, 4, silent) for _ in range(200)) > 4.0  # the ceiling doubles per attempt


def test_model_mapped_to_a_missing_engine_fails_with_failed_precondition(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.json"
    catalog.write_text('{"models": [{"id": "sketchy", "engine": "sketch", "displayName": "Sketch"}]}')
    server = LiveServer(tmp_path / "srv", catalog_path=catalog)
    key = server.create_key()
    server.start()
    try:
        openreel.init(base_url=server.url, api_key=key)
        # Refused at create, before anything is queued: the model's capabilities cannot be known.
        with pytest.raises(FailedPrecondition) as caught:
            VideoGenerationModel.from_pretrained("sketchy").generate_video(prompt=STATIC_PROMPT)
        assert "engine 'sketch' is not installed" in caught.value.message
        with server.client(key) as http:
            assert http.get("/v1beta/operations").json().get("operations", []) == []
    finally:
        server.stop()
