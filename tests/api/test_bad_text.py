"""Text that cannot be stored or encoded (NUL, unpaired surrogates) is refused with 400
INVALID_ARGUMENT naming its field, on both API surfaces, and nothing is stored for it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.support import STATIC_PROMPT, LiveServer

GEMINI = "/v1beta/models/veo-3.0-generate-001:predictLongRunning"
VERTEX_MODEL = "/v1beta1/projects/my-proj/locations/us-central1/publishers/google/models/veo-3.0-generate-001"
VERTEX = VERTEX_MODEL + ":predictLongRunning"
PNG_B64 = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC")

# Raw JSON bodies, so the escapes reach the server exactly as written. P is a harmless prompt.
P = f'"prompt": "{STATIC_PROMPT}"'
BAD_BODIES = [
    pytest.param('{"instances": [{"prompt": "a lake\\u0000 at dawn"}]}', "instances[0].prompt",
                 id="prompt-nul"),
    pytest.param('{"instances": [{"prompt": "a lake \\ud800 at dawn"}]}', "instances[0].prompt",
                 id="prompt-lone-high-surrogate"),
    pytest.param('{"instances": [{"prompt": "a lake \\udfff"}]}', "instances[0].prompt",
                 id="prompt-lone-low-surrogate"),
    pytest.param('{"instances": [{"prompt": "\\ude00\\ud83d reversed pair"}]}', "instances[0].prompt",
                 id="prompt-reversed-pair"),
    pytest.param('{"instances": [{%s}], "parameters": {"negativePrompt": "rain\\u0000"}}' % P,
                 "parameters.negativePrompt", id="negative-prompt-nul"),
    # The seed guide's habit: parameters inside the instance, reported where they are read.
    pytest.param('{"instances": [{%s, "negativePrompt": "\\ud83d"}]}' % P, "parameters.negativePrompt",
                 id="negative-prompt-in-instance"),
    pytest.param('{"instances": [{%s}], "parameters": {"aspectRatio": "16:9\\u0000"}}' % P,
                 "parameters.aspectRatio", id="aspect-ratio-nul"),
    pytest.param('{"instances": [{%s}], "labels": {"team": "a\\u0000b"}}' % P, "labels",
                 id="label-value-nul"),
    pytest.param('{"instances": [{%s}], "labels": {"te\\ud800am": "video"}}' % P, "labels",
                 id="label-key-surrogate"),
    pytest.param('{"instances": [{%s}], "webhookConfig": {"uris": ["https://example.com/\\u0000"]}}' % P,
                 "webhookConfig.uris[0]", id="webhook-uri-nul"),
    pytest.param('{"instances": [{%s}], "webhookConfig": {"uris": ["https://example.com/"], '
                 '"userMetadata": {"k": "\\udbff"}}}' % P, "webhookConfig.userMetadata",
                 id="webhook-metadata-surrogate"),
    pytest.param('{"instances": [{%s, "image": {"bytesBase64Encoded": "%s", "mimeType": "image/png\\u0000"}}]}'
                 % (P, PNG_B64), "instances[0].image.mimeType", id="image-mime-type-nul"),
    # An unknown field is named in its error, so a name that cannot be printed must not cause a 500.
    pytest.param('{"instances": [{%s, "\\ud800": 1}]}' % P, "instances[0]", id="field-name-surrogate"),
    pytest.param('{"instances": [{%s}], "\\u0000": 1}' % P, "body", id="top-level-field-name-nul"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path_factory.mktemp("bad-text"), workers=0)
    live.start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def http(server: LiveServer) -> Iterator[httpx.Client]:
    with server.client(server.create_key(project="my-proj")) as client:
        yield client


def _assert_nothing_stored(http: httpx.Client) -> None:
    assert http.get("/v1beta/operations").json().get("operations", []) == []
    vertex_list = http.get("/v1beta1/projects/my-proj/locations/us-central1/operations")
    assert vertex_list.status_code == 200
    assert vertex_list.json().get("operations", []) == []


@pytest.mark.parametrize("path", [GEMINI, VERTEX], ids=["gemini", "vertex"])
@pytest.mark.parametrize(("raw", "field"), BAD_BODIES)
def test_bad_text_is_refused_naming_the_field(http: httpx.Client, path: str, raw: str, field: str) -> None:
    response = http.post(path, content=raw.encode("ascii"), headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["code"], error["status"]) == (400, "INVALID_ARGUMENT")
    violations = [d for d in error["details"] if d["@type"] == "type.googleapis.com/google.rpc.BadRequest"]
    assert violations, error
    fields = {v["field"]: v["description"] for v in violations[0]["fieldViolations"]}
    assert field in fields, fields
    assert "NUL characters or unpaired surrogates" in fields[field]
    _assert_nothing_stored(http)


def test_a_fetch_with_bad_text_in_the_operation_name_is_refused(http: httpx.Client) -> None:
    raw = b'{"operationName": "projects/my-proj/operations/\\u0000"}'
    response = http.post(VERTEX_MODEL + ":fetchPredictOperation", content=raw)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["details"][0]["fieldViolations"][0]["field"] == "operationName"
    _assert_nothing_stored(http)


def test_real_unicode_text_is_accepted_on_both_surfaces(server: LiveServer) -> None:
    # A valid surrogate pair (an emoji), CJK and combining marks are ordinary text.
    raw = ('{"instances": [{"prompt": "a quiet desert at noon \\ud83c\\udf35 \\u7802\\u6f20 '
           'cafe\\u0301, static shot"}], "labels": {"team": "\\u00e9quipe"}}')
    with server.client(server.create_key(project="unicode")) as http:
        for path in (GEMINI, VERTEX.replace("my-proj", "unicode")):
            created = http.post(path, content=raw.encode("ascii"))
            assert created.status_code == 200, created.text
        assert len(http.get("/v1beta/operations").json()["operations"]) == 2
