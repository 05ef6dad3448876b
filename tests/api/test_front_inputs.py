"""Garbage at the two newer fronts (OpenAI's /v1/videos, the Interactions API), in process with no
workers: every bad request is a 4xx in the front's own envelope naming the field, never a 500, and
leaves nothing stored. (The happy paths run against a live server with the real SDKs, in
tests/e2e/test_openai_videos.py and test_interactions.py.)"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from PIL import Image
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route

from openreel.api.files import StoredFileResponse
from tests.inprocess import InProcessClient, InProcessServer, admin_settings

VIDEOS = "/v1/videos"
INTERACTIONS = "/v1beta/interactions"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    with InProcessServer(admin_settings(tmp_path_factory.mktemp("fronts"), safety_classifier="off",
                                        safety_frame_classifier="off", webhook_allowlist="127.0.0.1")) as app:
        yield app


@pytest.fixture
def http(server: InProcessServer) -> InProcessClient:
    return server.client(server.create_key(project="garbage"))


def nothing_stored(http: InProcessClient) -> bool:
    return http.get("/v1beta/operations").json() == {"operations": []}


def openai_error(response: httpx.Response, status: int = 400) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    return error


@pytest.mark.parametrize(("body", "param"), [
    ({"prompt": "a cat", "\ud800": 1}, "\ufffd"),  # a lone surrogate is echoed as U+FFFD, never a 500
    ({"prompt": "a cat", "model": "\ud800"}, "model"),
    ({"prompt": "a cat", "size": ["1280x720"]}, "size"),
    ({"prompt": "a cat", "size": {"w": 1280}}, "size"),
    ({"prompt": "a cat", "model": ""}, "model"),
    ({"prompt": "a cat", "model": 0}, "model"),
    ({"prompt": "a cat", "model": "no-such-model"}, "model"),
    ({"prompt": "a cat", "seconds": "\u0664"}, "seconds"),  # an Arabic-Indic four
    ({"prompt": "a cat", "seconds": True}, "seconds"),
    ({"prompt": "a cat", "seconds": "4.5"}, "seconds"),
    ({"prompt": 42}, "prompt"),
    ({"prompt": "a cat", "input_reference": {"image_url": "https://example.com/a.png"}}, "input_reference"),
])
def test_bad_openai_fields_are_400s_naming_the_field(http: InProcessClient, body: dict[str, Any], param: str) -> None:
    error = openai_error(http.post(VIDEOS, content=json.dumps(body), headers={"content-type": "application/json"}))
    assert error["param"] == param and error["type"] == "invalid_request_error"
    assert nothing_stored(http)


@pytest.mark.parametrize("raw", [b"[" * 100_000, b'{"prompt": ' + b"9" * 5000 + b"}", b"[1, 2]", b"\xff\xfe"])
def test_json_the_parser_cannot_take_is_a_400_on_every_front(http: InProcessClient, raw: bytes) -> None:
    headers = {"content-type": "application/json"}
    openai_error(http.post(VIDEOS, content=raw, headers=headers))
    interactions = http.post(INTERACTIONS, content=raw, headers=headers)
    assert interactions.status_code == 400 and interactions.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert nothing_stored(http)


def test_multipart_in_any_case_and_a_file_under_another_name(http: InProcessClient) -> None:
    fields = {"prompt": (None, "a cat"), "seconds": (None, "4"), "size": (None, "1280x720")}
    request = httpx.Request("POST", "http://x" + VIDEOS, files=fields)
    content_type = request.headers["content-type"].replace("multipart/form-data", "Multipart/Form-Data")
    made = http.post(VIDEOS, content=request.read(), headers={"content-type": content_type})
    assert made.status_code == 200, made.text
    http.delete(f"{VIDEOS}/{made.json()['id']}")
    error = openai_error(http.post(VIDEOS, files={**fields, "image": ("a.png", b"png", "image/png")}))
    assert error["param"] == "image"
    not_an_image = ("a.png", b"not an image", "image/png")
    error = openai_error(http.post(VIDEOS, files={**fields, "input_reference": not_an_image}))
    assert error["param"] == "input_reference"
    assert nothing_stored(http)


def test_an_idempotency_key_names_one_request_on_one_front(http: InProcessClient) -> None:
    key = {"Idempotency-Key": "one-request"}
    first = http.post(VIDEOS, json={"prompt": "a cat", "model": "veo-3.1-generate-001", "size": "1280x720"},
                      headers=key)
    again = http.post(VIDEOS, json={"prompt": "a cat", "model": "veo-3.1-generate-001", "size": "1280x720"},
                      headers=key)
    assert first.status_code == again.status_code == 200 and first.json()["id"] == again.json()["id"]
    # The same key for the equivalent native request is another request: refused, not a replay.
    native = http.post("/v1beta/models/veo-3.1-generate-001:predictLongRunning", headers=key, json={
        "instances": [{"prompt": "a cat"}], "parameters": {"durationSeconds": 4, "resolution": "720p",
                                                          "aspectRatio": "16:9"}})
    assert native.status_code == 409, native.text
    http.delete(f"{VIDEOS}/{first.json()['id']}")


def test_a_keyed_create_with_a_lone_surrogate_is_answered_not_a_500(http: InProcessClient) -> None:
    surrogate = http.post(INTERACTIONS, headers={"Idempotency-Key": "other"},
                          content=json.dumps({"model": "\ud800", "input": "a cat", "background": True}))
    assert surrogate.status_code == 404, surrogate.text  # no such model, named as U+FFFD
    assert "\ufffd" in surrogate.json()["error"]["message"]


def png() -> str:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (10, 20, 30)).save(out, "PNG")
    return base64.b64encode(out.getvalue()).decode()


@pytest.mark.parametrize(("body", "field"), [
    ({"webhook_config": {"uris": ["https://example.com/h"], "user_metadata": "job"}}, "webhook_config.user_metadata"),
    ({"webhook_config": {"uris": "https://example.com/h"}}, "webhook_config.uris"),
    ({"input": [{"type": "image", "mime_type": "image/png", "data": png()}] * 20}, "input"),
    ({"input": [{"type": "text", "text": "x"}] * 10_000}, "input"),
    ({"input": 42}, "input"),
    ({"store": False}, "store"),
    ({"labels": ["a"]}, "labels"),
    ({"response_format": {"type": "video", "duration": "-8s"}}, "response_format.duration"),
    ({"response_format": {"type": "video", "delivery": "carrier pigeon"}}, "response_format.delivery"),
    ({"response_format": {"type": "audio"}}, "response_format"),
    ({"generation_config": {"seed": -1}}, "generation_config.seed"),
    ({"model": 7}, "model"),
])
def test_bad_interaction_fields_are_400s_naming_the_field(http: InProcessClient, body: dict[str, Any],
                                                          field: str) -> None:
    request = {"model": "veo-3.1-generate-001", "input": "a cat", "background": True} | body
    refused = http.post(INTERACTIONS, json=request)
    assert refused.status_code == 400, refused.text
    error = refused.json()["error"]
    assert field in [v["field"] for v in error["details"][0]["fieldViolations"]]
    assert len(refused.content) < 10_000  # one complaint per field, however long the input
    assert nothing_stored(http)


def test_webhook_metadata_values_are_kept_as_json_and_uris_once(server: InProcessServer,
                                                               http: InProcessClient) -> None:
    made = http.post(INTERACTIONS, json={
        "model": "veo-3.1-generate-001", "input": "a cat", "background": True,
        "webhook_config": {"uris": ["http://127.0.0.1:9/h", "http://127.0.0.1:9/h"],
                           "user_metadata": {"job": "42", "tries": [1, 2], "nested": {"a": None}}}})
    assert made.status_code == 200, made.text
    op = server.runtime.store.get_operation(made.json()["id"])
    assert op is not None and op.request.webhook is not None
    assert op.request.webhook.uris == ("http://127.0.0.1:9/h",)  # one delivery per distinct URI
    assert op.request.webhook.user_metadata == {"job": "42", "tries": "[1,2]", "nested": '{"a":null}'}
    http.delete(f"{INTERACTIONS}/{made.json()['id']}")


def test_the_fronts_that_take_no_video_have_a_smaller_body_limit(http: InProcessClient) -> None:
    oversized = {"content-type": "application/json", "content-length": str(100 * 1024 * 1024)}
    for path in (VIDEOS, INTERACTIONS):
        refused = http.post(path, content=b"{}", headers=oversized)
        assert refused.status_code == 413, refused.text
    assert openai_error(http.post(VIDEOS, content=b"{}", headers=oversized), 413)["code"] == "invalid_argument"


def test_queries_and_ids_that_name_nothing(http: InProcessClient) -> None:
    assert openai_error(http.get(VIDEOS, params={"limit": "abc"}))["param"] == "limit"
    assert openai_error(http.get(VIDEOS, params={"order": "sideways"}))["param"] == "order"
    assert openai_error(http.get(VIDEOS, params={"after": "video_\u0000"}))["param"] == "after"
    assert openai_error(http.get(f"{VIDEOS}/x/content", params={"variant": "gif"}))["param"] == "variant"
    for path in (f"{VIDEOS}/video_%00", f"{VIDEOS}/{'a' * 5000}", f"{INTERACTIONS}/..%2F..%2Fetc"):
        assert http.get(path).status_code == 404
    assert openai_error(http.post(f"{VIDEOS}/video_{'0' * 32}/remix", content=b"[" * 10_000), 404)


def test_a_file_deleted_before_it_is_sent_is_a_404(tmp_path: Path) -> None:
    gone = tmp_path / "gone.mp4"
    gone.write_bytes(b"mp4")

    async def download(request: Request) -> StoredFileResponse:
        response = StoredFileResponse(gone, "abc0", media_type="video/mp4")
        gone.unlink()  # deleted with its operation between the lookup and the send
        return response

    app = Starlette(routes=[Route("/f", download)])

    async def fetch() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            return await client.get("/f")

    answer = anyio.run(fetch)
    assert answer.status_code == 404 and answer.json()["error"]["status"] == "NOT_FOUND"
