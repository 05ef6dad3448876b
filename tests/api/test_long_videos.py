"""Long videos: one operation of up to 60 s, decoded and measured as a viewer would see it.

The `procedural` model draws long clips in one pass; a model whose engine makes short clips
(here the same renderer limited to 8 s clips) builds them from segments that each continue the
one before, and its seams must not show: neither in the picture nor in the sound.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import numpy as np
import pytest

from openreel.sequence.long_video import segment_seconds
from tests.inprocess import InProcessClient, InProcessServer, explicit_settings
from tests.support import DecodedVideo, decode_mp4

PROMPT = "a slow pan across a mountain lake at sunset, gentle wind"
FPS = 24
SAMPLES_PER_FRAME = 48_000 // FPS


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    root = tmp_path_factory.mktemp("long")
    catalog = root / "catalog.toml"
    catalog.write_text('[models."short-clips"]\nengine = "procedural"\nlongest_clip_seconds = 8\n'
                       f"durations = {list(range(4, 61))}\n")
    with InProcessServer(explicit_settings(root / "data", catalog_path=catalog)) as app:
        yield app


@pytest.fixture(scope="module")
def http(server: InProcessServer) -> InProcessClient:
    return server.client(server.create_key(project="long"))


def _generate(server: InProcessServer, http: InProcessClient, model: str, seconds: int) -> tuple[dict, DecodedVideo]:
    done, data = server.made_video(http, f"/v1beta/models/{model}:predictLongRunning", {
        "instances": [{"prompt": PROMPT}],
        "parameters": {"durationSeconds": seconds, "resolution": "720p", "seed": 11, "generateAudio": True}},
        timeout=600)
    return done, decode_mp4(data, keep_frames=True)


def _frame_steps(video: DecodedVideo) -> np.ndarray:
    """The mean absolute difference between each frame and the next."""
    return np.array([np.abs(b.astype(np.int16) - a.astype(np.int16)).mean()
                     for a, b in zip(video.frames, video.frames[1:], strict=False)])


def _assert_continuous_sound(audio: np.ndarray, seconds: int, seams: list[int]) -> None:
    """A track of the whole length, never silent for a quarter second, and no click at a seam:
    the jump between neighbouring samples there is no bigger than the track's usual largest."""
    assert audio.shape[1] >= seconds * 48_000
    quarter = 12_000
    rms = [float(np.sqrt(np.mean(audio[:, i:i + quarter] ** 2))) for i in range(0, seconds * 48_000, quarter)]
    assert min(rms) > 0.1 * float(np.median(rms)), "the sound drops out"
    jumps = np.abs(np.diff(audio, axis=1)).max(axis=0)
    typical = float(np.percentile(jumps, 99.9))
    for frame in seams:
        sample = frame * SAMPLES_PER_FRAME
        assert float(jumps[sample - 48:sample + 48].max()) <= typical, f"a click at the seam at frame {frame}"


def test_a_30_second_video_on_the_procedural_model_is_one_operation_of_exact_length(
        server: InProcessServer, http: InProcessClient) -> None:
    done, video = _generate(server, http, "procedural", 30)
    assert video.frame_count == len(video.frames) == 30 * FPS
    assert video.audio is not None
    _assert_continuous_sound(video.audio, 30, seams=[])
    usage = done["metadata"]["usage"]
    assert (usage["videoSeconds"], usage["samples"]) == (30, 1)  # billed by its real length


def test_a_long_video_built_from_segments_has_seams_no_jumpier_than_the_rest(
        server: InProcessServer, http: InProcessClient) -> None:
    done, video = _generate(server, http, "short-clips", 30)
    assert video.frame_count == 30 * FPS
    # Where the segments meet: each segment after the first repeats the frame it starts from,
    # which is dropped, and the first gives up what the plan makes too many.
    plan = segment_seconds(30 * FPS, tuple(range(4, 9)), FPS)
    assert len(plan) >= 4
    surplus = sum(plan) * FPS - (len(plan) - 1) - 30 * FPS
    seams, at = [], -surplus
    for number, seconds in enumerate(plan[:-1]):
        at += seconds * FPS - (1 if number else 0)
        seams.append(at)
    steps = _frame_steps(video)
    within = np.delete(steps, [seam - 1 for seam in seams])
    assert within.max() > 0  # the camera moves: there is something to compare with
    for seam in seams:
        assert steps[seam - 1] <= within.max(), (f"the seam before frame {seam} jumps by {steps[seam - 1]:.2f}; "
                                                 f"within segments at most {within.max():.2f}")
    assert video.audio is not None
    _assert_continuous_sound(video.audio, 30, seams)
    assert done["metadata"]["usage"]["videoSeconds"] == 30


