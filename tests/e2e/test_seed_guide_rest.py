"""The seed guide's REST calls, verbatim but for host and token: `:predict` with snake_case
fields, then the poll `GET /v1/projects/P/locations/L/operations/OPERATION_ID`."""

from __future__ import annotations

import base64
import time

import httpx

from tests.support import LiveServer, decode_mp4

# Exactly the body the guide sends (its instance carries generate_audio and aspect_ratio).
GUIDE_BODY = """{
"instances": [{
"prompt": "A busy Tokyo street at night, neon signs reflecting in wet pavement, crowds of people, cinematic",
"generate_audio": true,
"aspect_ratio": "16:9"
}],
"parameters": {
"duration_seconds": 8,
"sample_count": 1,
"temperature": 0.7
}
}"""


def test_guide_predict_and_poll_calls_work_as_written(server: LiveServer, api_key: str) -> None:
    project = "my-proj"
    headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
    created = httpx.post(
        f"{server.url}/v1/projects/{project}/locations/us-central1/publishers/google/models/"
        "veo-3.0-generate-001:predict", headers=headers, content=GUIDE_BODY)
    assert created.status_code == 200, created.text
    operation_id = created.json()["name"].rsplit("/", 1)[1]

    deadline = time.monotonic() + 600
    while True:
        polled = httpx.get(f"{server.url}/v1/projects/{project}/locations/us-central1/operations/{operation_id}",
                           headers={"Authorization": f"Bearer {api_key}"})
        assert polled.status_code == 200
        if polled.json().get("done"):
            break
        assert time.monotonic() < deadline
        time.sleep(0.5)
    [video] = polled.json()["response"]["videos"]
    mp4 = decode_mp4(base64.b64decode(video["bytesBase64Encoded"]))
    # The guide's defaults: 8 s at 1080p 16:9, with the audio it asked for.
    assert (mp4.width, mp4.height, mp4.frame_count, mp4.fps) == (1920, 1080, 192, 24.0)
    assert (mp4.audio_codec, mp4.audio_rate, mp4.audio_channels) == ("aac", 48000, 2)
    assert (mp4.color_primaries, mp4.color_trc, mp4.colorspace) == (1, 1, 1)  # BT.709
    assert mp4.moov_before_mdat  # faststart


def test_curl_without_content_type_still_parses_json(server: LiveServer, api_key: str) -> None:
    response = httpx.post(f"{server.url}/v1beta/models/veo-3.0-generate-001:predictLongRunning?key={api_key}",
                          content=b'{"instances":[{"prompt":"clouds"}],"parameters":{"durationSeconds":"4",'
                                  b'"resolution":"720P","aspectRatio":"9:16","sampleCount":"1"}}',
                          headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200, response.text
