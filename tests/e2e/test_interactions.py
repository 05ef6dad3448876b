"""The Gemini API's Interactions front, driven by google-genai 3.x's `client.interactions` in
Gemini-API mode against a live server: background video interactions for each task, polled and
downloaded inline and by URI with the MP4s decoded; cancel and delete; errors naming the
Interactions fields; and the same quotas, usage and webhooks as the native fronts."""

from __future__ import annotations

import base64
import io
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from google import genai
from google.genai import _interactions as interaction_errors
from PIL import Image

from tests.gates import MODEL, Gates
from tests.support import LiveServer, content_credentials, decode_mp4
from tests.webhook_receiver import WebhookReceiver

VEO = "veo-3.1-generate-001"
FOUR_SECONDS_720P = {"type": "video", "aspect_ratio": "16:9", "resolution": "720p", "duration": "4s"}


@pytest.fixture(scope="module")
def gates(tmp_path_factory: pytest.TempPathFactory) -> Gates:
    return Gates(tmp_path_factory.mktemp("gates"))


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, gates: Gates) -> Iterator[LiveServer]:
    data = tmp_path_factory.mktemp("interactions")
    server = LiveServer(data, catalog_path=gates.write_catalog(data / "catalog.json"), workers=2,
                        webhook_allowlist="127.0.0.1", safety_classifier="off", safety_frame_classifier="off")
    server.start()
    yield server
    server.stop()


def client_for(live: LiveServer, key: str, **http_options: Any) -> genai.Client:
    # One attempt: the SDK retries 429 and 5xx five times by default.
    return genai.Client(api_key=key, http_options={"base_url": live.url, "retry_options": {"attempts": 1},
                                                   **http_options})


