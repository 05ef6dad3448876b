"""OpenAI's /v1/videos front, driven by the official openai SDK (and LiteLLM's OpenAI video path in
its own interpreter) against a live server: create, poll, retrieve, list, download every variant,
remix and delete, with the MP4s decoded; OpenAI's error envelope for every refusal; and the same
quotas, usage, safety and webhooks as the native fronts."""

from __future__ import annotations

import base64
import io
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import openai
import pytest
from openai import OpenAI
from PIL import Image

from tests.gates import MODEL, Gates
from tests.support import LiveServer, client_python, content_credentials, decode_mp4
from tests.webhook_receiver import WebhookReceiver

SCRIPTS = Path(__file__).parent / "scripts"
pytestmark = pytest.mark.filterwarnings("ignore:The Sora API is scheduled:DeprecationWarning")


@pytest.fixture(scope="module")
def gates(tmp_path_factory: pytest.TempPathFactory) -> Gates:
    return Gates(tmp_path_factory.mktemp("gates"))


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, gates: Gates) -> Iterator[LiveServer]:
    """The default catalog (sora-2 on the procedural engine) plus the gated model; the rule layer
    of the safety filter (the models are tested in test_safety)."""
    data = tmp_path_factory.mktemp("openai")
    # Two workers: a gated video waiting on its gate holds one until it is deleted.
    server = LiveServer(data, catalog_path=gates.write_catalog(data / "catalog.json"), workers=2,
                        webhook_allowlist="127.0.0.1", safety_classifier="off", safety_frame_classifier="off",
                        webhook_retry_seconds=json.dumps([0.5]))
    server.start()
    yield server
    server.stop()


def sdk(live: LiveServer, key: str, **options: Any) -> OpenAI:
    return OpenAI(base_url=live.url + "/v1", api_key=key, **options)


