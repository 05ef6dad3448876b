"""What a viewer and a listener would notice about the procedural engine, measured on decoded
MP4s generated through the API: light, colour, camera motion, weather, and sound."""

from __future__ import annotations

import re
from typing import Any

import httpx
import numpy as np
import pytest

from openreel.media.loudness import integrated_loudness
from tests.support import DecodedVideo, LiveServer, decode_mp4

GEMINI = "/v1beta/models/veo-3.0-generate-001:predictLongRunning"


@pytest.fixture(scope="module")
def http(server: LiveServer, api_key: str) -> httpx.Client:
    return server.client(api_key)


@pytest.fixture(scope="module")
def clip(server: LiveServer, http: httpx.Client):  # type: ignore[no-untyped-def]
    """Generate (and cache per module) a 4 s 720p clip for a prompt and return it decoded."""
    cache: dict[tuple[Any, ...], DecodedVideo] = {}

    def make(prompt: str, negative: str = "", audio: bool = False, seed: int = 21) -> DecodedVideo:
        key = (prompt, negative, audio, seed)
        if key not in cache:
            body = {"instances": [{"prompt": prompt}],
                    "parameters": {"durationSeconds": 4, "resolution": "720p", "seed": seed,
                                   "negativePrompt": negative, "generateAudio": audio}}
            stub = http.post(GEMINI, json=body)
            assert stub.status_code == 200, stub.text
            done = server.wait_done(http, f"/v1beta/{stub.json()['name']}")
            uri = done["response"]["generateVideoResponse"]["generatedSamples"][0]["video"]["uri"]
            file_id = re.search(r"files/([a-z0-9]+)", uri).group(1)
            data = http.get(f"/v1beta/files/{file_id}:download", params={"alt": "media"}).content
            cache[key] = decode_mp4(data, keep_frames=True)
        return cache[key]

    return make


def _grey_blocks(frame: np.ndarray, rows: slice = slice(None), block: int = 8) -> np.ndarray:
    grey = frame[rows].astype(np.float32).mean(axis=2)
    h, w = grey.shape[0] // block * block, grey.shape[1] // block * block
    return grey[:h, :w].reshape(h // block, block, w // block, block).mean(axis=(1, 3))


def _shift(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(dy, dx) that moves a onto b, by phase correlation."""
    cross = np.fft.fft2(a) * np.conj(np.fft.fft2(b))
    corr = np.fft.ifft2(cross / (np.abs(cross) + 1e-9)).real
    dy, dx = np.unravel_index(np.argmax(corr), corr.shape)
    dy = dy if dy <= a.shape[0] // 2 else dy - a.shape[0]
    dx = dx if dx <= a.shape[1] // 2 else dx - a.shape[1]
    return -float(dy), -float(dx)


def _horizontal_motion(video: DecodedVideo, start: int = 30, end: int = 60, cols: slice = slice(None)) -> float:
    """Picture motion in pixels (positive: content moves right) below the sky, in 8x8 blocks."""
    rows = slice(video.height * 2 // 5, None)
    a = _grey_blocks(video.frames[start][:, cols], rows)
    b = _grey_blocks(video.frames[end][:, cols], rows)
    return _shift(a, b)[1] * 8


def _warmth(video: DecodedVideo) -> float:
    frame = video.frames[48].astype(np.float32)
    return float(frame[..., 0].mean() - frame[..., 2].mean())


def test_night_is_darker_than_noon(clip) -> None:  # type: ignore[no-untyped-def]
    assert clip("mountains at night, static shot").frames[48].mean() < \
        0.5 * clip("mountains at noon, static shot").frames[48].mean()


def test_sunset_and_golden_hour_are_warmer_than_a_cold_blue_scene(clip) -> None:  # type: ignore[no-untyped-def]
    cold = _warmth(clip("icy blue mountains at noon, cold light, static shot"))
    assert _warmth(clip("mountains at sunset, static shot")) > cold + 30
    assert _warmth(clip("a desert at golden hour, static shot")) > cold + 30


def test_pans_move_the_picture_the_way_the_prompt_says(clip) -> None:  # type: ignore[no-untyped-def]
    # The camera panning right slides the picture left, and the other way round.
    assert _horizontal_motion(clip("mountains at noon, slow pan from left to right")) < -4
    assert _horizontal_motion(clip("mountains at noon, slow pan from right to left")) > 4
    assert abs(_horizontal_motion(clip("mountains at noon, static shot"))) < 1


def test_zoom_in_spreads_the_picture_outwards(clip) -> None:  # type: ignore[no-untyped-def]
    video = clip("a forest at noon, slow zoom in")
    third = video.width // 3
    left = _horizontal_motion(video, 20, 80, slice(0, third))
    right = _horizontal_motion(video, 20, 80, slice(2 * third, None))
    assert left < -2 and right > 2


def _frame_changes(video: DecodedVideo) -> float:
    """Mean absolute change between consecutive frames 40-50."""
    return float(np.mean([np.abs(video.frames[i + 1].astype(np.int16) - video.frames[i]).mean()
                          for i in range(40, 50)]))


@pytest.mark.parametrize("weather", ["rain", "snow"])
def test_rain_and_snow_fall(clip, weather: str) -> None:  # type: ignore[no-untyped-def]
    wet = clip(f"{weather} over a forest at noon, static shot")
    dry = clip(f"{weather} over a forest at noon, static shot", negative=weather)
    assert _frame_changes(wet) > 4 * _frame_changes(dry) + 0.2
    # What changes between frames moves down the picture: it falls.
    d1 = _grey_blocks(np.abs(wet.frames[41].astype(np.int16) - wet.frames[40]).astype(np.uint8)[..., None].repeat(3, 2), block=2)
    d2 = _grey_blocks(np.abs(wet.frames[43].astype(np.int16) - wet.frames[42]).astype(np.uint8)[..., None].repeat(3, 2), block=2)
    dy, _ = _shift(d1, d2)
    assert dy > 0


def test_audio_fits_the_scene_and_is_normalised(clip) -> None:  # type: ignore[no-untyped-def]
    rain = clip("heavy rain in a forest, static shot", audio=True)
    desert = clip("a quiet desert at night, static shot", audio=True)
    for video in (rain, desert):
        assert (video.audio_codec, video.audio_rate, video.audio_channels) == ("aac", 48000, 2)
        assert video.audio is not None
        assert float(np.abs(video.audio).max()) < 0.99  # never clipped
        assert abs(integrated_loudness(video.audio) - (-23)) < 8  # around the -23 LUFS reference
    assert integrated_loudness(rain.audio) > integrated_loudness(desert.audio) + 6
    assert clip("a quiet desert at night, static shot").audio is None  # silent clips carry no track


def test_thunder_follows_the_lightning_flash(clip) -> None:  # type: ignore[no-untyped-def]
    video = clip("a thunderstorm over the sea, static shot", audio=True)
    brightness = np.array([f.mean() for f in video.frames])
    flash = int(np.argmax(brightness))
    assert brightness[flash] > 1.3 * np.median(brightness)
    assert video.audio is not None
    mono = video.audio.mean(axis=0)
    window = 4800  # 100 ms
    low = np.fft.rfft(mono)
    low[np.fft.rfftfreq(mono.size, 1 / 48000) > 200] = 0
    rumble = np.fft.irfft(low, mono.size) ** 2
    energy = np.array([rumble[i:i + window].mean() for i in range(0, mono.size - window, window)])
    thunder_at = int(np.argmax(energy)) * window / 48000
    flash_at = flash / 24
    assert 0.1 < thunder_at - flash_at < 1.8