def finished(client: genai.Client, interaction_id: str, timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while (interaction := client.interactions.get(interaction_id)).status in ("queued", "in_progress"):
        assert time.monotonic() < deadline, f"{interaction_id} still {interaction.status}"
        time.sleep(0.2)
    return interaction


def png(colour: tuple[int, int, int]) -> str:
    out = io.BytesIO()
    Image.new("RGB", (1280, 720), colour).save(out, "PNG")
    return base64.b64encode(out.getvalue()).decode()


def test_text_to_video_inline_is_polled_and_decoded(live: LiveServer) -> None:
    key = live.create_key(project="ia-inline")
    client = client_for(live, key)
    created = client.interactions.create(
        model=VEO, input="a lighthouse on a cliff at dusk", background=True,
        response_format=FOUR_SECONDS_720P | {"delivery": "inline"},
        generation_config={"seed": 7, "video_config": {"task": "text_to_video"}})
    assert created.status in ("queued", "in_progress") and created.id
    done = finished(client, created.id)
    assert done.status == "completed" and done.output_video.mime_type == "video/mp4"
    data = base64.b64decode(done.output_video.data)
    video = decode_mp4(data)
    assert (video.width, video.height, video.frame_count, video.audio_codec) == (1280, 720, 96, "aac")
    credentials = content_credentials(data)
    assert credentials is not None and credentials.generation["model"] == VEO
    # It is an operation like any other: in the native list, with the same seed.
    listed = httpx.get(f"{live.url}/v1beta/operations", headers={"x-goog-api-key": key}).json()["operations"]
    assert [op["name"] for op in listed] == [f"operations/{created.id}"]
    assert done.generation_config.seed == 7


def test_uri_delivery_downloads_with_files_download_in_any_api_version(live: LiveServer) -> None:
    client = client_for(live, live.create_key(project="ia-uri"), api_version="v1beta")
    created = client.interactions.create(model=VEO, input="a city street in the rain at night", background=True,
                                         response_format={"type": "video", "aspect_ratio": "9:16",
                                                          "resolution": "720p", "duration": "4s", "delivery": "uri"})
    done = finished(client, created.id)
    assert done.output_video.uri.startswith(live.url + "/v1beta/files/")
    video = decode_mp4(client.files.download(file=done.output_video.uri))
    assert (video.width, video.height, video.frame_count) == (720, 1280, 96)


def test_image_and_reference_tasks_take_their_images_from_the_input(live: LiveServer) -> None:
    client = client_for(live, live.create_key(project="ia-images"))
    first = client.interactions.create(
        model=VEO, background=True, response_format=FOUR_SECONDS_720P | {"delivery": "inline"},
        input=[{"type": "text", "text": "the green wall glows"},
               {"type": "image", "mime_type": "image/png", "data": png((20, 200, 40))}],
        generation_config={"video_config": {"task": "image_to_video"}})
    frames = decode_mp4(base64.b64decode(finished(client, first.id).output_video.data), keep_frames=True).frames
    assert frames[0][..., 1].mean() > 150 and frames[0][..., 0].mean() < 80  # it starts from the green image
    references = client.interactions.create(
        model=VEO, background=True, response_format=FOUR_SECONDS_720P,
        input=[{"type": "user_input", "content": [
            {"type": "text", "text": "a walk along the shore"},
            {"type": "image", "mime_type": "image/png", "data": png((200, 20, 20))},
            {"type": "image", "mime_type": "image/png", "data": png((20, 20, 200))}]}],
        generation_config={"video_config": {"task": "reference_to_video"}})
    assert finished(client, references.id).status == "completed"


@pytest.mark.parametrize(("body", "field"), [
    ({"response_format": {"type": "video", "duration": "12s"}}, "response_format.duration"),
    ({"response_format": {"type": "video", "resolution": "360p"}}, "response_format.resolution"),
    ({"background": False}, "background"),
    ({"generation_config": {"video_config": {"task": "reference_to_video"}}}, "input"),
    ({"generation_config": {"video_config": {"task": "upscale"}}}, "generation_config.video_config.task"),
    ({"input": [{"type": "image", "mime_type": "image/png", "uri": "https://example.com/a.png"}]}, "input[0].data"),
    ({"tools": [{"type": "google_search"}]}, "tools"),
])
def test_bad_fields_are_refused_naming_the_interactions_field(live: LiveServer, body: dict[str, Any],
                                                              field: str) -> None:
    key = live.create_key(project="ia-bad")
    request = {"model": VEO, "input": "a cat", "background": True} | body
    refused = httpx.post(f"{live.url}/v1/interactions", headers={"x-goog-api-key": key}, json=request)
    assert refused.status_code == 400, refused.text
    error = refused.json()["error"]
    assert error["status"] == "INVALID_ARGUMENT"
    assert field in [v["field"] for v in error["details"][0]["fieldViolations"]]
    assert httpx.get(f"{live.url}/v1beta/operations", headers={"x-goog-api-key": key}).json() == {"operations": []}


def test_the_sdk_raises_its_own_errors(live: LiveServer) -> None:
    client = client_for(live, live.create_key(project="ia-errors"))
    with pytest.raises(interaction_errors.BadRequestError) as refused:
        client.interactions.create(model=VEO, input="a cat", background=True,
                                   response_format={"type": "video", "duration": "12s"})
    assert "response_format.duration" in refused.value.body["error"]["message"]
    with pytest.raises(interaction_errors.NotFoundError):
        client.interactions.get("0" * 32)
    stranger = client_for(live, "not-a-key")  # held: a Client closes its connection when collected
    with pytest.raises(interaction_errors.AuthenticationError):
        stranger.interactions.get("0" * 32)
    with pytest.raises(interaction_errors.BadRequestError) as blocked:
        client.interactions.create(model=VEO, input="a graphic beheading of a man", background=True)
    assert "safety" in blocked.value.body["error"]["message"]


def test_cancel_and_delete(live: LiveServer, gates: Gates) -> None:
    client = client_for(live, live.create_key(project="ia-cancel"))
    created = client.interactions.create(model=MODEL, input=f"{MODEL}-cancelled held", background=True,
                                         response_format=FOUR_SECONDS_720P)
    gates.wait_started(f"{MODEL}-cancelled", 0)
    assert client.interactions.cancel(created.id).status == "cancelled"
    assert client.interactions.get(created.id).status == "cancelled"
    assert client.interactions.delete(created.id) is None
    with pytest.raises(interaction_errors.NotFoundError):
        client.interactions.get(created.id)


def test_a_free_tier_key_gets_429(live: LiveServer) -> None:
    client = client_for(live, live.create_key(project="ia-free", tier="free"))
    running = client.interactions.create(model=MODEL, input=f"{MODEL}-quota held", background=True,
                                         response_format=FOUR_SECONDS_720P)
    with pytest.raises(interaction_errors.RateLimitError) as limited:
        client.interactions.create(model=MODEL, input=f"{MODEL}-quota again", background=True,
                                   response_format=FOUR_SECONDS_720P)
    assert limited.value.response.headers["retry-after"]
    client.interactions.delete(running.id)


def test_webhook_config_and_usage_follow_the_interaction(live: LiveServer, gates: Gates) -> None:
    key = live.create_key(project="ia-hooks")
    secret = httpx.get(f"{live.url}/v1beta/webhooks:signingSecret", headers={"x-goog-api-key": key}).json()
    receiver = WebhookReceiver()
    try:
        client = client_for(live, key)
        created = client.interactions.create(
            model=MODEL, input=f"{MODEL}-hooked frames", background=True, response_format=FOUR_SECONDS_720P,
            webhook_config={"uris": [receiver.url], "user_metadata": {"job": "42"}})
        gates.open(f"{MODEL}-hooked", 0)
        [delivery] = receiver.wait_for("interaction.completed")
    finally:
        receiver.close()
    event = delivery.verify(secret["signingSecret"])
    assert event["data"]["id"] == created.id and event["data"]["status"] == "completed"
    assert event["data"]["user_metadata"] == {"job": "42"}
    [video] = event["data"]["videos"]
    assert decode_mp4(httpx.get(video["uri"], headers={"x-goog-api-key": key}).content).frame_count == 96
    [record] = httpx.get(f"{live.url}/v1/usage", headers={"x-goog-api-key": key}).json()["records"]
    assert record["operation"] == created.id and record["cost_usd"] > 0
    assert event["type"] == "interaction.completed" and delivery.headers["webhook-id"].startswith("msg_")
