"""Sound as each surface gives it: Google's Gemini API returns Veo 3.x videos with native audio
(its SDKs cannot even send generateAudio), while on Vertex generateAudio decides and is off by
default. Checked on decoded MP4s."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest

from tests.inprocess import InProcessClient, InProcessServer
from tests.support import DecodedVideo, decode_mp4

PROMPT = "waves on a beach at noon, static shot"
VERTEX = "/v1beta1/projects/my-proj/locations/us-central1/publishers/google/models"


@pytest.fixture(scope="module")
def http(app_server: InProcessServer, app_key: str) -> InProcessClient:
    return app_server.client(app_key)


def _parameters(**extra: Any) -> dict[str, Any]:
    return {"durationSeconds": 4, "resolution": "720p", "seed": 3, **extra}


def _gemini(server: InProcessServer, http: InProcessClient, model: str, **extra: Any) -> DecodedVideo:
    stub = http.post(f"/v1beta/models/{model}:predictLongRunning",
                     json={"instances": [{"prompt": PROMPT}], "parameters": _parameters(**extra)})
    assert stub.status_code == 200, stub.text
    done = server.wait_done(http, f"/v1beta/{stub.json()['name']}")
    uri = done["response"]["generateVideoResponse"]["generatedSamples"][0]["video"]["uri"]
    file_id = re.search(r"files/([a-z0-9]+)", uri).group(1)  # type: ignore[union-attr]
    return decode_mp4(http.get(f"/v1beta/files/{file_id}:download", params={"alt": "media"}).content)


def _vertex(server: InProcessServer, http: InProcessClient, model: str, **extra: Any) -> DecodedVideo:
    stub = http.post(f"{VERTEX}/{model}:predictLongRunning",
                     json={"instances": [{"prompt": PROMPT}], "parameters": _parameters(**extra)})
    assert stub.status_code == 200, stub.text
    name = stub.json()["name"]
    server.wait_done(http, f"/v1beta1/{name}")  # the seed guide's GET alias; then the SDK's poll
    done = http.post(f"{VERTEX}/{model}:fetchPredictOperation", json={"operationName": name}).json()
    [video] = done["response"]["videos"]
    return decode_mp4(base64.b64decode(video["bytesBase64Encoded"]))


def test_gemini_veo3_videos_carry_native_audio_without_asking(app_server: InProcessServer,
                                                               http: InProcessClient) -> None:
    video = _gemini(app_server, http, "veo-3.1-generate-preview")
    assert (video.audio_codec, video.audio_rate, video.audio_channels) == ("aac", 48000, 2)
    assert video.audio is not None and float(abs(video.audio).max()) > 0.01


def test_gemini_raw_rest_can_still_turn_audio_off(app_server: InProcessServer, http: InProcessClient) -> None:
    assert _gemini(app_server, http, "veo-3.0-generate-001", generateAudio=False).audio_codec is None


def test_gemini_veo2_stays_silent_and_is_not_refused(app_server: InProcessServer, http: InProcessClient) -> None:
    # Veo 2 makes no sound: the surface's default asks for none, so it is no error either.
    assert _gemini(app_server, http, "veo-2.0-generate-001", durationSeconds=5).audio_codec is None


def test_vertex_audio_is_off_unless_generate_audio_is_sent(app_server: InProcessServer,
                                                            http: InProcessClient) -> None:
    assert _vertex(app_server, http, "veo-3.1-generate-001").audio_codec is None
    assert _vertex(app_server, http, "veo-3.1-generate-001", generateAudio=True).audio_codec == "aac"
