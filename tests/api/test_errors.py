"""Every error path answers with the google.rpc envelope, the right status, the field named,
and leaves nothing stored or queued. Bad input is never a 500."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from tests.images import b64, inline_image, png_bytes, tiny_mp4
from tests.inprocess import InProcessClient, InProcessServer, explicit_settings
from tests.support import STATIC_PROMPT

GEMINI = "/v1beta/models/veo-3.0-generate-001:predictLongRunning"
VERTEX_BASE = "/v1beta1/projects/my-proj/locations/us-central1/publishers/google/models"


@pytest.fixture(scope="module")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    # No workers: whatever got stored would stay visible as queued, and small input limits.
    settings = explicit_settings(tmp_path_factory.mktemp("errors"), workers=0, max_image_bytes=200_000,
                                 max_image_pixels=4_000_000)
    with InProcessServer(settings) as app:
        yield app


@pytest.fixture(scope="module")
def http(app_server: InProcessServer, app_key: str) -> InProcessClient:
    return app_server.client(app_key)


def _bomb_png() -> str:
    buf = io.BytesIO()
    Image.new("1", (4000, 4000)).save(buf, "PNG")  # 16 M pixels in a few kB
    return b64(buf.getvalue())


def _body(prompt: str | None = STATIC_PROMPT, instance: dict[str, Any] | None = None,
          **parameters: Any) -> dict[str, Any]:
    inst = {"prompt": prompt} if prompt is not None else {}
    return {"instances": [inst | (instance or {})], "parameters": parameters}


BAD_REQUESTS = [
    (_body(durationSeconds=5), "parameters.durationSeconds"),
    (_body(durationSeconds="abc"), "parameters.durationSeconds"),
    (_body(aspectRatio="4:3"), "parameters.aspectRatio"),
    (_body(resolution="4k"), "parameters.resolution"),
    (_body(sampleCount=5), "parameters.sampleCount"),
    (_body(sampleCount=0), "parameters.sampleCount"),
    (_body(seed=-1), "parameters.seed"),
    (_body(seed=2**32), "parameters.seed"),
    (_body(temperature=1.5), "parameters.temperature"),
    (_body(fps=30), "parameters.fps"),
    (_body(personGeneration="everyone"), "parameters.personGeneration"),
    (_body(compressionQuality="best"), "parameters.compressionQuality"),
    (_body(resizeMode="stretch"), "parameters.resizeMode"),
    (_body(storageUri="s3://bucket/x"), "parameters.storageUri"),
    (_body(pubsubTopic="veo"), "parameters.pubsubTopic"),
    (_body(frameRate=24), "parameters.frameRate"),
    (_body(prompt=None), "instances[0].prompt"),
    (_body(prompt="x" * 5000), "instances[0].prompt"),
    ({"instances": [], "parameters": {}}, "instances"),
    ({"instances": [{"prompt": "a"}, {"prompt": "b"}]}, "instances"),
    (_body(instance={"bogus": 1}), "instances[0].bogus"),
    (_body(instance={"image": {"bytesBase64Encoded": "not base64!!", "mimeType": "image/png"}}),
     "instances[0].image.bytesBase64Encoded"),
    (_body(instance={"image": {"bytesBase64Encoded": b64(b"plain text"), "mimeType": "image/png"}}),
     "instances[0].image.bytesBase64Encoded"),
    (_body(instance={"image": {"bytesBase64Encoded": b64(png_bytes()), "mimeType": "image/gif"}}),
     "instances[0].image.mimeType"),
    (_body(instance={"image": {"gcsUri": "gs://b/a.png", "mimeType": "image/png"}}),
     "instances[0].image.gcsUri"),
    (_body(instance={"image": {"bytesBase64Encoded": _bomb_png(), "mimeType": "image/png"}}),
     "instances[0].image.bytesBase64Encoded"),
    (_body(instance={"lastFrame": {"bytesBase64Encoded": b64(png_bytes(800, 800)), "mimeType": "image/png"}}),
     "instances[0].lastFrame.bytesBase64Encoded"),
    (_body(instance={"referenceImages": [{"image": inline_image(), "referenceType": "other"}]}),
     "instances[0].referenceImages[0].referenceType"),
    (_body(instance={"referenceImages": [{"image": inline_image(), "referenceType": "asset"}] * 4}),
     "instances[0].referenceImages"),
    (_body(instance={"video": {"uri": "https://example.invalid/v1beta/files/abc123:download"}}),
     "instances[0].video.uri"),
    (_body(instance={"video": {"encodedVideo": b64(b"not a video"), "encoding": "video/mp4"}}),
     "instances[0].video.encodedVideo"),
    (_body(instance={"image": inline_image(), "video": {"encodedVideo": b64(tiny_mp4())}}), "instances[0].video"),
    (_body(instance={"mask": {"gcsUri": "gs://b/m.png", "maskMode": "INSERT"}}), "instances[0].mask"),
    ({**_body(), "webhookConfig": {"uris": ["ftp://x"]}}, "webhookConfig.uris"),
    ({**_body(), "labels": {"k" * 80: "v"}}, "labels"),
]


def _stored_operation_count(http: InProcessClient) -> int:
    return len(http.get("/v1beta/operations", params={"pageSize": 100}).json()["operations"])


def _stored_files(server: InProcessServer) -> set[Path]:
    """Every blob in storage: videos, and the inputs a create call stores."""
    return {path for path in (server.data_dir / "videos").rglob("*") if path.is_file()}


@pytest.mark.parametrize(("body", "field"), BAD_REQUESTS, ids=[f for _, f in BAD_REQUESTS])
def test_bad_parameter_is_400_naming_the_field_and_stores_nothing(
        app_server: InProcessServer, http: InProcessClient, body: dict[str, Any], field: str) -> None:
    before, files_before = _stored_operation_count(http), _stored_files(app_server)
    response = http.post(GEMINI, json=body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["code"], error["status"]) == (400, "INVALID_ARGUMENT")
    [bad_request] = [d for d in error["details"] if d["@type"] == "type.googleapis.com/google.rpc.BadRequest"]
    assert field in [v["field"] for v in bad_request["fieldViolations"]]
    assert _stored_operation_count(http) == before
    assert _stored_files(app_server) == files_before


def test_veo2_refuses_audio_and_four_second_clips(http: InProcessClient) -> None:
    response = http.post("/v1beta/models/veo-2.0-generate-001:predictLongRunning",
                         json=_body(durationSeconds=4, generateAudio=True))
    fields = {v["field"] for v in response.json()["error"]["details"][0]["fieldViolations"]}
    assert fields == {"parameters.durationSeconds", "parameters.generateAudio"}


def test_malformed_json_is_400(http: InProcessClient) -> None:
    response = http.post(GEMINI, content=b'{"instances": [', headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]["status"] == "INVALID_ARGUMENT"


def test_missing_key_is_401_and_bad_key_is_401_api_key_invalid(app_server: InProcessServer) -> None:
    anonymous = app_server.client()
    missing = anonymous.post(GEMINI, json=_body())
    assert missing.status_code == 401 and missing.json()["error"]["status"] == "UNAUTHENTICATED"
    bad = anonymous.post(GEMINI, json=_body(), headers={"x-goog-api-key": "ork_nope"})
    assert bad.status_code == 401
    assert bad.json()["error"]["details"][0]["reason"] == "API_KEY_INVALID"
    bearer = anonymous.get("/v1beta/models", headers={"Authorization": "Bearer ork_nope"})
    assert bearer.status_code == 401


def test_vertex_call_into_another_project_is_403(http: InProcessClient) -> None:
    response = http.post("/v1beta1/projects/someone-else/locations/us-central1/publishers/google/models/"
                         "veo-3.0-generate-001:predictLongRunning", json=_body())
    assert response.status_code == 403
    assert response.json()["error"]["status"] == "PERMISSION_DENIED"


@pytest.mark.parametrize("path", [
    "/v1beta/models/veo-9-imaginary", "/v1beta/models/veo-3.0-generate-001/operations/0123456789abcdef0123456789abcdef",
    "/v1beta/files/0123456789abcdef0123456789abcdef0:download?alt=media", "/v1beta/operations/not-an-id",
    "/v2/models", "/no/such/route",
])
def test_unknown_things_are_404_not_found(http: InProcessClient, path: str) -> None:
    response = http.get(path)
    assert response.status_code == 404
    assert response.json()["error"] | {"message": ""} == {"code": 404, "status": "NOT_FOUND", "message": "",
                                                          "details": response.json()["error"]["details"]}


def test_unknown_model_on_create_is_404_on_both_surfaces(http: InProcessClient) -> None:
    assert http.post("/v1beta/models/veo-9:predictLongRunning", json=_body()).status_code == 404
    assert http.post(f"{VERTEX_BASE}/veo-9:predictLongRunning", json=_body()).status_code == 404


def test_another_projects_operation_is_not_found(app_server: InProcessServer, http: InProcessClient) -> None:
    stub = http.post(GEMINI, json=_body(durationSeconds=4)).json()
    other = app_server.client(app_server.create_key(project="other-proj"))
    assert other.get(f"/v1beta/{stub['name']}").status_code == 404
    assert http.get(f"/v1beta/{stub['name']}").status_code == 200


def test_cancel_a_queued_operation_finishes_it_with_cancelled(http: InProcessClient) -> None:
    stub = http.post(GEMINI, json=_body(durationSeconds=4)).json()
    op_id = stub["name"].rsplit("/", 1)[1]
    assert http.post(f"/v1beta/operations/{op_id}:cancel").json() == {}
    done = http.get(f"/v1beta/{stub['name']}").json()
    assert done["done"] is True
    assert done["error"]["code"] == 1  # gRPC CANCELLED
    assert http.post(f"/v1beta/operations/{op_id}:cancel").status_code == 200  # idempotent


def test_queued_operation_reports_its_queue_position(http: InProcessClient) -> None:
    first = http.post(GEMINI, json=_body(durationSeconds=4)).json()
    second = http.post(GEMINI, json=_body(durationSeconds=4)).json()
    p1 = http.get(f"/v1beta/{first['name']}").json()["metadata"]["queuePosition"]
    p2 = http.get(f"/v1beta/{second['name']}").json()["metadata"]["queuePosition"]
    assert p2 == p1 + 1


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12)
parameter_names = st.sampled_from(["durationSeconds", "sampleCount", "seed", "temperature", "aspectRatio",
                                   "resolution", "fps", "generateAudio", "personGeneration", "storageUri",
                                   "duration_seconds", "aspect_ratio", "enhancePrompt"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(prompt=json_values, parameters=st.dictionaries(parameter_names, json_values, max_size=4),
       extra=st.dictionaries(st.text(max_size=8), json_values, max_size=2))
def test_fuzzed_bodies_never_produce_a_500(http: InProcessClient, prompt: Any, parameters: dict[str, Any],
                                           extra: dict[str, Any]) -> None:
    response = http.post(GEMINI, json={"instances": [{"prompt": prompt}], "parameters": parameters, **extra})
    assert response.status_code in (200, 400, 404), response.text
    assert "error" in response.json() or response.json()["name"]


def test_an_image_that_is_not_one_is_named_without_server_internals(http: InProcessClient) -> None:
    body = _body(instance={"image": {"bytesBase64Encoded": b64(b"plain text"), "mimeType": "image/png"}})
    message = http.post(GEMINI, json=body).json()["error"]["message"]
    assert "not a PNG, JPEG or WebP image" in message
    assert "0x" not in message and "BytesIO" not in message
