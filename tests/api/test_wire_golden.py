"""Golden request/response shapes from shared/spec/veo-wire.md, route by route, on the app in process."""

from __future__ import annotations

import base64
import re
import time
from typing import Any

import pytest

from tests.images import inline_image
from tests.inprocess import InProcessClient, InProcessServer
from tests.support import STATIC_PROMPT, decode_mp4

GEMINI_TYPE = "type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningResponse"
VERTEX_TYPE = "type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse"
VERTEX_MODEL = "/v1beta1/projects/my-proj/locations/us-central1/publishers/google/models/veo-3.0-generate-001"


@pytest.fixture(scope="module")
def http(app_server: InProcessServer, app_key: str) -> InProcessClient:
    return app_server.client(app_key)


def _vertex_poll(http: InProcessClient, resource: str, name: str) -> dict[str, Any]:
    for _ in range(3000):
        body: dict[str, Any] = http.post(f"{resource}:fetchPredictOperation", json={"operationName": name}).json()
        if body.get("done"):
            return body
        time.sleep(0.1)
    raise TimeoutError(name)


@pytest.mark.parametrize("version", ["v1beta", "v1", "v1alpha"])
def test_gemini_create_returns_lro_stub_and_poll_returns_generated_samples(
        app_server: InProcessServer, http: InProcessClient, version: str) -> None:
    # The request Python 2.34 sends with every Gemini-legal field set (spec §3.3), shortened to 4 s.
    request = {"instances": [{"prompt": STATIC_PROMPT}],
               "parameters": {"sampleCount": 1, "durationSeconds": 4, "aspectRatio": "16:9",
                              "resolution": "720p", "personGeneration": "allow_all",
                              "negativePrompt": "blurry", "enhancePrompt": True}}
    created = http.post(f"/{version}/models/veo-3.1-generate-preview:predictLongRunning", json=request)
    assert created.status_code == 200
    stub = created.json()
    assert re.fullmatch(r"models/veo-3\.1-generate-preview/operations/[a-z0-9]+", stub["name"])
    assert stub["done"] is False
    assert stub["metadata"]["state"] in ("QUEUED", "RUNNING")

    done = app_server.wait_done(http, f"/{version}/{stub['name']}")
    assert set(done) == {"name", "metadata", "done", "response"}
    assert done["response"]["@type"] == GEMINI_TYPE
    samples = done["response"]["generateVideoResponse"]["generatedSamples"]
    assert len(samples) == 1
    uri = samples[0]["video"]["uri"]
    assert re.fullmatch(r"https://openreel\.test/v1beta/files/[a-z0-9]+:download\?alt=media", uri)
    # enhancePrompt: the rewrite is shown to the caller in the operation.
    assert done["metadata"]["enhancedPrompt"].startswith(STATIC_PROMPT)

    file_id = re.search(r"files/([a-z0-9]+)", uri).group(1)
    download = http.get(f"/{version}/files/{file_id}:download", params={"alt": "media"})
    assert download.status_code == 200
    assert download.headers["content-type"] == "video/mp4"
    assert decode_mp4(download.content).frame_count == 96


def test_download_accepts_the_key_as_query_parameter(app_server: InProcessServer, http: InProcessClient,
                                                     app_key: str) -> None:
    stub = http.post("/v1beta/models/veo-3.0-generate-001:predictLongRunning",
                     json={"instances": [{"prompt": STATIC_PROMPT}],
                           "parameters": {"durationSeconds": 4, "resolution": "720p"}}).json()
    done = app_server.wait_done(http, f"/v1beta/{stub['name']}")
    file_id = re.search(r"files/([a-z0-9]+)", done["response"]["generateVideoResponse"]
                        ["generatedSamples"][0]["video"]["uri"]).group(1)
    anonymous = app_server.client()
    plain = anonymous.get(f"/v1beta/files/{file_id}:download", params={"alt": "media", "key": app_key})
    assert plain.status_code == 200 and plain.content[4:8] == b"ftyp"
    meta = anonymous.get(f"/v1beta/files/{file_id}", params={"key": app_key}).json()
    assert meta["name"] == f"files/{file_id}" and meta["source"] == "GENERATED"


