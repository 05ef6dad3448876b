"""What comes out: reproducible from the seed, different per sample, image-to-video starting on
the image (and still varying with seed and sample), lastFrame ending on it, extension continuing
a clip, every size and aspect up to 4K."""

from __future__ import annotations

import io
import re
from typing import Any

import httpx
import numpy as np
import pytest
from PIL import Image

from tests.images import b64, smooth_png
from tests.support import STATIC_PROMPT, LiveServer, decode_mp4, psnr

GEMINI = "/v1beta/models/veo-3.1-generate-preview:predictLongRunning"


@pytest.fixture(scope="module")
def http(server: LiveServer, api_key: str) -> httpx.Client:
    return server.client(api_key)


def _generate(server: LiveServer, http: httpx.Client, instance: dict[str, Any],
              **parameters: Any) -> list[bytes]:
    body = {"instances": [instance], "parameters": {"durationSeconds": 4, "resolution": "720p", **parameters}}
    stub = http.post(GEMINI, json=body)
    assert stub.status_code == 200, stub.text
    done = server.wait_done(http, f"/v1beta/{stub.json()['name']}")
    assert "response" in done, done
    videos = []
    for sample in done["response"]["generateVideoResponse"]["generatedSamples"]:
        file_id = re.search(r"files/([a-z0-9]+)", sample["video"]["uri"]).group(1)
        videos.append(http.get(f"/v1beta/files/{file_id}:download", params={"alt": "media"}).content)
    return videos


def _uri_of_last(http: httpx.Client) -> str:
    ops = http.get("/v1beta/operations", params={"pageSize": 1}).json()["operations"]
    done = http.get(f"/v1beta/{ops[0]['name']}").json()
    return str(done["response"]["generateVideoResponse"]["generatedSamples"][0]["video"]["uri"])


def test_same_seed_same_frames_and_another_seed_differs(server: LiveServer, http: httpx.Client) -> None:
    prompt = {"prompt": "snow falling over a forest at dusk, slow pan right to left"}
    first, second = (decode_mp4(_generate(server, http, prompt, seed=1234)[0], keep_frames=True) for _ in range(2))
    other = decode_mp4(_generate(server, http, prompt, seed=1235)[0], keep_frames=True)
    assert all(np.array_equal(a, b) for a, b in zip(first.frames, second.frames))
    assert not np.array_equal(first.frames[50], other.frames[50])


def test_samples_of_one_request_differ_and_each_is_reproducible(server: LiveServer, http: httpx.Client) -> None:
    instance = {"prompt": "mountains at golden hour, static shot"}
    run_a = [decode_mp4(v, keep_frames=True) for v in _generate(server, http, instance, seed=9, sampleCount=3)]
    run_b = [decode_mp4(v, keep_frames=True) for v in _generate(server, http, instance, seed=9, sampleCount=3)]
    assert len(run_a) == 3
    for i in range(3):
        for j in range(i + 1, 3):
            assert psnr(run_a[i].frames[0], run_a[j].frames[0]) < 30
    assert all(np.array_equal(a.frames[-1], b.frames[-1]) for a, b in zip(run_a, run_b))


def test_image_to_video_starts_on_the_given_image(server: LiveServer, http: httpx.Client) -> None:
    picture = smooth_png(1280, 720)
    [video] = _generate(server, http, {"prompt": "gentle camera movement, slow pan left to right",
                                       "image": {"bytesBase64Encoded": b64(picture), "mimeType": "image/png"}})
    mp4 = decode_mp4(video, keep_frames=True)
    expected = np.asarray(Image.open(io.BytesIO(picture)).convert("RGB"))
    assert psnr(mp4.frames[0], expected) >= 35
    assert psnr(mp4.frames[-1], expected) < 30  # and then the camera moves


def test_image_to_video_samples_and_seeds_differ_yet_each_starts_on_the_image(
        server: LiveServer, http: httpx.Client) -> None:
    picture = smooth_png(1280, 720)
    expected = np.asarray(Image.open(io.BytesIO(picture)).convert("RGB"))
    instance = {"prompt": "gentle camera movement, slow pan left to right",
                "image": {"bytesBase64Encoded": b64(picture), "mimeType": "image/png"}}
    first, second = (decode_mp4(v, keep_frames=True) for v in _generate(server, http, instance, seed=5, sampleCount=2))
    again = decode_mp4(_generate(server, http, instance, seed=5)[0], keep_frames=True)
    other_seed = decode_mp4(_generate(server, http, instance, seed=6)[0], keep_frames=True)
    for video in (first, second, other_seed):
        assert psnr(video.frames[0], expected) >= 35
    assert psnr(first.frames[-1], second.frames[-1]) < 30
    assert psnr(first.frames[-1], other_seed.frames[-1]) < 30
    assert all(np.array_equal(a, b) for a, b in zip(first.frames, again.frames))
    # The Gemini API gives Veo 3.x sound by default, and each sample's sound is its own.
    assert first.audio is not None and second.audio is not None
    assert not np.allclose(first.audio, second.audio, atol=1e-3)