@pytest.mark.parametrize(("model", "seconds", "allowed"), [
    ("veo-3.1-generate-preview", 30, "one of 4, 6, 8"),
    ("procedural", 61, "a whole number of seconds from 4 to 60"),
    ("procedural", 3, "a whole number of seconds from 4 to 60"),
])
def test_a_length_the_model_does_not_allow_is_refused_naming_the_field(
        server: InProcessServer, http: InProcessClient, model: str, seconds: int, allowed: str) -> None:
    before = http.get("/v1beta/operations").json().get("operations", [])
    refused = http.post(f"/v1beta/models/{model}:predictLongRunning",
                        json={"instances": [{"prompt": PROMPT}], "parameters": {"durationSeconds": seconds}})
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["status"] == "INVALID_ARGUMENT" and allowed in error["message"]
    [violation] = [d for d in error["details"] if d["@type"].endswith("BadRequest")][0]["fieldViolations"]
    assert violation["field"] == "parameters.durationSeconds"
    assert http.get("/v1beta/operations").json().get("operations", []) == before  # nothing queued


def test_the_model_list_offers_long_durations(http: InProcessClient) -> None:
    listed = {m["name"]: m for m in http.get("/v1beta/models").json()["models"]}
    assert listed["models/procedural"]["capabilities"]["durationsSeconds"] == list(range(4, 61))
    # Made of 8 s clips, yet offered up to a minute like the renderer it runs on.
    assert listed["models/short-clips"]["capabilities"]["durationsSeconds"] == list(range(4, 61))
    assert listed["models/veo-3.1-generate-preview"]["capabilities"]["durationsSeconds"] == [4, 6, 8]


def test_a_storyboard_scene_longer_than_the_engines_clips_keeps_its_sound(server: InProcessServer,
                                                                          http: InProcessClient) -> None:
    stub = http.post("/v1beta/models/short-clips:generateStoryboard", json={
        "scenes": [{"prompt": "a sunny beach at noon, static shot", "durationSeconds": 4},
                   {"prompt": PROMPT, "durationSeconds": 12, "transition": "dissolve"}],
        "parameters": {"resolution": "720p", "seed": 2, "generateAudio": True}})
    assert stub.status_code == 200, stub.text
    done = server.wait_done(http, f"/v1beta/{stub.json()['name']}", timeout=600)
    uri = done["response"]["generateVideoResponse"]["generatedSamples"][0]["video"]["uri"]
    file_id = re.search(r"files/([a-z0-9]+)", uri).group(1)  # type: ignore[union-attr]
    video = decode_mp4(http.get(f"/v1beta/files/{file_id}:download", params={"alt": "media"}).content)
    assert video.frame_count == 16 * FPS and video.audio is not None
    _assert_continuous_sound(video.audio, 16, seams=[])  # the 12 s scene, made of two clips, is not silent


def test_a_long_video_from_segments_ends_on_the_last_frame_asked_for(server: InProcessServer,
                                                                     http: InProcessClient) -> None:
    from PIL import Image

    from tests.images import b64

    target = np.zeros((720, 1280, 3), np.uint8)
    target[:] = (200, 40, 160)
    png = io.BytesIO()
    Image.fromarray(target).save(png, "PNG")
    stub = http.post("/v1beta/models/short-clips:predictLongRunning", json={
        "instances": [{"prompt": PROMPT, "lastFrame": {"bytesBase64Encoded": b64(png.getvalue()),
                                                       "mimeType": "image/png"}}],
        "parameters": {"durationSeconds": 10, "resolution": "720p", "seed": 4}})
    assert stub.status_code == 200, stub.text
    done = server.wait_done(http, f"/v1beta/{stub.json()['name']}", timeout=600)
    uri = done["response"]["generateVideoResponse"]["generatedSamples"][0]["video"]["uri"]
    file_id = re.search(r"files/([a-z0-9]+)", uri).group(1)  # type: ignore[union-attr]
    video = decode_mp4(http.get(f"/v1beta/files/{file_id}:download", params={"alt": "media"}).content,
                       keep_frames=True)
    assert video.frame_count == 10 * FPS
    assert np.abs(video.frames[-1].astype(np.int16) - target).mean() < 6  # it lands on the given frame