def test_vertex_storage_uri_naming_a_bucket_openreel_cannot_write_is_refused(
        app_server: InProcessServer, http: InProcessClient) -> None:
    # Writing the videos where storageUri says is tested against a real S3 server in
    # tests/e2e/test_s3_storage.py; a bucket no setting makes writable is a 400 naming the field.
    before = http.get("/v1/projects/my-proj/locations/us-central1/operations").json().get("operations", [])
    response = http.post(f"{VERTEX_MODEL}:predictLongRunning",
                         json={"instances": [{"prompt": STATIC_PROMPT}],
                               "parameters": {"storageUri": "gs://bucket/out/", "durationSeconds": 4}})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == "INVALID_ARGUMENT" and "gs://bucket" in error["message"]
    assert error["details"][0]["fieldViolations"][0]["field"] == "parameters.storageUri"
    after = http.get("/v1/projects/my-proj/locations/us-central1/operations").json().get("operations", [])
    assert len(after) == len(before)


def test_vertex_without_storage_uri_returns_inline_bytes(http: InProcessClient) -> None:
    request = {"instances": [{"prompt": STATIC_PROMPT, "image": inline_image()}],
               "parameters": {"durationSeconds": 4, "resolution": "720p", "resizeMode": "crop"}}
    stub = http.post(f"{VERTEX_MODEL}:predictLongRunning", json=request).json()
    done = _vertex_poll(http, VERTEX_MODEL, stub["name"])
    [video] = done["response"]["videos"]
    assert set(video) == {"bytesBase64Encoded", "mimeType"}
    mp4 = decode_mp4(base64.b64decode(video["bytesBase64Encoded"]))
    assert (mp4.width, mp4.height, mp4.frame_count) == (1280, 720, 96)


def test_vertex_express_mode_uses_the_short_model_resource(http: InProcessClient) -> None:
    resource = "/v1beta1/publishers/google/models/veo-3.0-fast-generate-001"
    stub = http.post(f"{resource}:predictLongRunning",
                     json={"instances": [{"prompt": STATIC_PROMPT}],
                           "parameters": {"durationSeconds": 4, "resolution": "720p"}}).json()
    assert re.fullmatch(r"publishers/google/models/veo-3\.0-fast-generate-001/operations/[0-9a-f-]{36}", stub["name"])
    done = _vertex_poll(http, resource, stub["name"])
    assert len(done["response"]["videos"]) == 1


def test_models_are_listed_in_both_shapes(http: InProcessClient) -> None:
    gemini = http.get("/v1beta/models").json()["models"]
    by_name = {m["name"]: m for m in gemini}
    for model_id in ("veo-2.0-generate-001", "veo-3.0-generate-001", "veo-3.0-fast-generate-001",
                     "veo-3.1-generate-preview", "veo-3.1-fast-generate-preview",
                     "veo-3.1-generate-001", "veo-3.1-fast-generate-001"):
        entry = by_name[f"models/{model_id}"]
        assert entry["supportedGenerationMethods"] == ["predictLongRunning"]
        assert entry["engine"] == "procedural"
        assert "not an AI model" in entry["description"]
    one = http.get("/v1beta/models/veo-3.0-generate-001").json()
    assert one["displayName"] == "Veo 3" and one["version"] == "3.0"
    vertex = http.get("/v1beta1/publishers/google/models").json()["publisherModels"]
    assert "publishers/google/models/veo-3.1-generate-preview" in {m["name"] for m in vertex}


def test_operations_list_pages_and_delete_removes_the_video(app_server: InProcessServer, http: InProcessClient) -> None:
    stub = http.post("/v1beta/models/veo-3.0-generate-001:predictLongRunning",
                     json={"instances": [{"prompt": STATIC_PROMPT}],
                           "parameters": {"durationSeconds": 4, "resolution": "720p"}}).json()
    done = app_server.wait_done(http, f"/v1beta/{stub['name']}")
    first = http.get("/v1beta/operations", params={"pageSize": 1}).json()
    assert len(first["operations"]) == 1 and first["nextPageToken"]
    assert first["operations"][0]["name"] == stub["name"]  # newest first
    second = http.get("/v1beta/operations", params={"pageSize": 1, "pageToken": first["nextPageToken"]}).json()
    assert second["operations"][0]["name"] != stub["name"]

    file_id = re.search(r"files/([a-z0-9]+)", done["response"]["generateVideoResponse"]
                        ["generatedSamples"][0]["video"]["uri"]).group(1)
    op_id = stub["name"].rsplit("/", 1)[1]
    assert http.delete(f"/v1beta/operations/{op_id}").json() == {}
    assert http.get(f"/v1beta/{stub['name']}").status_code == 404
    assert http.get(f"/v1beta/files/{file_id}:download", params={"alt": "media"}).status_code == 404
    assert not list((app_server.data_dir / "videos" / "videos" / op_id).glob("*.mp4"))