def test_last_frame_is_where_the_clip_ends(server: LiveServer, http: httpx.Client) -> None:
    last = smooth_png(1280, 720, hue=60)
    [video] = _generate(server, http, {"prompt": "a lake at noon, static shot",
                                       "lastFrame": {"bytesBase64Encoded": b64(last), "mimeType": "image/png"}})
    mp4 = decode_mp4(video, keep_frames=True)
    expected = np.asarray(Image.open(io.BytesIO(last)).convert("RGB"))
    assert psnr(mp4.frames[-1], expected) >= 35
    assert psnr(mp4.frames[0], expected) < 25


def test_extension_continues_from_the_end_of_a_generated_clip(server: LiveServer, http: httpx.Client) -> None:
    [original] = _generate(server, http, {"prompt": "a city skyline at sunset, slow pan left to right"})
    uri = _uri_of_last(http)
    [extension] = _generate(server, http, {"prompt": "continue the shot", "video": {"uri": uri}})
    end_of_original = decode_mp4(original, keep_frames=True).frames[-1]
    start_of_extension = decode_mp4(extension, keep_frames=True).frames[0]
    assert psnr(start_of_extension, end_of_original) >= 33


def test_portrait_1080p_is_1080_by_1920(server: LiveServer, http: httpx.Client) -> None:
    [video] = _generate(server, http, {"prompt": STATIC_PROMPT}, aspectRatio="9:16", resolution="1080p")
    mp4 = decode_mp4(video)
    assert (mp4.width, mp4.height, mp4.frame_count, mp4.pix_fmt) == (1080, 1920, 96, "yuv420p")


@pytest.mark.slow
def test_4k_is_3840_by_2160_with_a_frame_for_every_24th_of_a_second(server: LiveServer, http: httpx.Client) -> None:
    # The one test that renders 4K (slow on a laptop CPU); the rest of 4K needs no render.
    [video] = _generate(server, http, {"prompt": STATIC_PROMPT}, resolution="4k", generateAudio=False)
    mp4 = decode_mp4(video)
    assert (mp4.width, mp4.height, mp4.frame_count, mp4.fps, mp4.pix_fmt) == (3840, 2160, 96, 24.0, "yuv420p")


def _solid_png(rgb: tuple[int, int, int], size: tuple[int, int] = (240, 320)) -> str:
    buf = io.BytesIO()
    Image.new("RGB", size, rgb).save(buf, "PNG")
    return b64(buf.getvalue())


def _magenta_share(frame: np.ndarray) -> float:
    r, g, b = (frame[..., i].astype(int) for i in range(3))
    return float(((r > 170) & (b > 150) & (g < 90)).mean())


def test_reference_images_put_the_asset_in_the_scene_and_take_the_style_palette(
        server: LiveServer, http: httpx.Client) -> None:
    prompt = {"prompt": "mountains at noon, static shot"}
    plain = decode_mp4(_generate(server, http, prompt, seed=4)[0], keep_frames=True).frames[48]
    asset = {**prompt, "referenceImages": [
        {"image": {"bytesBase64Encoded": _solid_png((235, 30, 220)), "mimeType": "image/png"}, "referenceType": "ASSET"}]}
    with_asset = decode_mp4(_generate(server, http, asset, seed=4)[0], keep_frames=True).frames[48]
    assert _magenta_share(plain) < 0.001
    assert _magenta_share(with_asset) > 0.02

    style = {**prompt, "referenceImages": [
        {"image": {"bytesBase64Encoded": _solid_png((40, 200, 60)), "mimeType": "image/png"}, "referenceType": "style"}]}
    styled = decode_mp4(_generate(server, http, style, seed=4)[0], keep_frames=True).frames[48]
    assert _green_share(styled) > _green_share(plain) * 1.05


def _green_share(frame: np.ndarray) -> float:
    return float(frame[..., 1].mean() / frame.mean())