def finished(client: OpenAI, video_id: str, timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while (video := client.videos.retrieve(video_id)).status in ("queued", "in_progress"):
        assert time.monotonic() < deadline, f"{video_id} still {video.status}"
        time.sleep(0.2)
    return video


def test_the_sdk_creates_polls_and_downloads_a_video_and_its_stills(live: LiveServer) -> None:
    client = sdk(live, live.create_key(project="oa-basic"))
    video = client.videos.create_and_poll(prompt="a lighthouse on a cliff at dusk, slow pan", model="sora-2",
                                          seconds="4", size="1280x720", poll_interval_ms=200)
    assert (video.status, video.progress, video.seconds, video.size, video.model) == (
        "completed", 100, "4", "1280x720", "sora-2")
    assert video.id.startswith("video_") and video.error is None
    assert video.created_at <= video.completed_at < video.expires_at
    assert video.prompt == "a lighthouse on a cliff at dusk, slow pan"
    data = client.videos.download_content(video.id).read()
    mp4 = decode_mp4(data)
    assert (mp4.width, mp4.height, mp4.frame_count, mp4.codec) == (1280, 720, 96, "h264")
    credentials = content_credentials(data)  # signed like every video openreel makes
    assert credentials is not None and credentials.generation["model"] == "sora-2"
    assert mp4.audio_codec == "aac"  # Sora's videos have sound, and so do these
    thumbnail = Image.open(io.BytesIO(client.videos.download_content(video.id, variant="thumbnail").read()))
    assert thumbnail.format == "WEBP" and thumbnail.width == 320
    sheet = Image.open(io.BytesIO(client.videos.download_content(video.id, variant="spritesheet").read()))
    assert sheet.format == "JPEG" and sheet.size == (4 * 240, 4 * 135)
    # The same operation in the native operations API, which answers with its download URI.
    native = httpx.get(f"{live.url}/v1beta/operations/{video.id.removeprefix('video_')}",
                       headers={"x-goog-api-key": client.api_key}).json()
    assert native["done"] is True and native["name"] == f"operations/{video.id.removeprefix('video_')}"
    [sample] = native["response"]["generateVideoResponse"]["generatedSamples"]
    assert sample["video"]["uri"].startswith(live.url + "/v1beta/files/")


def test_a_json_create_and_an_image_reference_give_videos_of_that_image(live: LiveServer) -> None:
    key = live.create_key(project="oa-image")
    client = sdk(live, key)
    red = io.BytesIO()
    Image.new("RGB", (720, 1280), (220, 20, 20)).save(red, "PNG")
    # Raw bytes: the SDK names the part "upload", typed application/octet-stream.
    video = finished(client, client.videos.create(prompt="the red wall glows", input_reference=red.getvalue()).id)
    assert (video.status, video.size, video.seconds) == ("completed", "720x1280", "4")  # OpenAI's defaults
    first = decode_mp4(client.videos.download_content(video.id).read(), keep_frames=True).frames[0]
    assert first[..., 0].mean() > 150 and first[..., 1].mean() < 80  # it starts from the red image
    # openai < 2.27 and raw clients send JSON.
    created = httpx.post(f"{live.url}/v1/videos", headers={"Authorization": f"Bearer {key}"},
                         json={"prompt": "a quiet harbour", "seconds": "4", "size": "1280x720"})
    assert created.status_code == 200 and created.json()["status"] in ("queued", "in_progress")
    assert finished(client, created.json()["id"]).status == "completed"


def test_list_pages_by_cursor_in_either_order(live: LiveServer) -> None:
    client = sdk(live, live.create_key(project="oa-list"))
    made = [client.videos.create(prompt=f"{MODEL} listing {i}", model=MODEL, seconds="4", size="1280x720").id
            for i in range(3)]
    assert [v.id for v in client.videos.list(limit=2, order="asc")] == made  # two pages, auto-paginated
    page = client.videos.list(limit=2)
    assert [v.id for v in page.data] == made[::-1][:2] and page.has_more is True
    assert [v.id for v in client.videos.list(after=made[1], order="asc")] == [made[2]]
    # A cursor still works once its video is deleted (ids are time-ordered): the SDK's
    # list-and-delete loop pages on.
    client.videos.delete(made[0])
    assert [v.id for v in client.videos.list(after=made[0], order="asc")] == made[1:]
    with pytest.raises(openai.BadRequestError) as refused:
        client.videos.list(after="video_not-an-id")
    assert refused.value.param == "after"
    with pytest.raises(openai.BadRequestError) as too_many:
        client.videos.list(limit=1000)
    assert too_many.value.param == "limit"
    for video_id in made[1:]:
        client.videos.delete(video_id)


def test_a_remix_keeps_the_source_settings_and_names_its_source(live: LiveServer) -> None:
    client = sdk(live, live.create_key(project="oa-remix"))
    source = client.videos.create_and_poll(prompt="a field of sunflowers at noon", seconds="4", size="1280x720",
                                           poll_interval_ms=200)
    remix = finished(client, client.videos.remix(source.id, prompt="a field of sunflowers at night").id)
    assert remix.status == "completed" and remix.remixed_from_video_id == source.id
    assert (remix.seconds, remix.size, remix.model, remix.prompt) == ("4", "1280x720", "sora-2",
                                                                      "a field of sunflowers at night")
    assert decode_mp4(client.videos.download_content(remix.id).read()).frame_count == 96
    with pytest.raises(openai.NotFoundError):
        client.videos.remix("video_" + "f" * 32, prompt="x")
    queued = client.videos.create(prompt=f"{MODEL} never released", model=MODEL, seconds="4", size="1280x720")
    with pytest.raises(openai.BadRequestError) as not_ready:
        client.videos.remix(queued.id, prompt="too soon")
    assert "only a completed video" in not_ready.value.message
    client.videos.delete(queued.id)


def test_delete_removes_the_video_and_its_files(live: LiveServer) -> None:
    client = sdk(live, live.create_key(project="oa-delete"))
    video = client.videos.create_and_poll(prompt="a paper boat on a pond", seconds="4", size="1280x720",
                                          poll_interval_ms=200)
    receipt = client.videos.delete(video.id)
    assert (receipt.id, receipt.object, receipt.deleted) == (video.id, "video.deleted", True)
    with pytest.raises(openai.NotFoundError):
        client.videos.retrieve(video.id)
    with pytest.raises(openai.NotFoundError):
        client.videos.download_content(video.id)
    assert client.videos.list().data == []


@pytest.mark.parametrize(("fields", "param"), [
    ({"prompt": "a cat", "seconds": "12"}, "seconds"),
    ({"prompt": "a cat", "size": "1792x1024"}, "size"),
    ({"prompt": "  "}, "prompt"),
    ({"prompt": "a cat", "size": "1920x1080"}, "size"),  # sora-2 is 720p only (sora-2-pro has 1080p)
])
def test_bad_fields_are_refused_in_openais_envelope_naming_the_field(live: LiveServer, fields: dict[str, str],
                                                                     param: str) -> None:
    client = sdk(live, live.create_key(project="oa-bad"), max_retries=0)
    with pytest.raises(openai.BadRequestError) as refused:
        client.videos.create(**fields)  # type: ignore[arg-type]
    error = refused.value
    assert (error.status_code, error.param, error.type, error.code) == (400, param, "invalid_request_error",
                                                                        "invalid_argument")
    assert client.videos.list().data == []  # nothing was stored


def test_unknown_fields_keys_and_ids_get_openai_errors(live: LiveServer) -> None:
    key = live.create_key(project="oa-errors")
    unknown = httpx.post(f"{live.url}/v1/videos", headers={"Authorization": f"Bearer {key}"},
                         json={"prompt": "a cat", "quality": "high"})
    assert unknown.status_code == 400
    assert unknown.json() == {"error": {"message": "Invalid value at 'quality': unknown field",
                                        "type": "invalid_request_error", "param": "quality",
                                        "code": "invalid_argument"}}
    with pytest.raises(openai.AuthenticationError) as bad_key:
        sdk(live, "not-a-key").videos.list()
    assert bad_key.value.type == "authentication_error"
    with pytest.raises(openai.NotFoundError):
        sdk(live, key).videos.retrieve("video_nope")
    garbage = httpx.post(f"{live.url}/v1/videos", headers={"Authorization": f"Bearer {key}",
                                                           "content-type": "application/json"}, content=b"{not json")
    assert garbage.status_code == 400 and garbage.json()["error"]["type"] == "invalid_request_error"


def test_the_safety_filter_refuses_before_anything_is_stored_or_charged(live: LiveServer) -> None:
    key = live.create_key(project="oa-safety")
    client = sdk(live, key, max_retries=0)
    with pytest.raises(openai.BadRequestError) as refused:
        client.videos.create(prompt="a graphic beheading of a man")
    assert refused.value.code == "moderation_blocked" and refused.value.param == "prompt"
    assert "safety" in refused.value.message
    assert client.videos.list().data == []
    assert httpx.get(f"{live.url}/v1/usage", headers={"x-goog-api-key": key}).json()["records"] == []


def test_a_free_tier_key_gets_429_with_retry_after(live: LiveServer) -> None:
    client = sdk(live, live.create_key(project="oa-free", tier="free"), max_retries=0)
    running = client.videos.create(prompt=f"{MODEL} quota", model=MODEL, seconds="4", size="1280x720")
    with pytest.raises(openai.RateLimitError) as limited:  # the free tier runs one video at a time
        client.videos.create(prompt=f"{MODEL} quota again", model=MODEL, seconds="4", size="1280x720")
    assert limited.value.type == "rate_limit_error" and limited.value.code == "resource_exhausted"
    assert int(limited.value.response.headers["retry-after"]) >= 1
    assert [v.id for v in client.videos.list()] == [running.id]  # the refused one left nothing
    client.videos.delete(running.id)


def test_usage_and_openai_shaped_webhooks_follow_the_video(live: LiveServer, gates: Gates) -> None:
    key = live.create_key(project="oa-hooks")
    http = {"x-goog-api-key": key}
    receiver = WebhookReceiver()
    try:
        hook = httpx.post(f"{live.url}/v1beta/webhooks", headers=http, json={
            "uri": receiver.url, "subscribedEvents": ["video.completed", "video.failed"]}).json()
        # A hook subscribed to Gemini's event gets no OpenAI-shaped ones.
        gemini_receiver = WebhookReceiver()
        httpx.post(f"{live.url}/v1beta/webhooks", headers=http, json={"uri": gemini_receiver.url,
                                                                        "subscribedEvents": ["video.generated"]})
        secret = hook["newSigningSecret"]
        client = sdk(live, key)
        done = client.videos.create(prompt=f"{MODEL}-hooked done", model=MODEL, seconds="4", size="1280x720")
        gates.open(f"{MODEL}-hooked", 0)
        refused = client.videos.create(prompt=f"{MODEL}-refusing refuse this", model=MODEL, seconds="4",
                                       size="1280x720")
        gates.open(f"{MODEL}-refusing", 0)
        completed = receiver.wait_for("video.completed")[0]
        failed = receiver.wait_for("video.failed")[0]
    finally:
        receiver.close()
        gemini_receiver.close()
    assert gemini_receiver.received == []
    # The openai SDK verifies the Standard Webhooks signature made with the webhook's secret.
    event = client.webhooks.unwrap(completed.body, completed.headers, secret=secret)
    assert (event.type, event.data.id, event.object) == ("video.completed", done.id, "event")
    assert client.webhooks.unwrap(failed.body, failed.headers, secret=secret).data.id == refused.id
    assert finished(client, refused.id).error.code == "invalid_argument"
    another_secret = "whsec_" + base64.b64encode(bytes(32)).decode()
    with pytest.raises(openai.InvalidWebhookSignatureError):
        client.webhooks.unwrap(completed.body, completed.headers, secret=another_secret)
    # Metered like any operation: the finished video is charged, the failed one is not.
    records = httpx.get(f"{live.url}/v1/usage", headers=http).json()["records"]
    charged = {r["operation"]: r["cost_usd"] for r in records}
    assert charged[done.id.removeprefix("video_")] > 0
    assert charged.get(refused.id.removeprefix("video_"), 0) == 0


def test_litellm_generates_remixes_lists_and_downloads(live: LiveServer, tmp_path: Path) -> None:
    import subprocess
    python = client_python("OPENREEL_TEST_CLIENTS_PYTHON", ".venv-clients", "LiteLLM interpreter not found")
    out = tmp_path / "litellm.mp4"
    done = subprocess.run([python, str(SCRIPTS / "litellm_openai_videos.py"), live.url,
                           live.create_key(project="oa-litellm"), str(out)],
                          capture_output=True, text=True, timeout=600,
                          env={"LITELLM_LOCAL_MODEL_COST_MAP": "True", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary == {"status": "completed", "remix_status": "completed", "bytes": out.stat().st_size,
                       "listed": 2, "object": "list"}
    video = decode_mp4(out.read_bytes(), keep_frames=True)
    assert (video.width, video.height, video.frame_count) == (1280, 720, 96)
    assert np.mean(video.frames[0]) > 5  # a picture, not a black frame
