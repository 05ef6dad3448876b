"""Storyboards through the native endpoint: scenes joined at the frames their durations put the
boundaries, cut or dissolved, sharing one set of settings; decoded as a viewer would see them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from tests.inprocess import InProcessClient, InProcessServer, explicit_settings
from tests.support import DecodedVideo, decode_mp4

FPS = 24
BEACH = "a sunny beach at noon, static shot"
CITY = "a city skyline at night, static shot"
LAKE = "a mountain lake at sunset, static shot"
PATH = "/v1beta/models/procedural:generateStoryboard"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    with InProcessServer(explicit_settings(tmp_path_factory.mktemp("storyboards"))) as app:
        yield app


@pytest.fixture(scope="module")
def http(server: InProcessServer) -> InProcessClient:
    return server.client(server.create_key(project="boards"))


def _board(*scenes: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"scenes": list(scenes), "parameters": {"resolution": "720p", "seed": 5, "generateAudio": True},
            **extra}


def _made(server: InProcessServer, http: InProcessClient, body: dict[str, Any]) -> tuple[dict, DecodedVideo]:
    done, data = server.made_video(http, PATH, body)
    return done, decode_mp4(data, keep_frames=True)


def _steps(video: DecodedVideo) -> np.ndarray:
    """How much the picture changes from each frame to the next (mean absolute difference)."""
    return np.array([np.abs(b.astype(np.int16) - a.astype(np.int16)).mean()
                     for a, b in zip(video.frames, video.frames[1:], strict=False)])


def test_three_scenes_cut_at_the_frames_their_durations_put_them(server: InProcessServer,
                                                                  http: InProcessClient) -> None:
    done, video = _made(server, http, _board({"prompt": BEACH, "durationSeconds": 4},
                                             {"prompt": CITY, "durationSeconds": 5, "transition": "cut"},
                                             {"prompt": LAKE, "durationSeconds": 4}))
    assert video.frame_count == 13 * FPS
    steps = _steps(video)
    # The cuts, found in the picture alone: the two changes that stand far above the rest.
    cuts = sorted(int(i) + 1 for i in np.argsort(steps)[-2:])
    assert cuts == [4 * FPS, 9 * FPS]
    rest = np.delete(steps, [c - 1 for c in cuts])
    assert steps[[c - 1 for c in cuts]].min() > 10 * max(float(rest.max()), 0.5)
    assert video.audio is not None and video.audio.shape[1] >= 13 * 48_000
    assert done["metadata"]["usage"]["videoSeconds"] == 13  # billed by the whole video's length


def test_a_dissolve_blends_half_a_second_around_the_boundary(server: InProcessServer, http: InProcessClient) -> None:
    _, cut = _made(server, http, _board({"prompt": BEACH, "durationSeconds": 4}, {"prompt": CITY, "durationSeconds": 4}))
    _, dissolved = _made(server, http, _board({"prompt": BEACH, "durationSeconds": 4},
                                              {"prompt": CITY, "durationSeconds": 4, "transition": "dissolve"}))
    boundary = 4 * FPS
    jump = _steps(cut)[boundary - 1]
    steps = _steps(dissolved)
    window = steps[boundary - 7:boundary + 6]  # the 12 blended frames and their neighbours
    assert window.max() < jump / 4  # no cut anywhere: the change is spread out...
    assert window.sum() > jump * 0.8  # ...yet it arrives at the other scene all the same
    # Outside the window each scene is as the cut version shows it.
    for frame in (boundary - 8, boundary + 7):
        assert np.abs(dissolved.frames[frame].astype(np.int16) - cut.frames[frame]).mean() < 2


def test_a_shared_style_holds_across_scenes(server: InProcessServer, http: InProcessClient) -> None:
    _, video = _made(server, http, _board({"prompt": BEACH, "durationSeconds": 4},
                                          {"prompt": CITY, "durationSeconds": 4, "camera": "dolly_in"},
                                          style="black and white film"))
    for frame in (video.frames[FPS], video.frames[6 * FPS]):
        channels = frame.astype(np.int16)
        assert np.abs(channels[..., 0] - channels[..., 2]).mean() < 3  # grey in both scenes


@pytest.mark.parametrize(("body", "field"), [
    (_board({"prompt": BEACH, "durationSeconds": 3}), "scenes[0].durationSeconds"),
    (_board({"prompt": BEACH}, {"prompt": CITY, "transition": "wipe"}), "scenes[1].transition"),
    (_board({"prompt": BEACH, "camera": "zoom_warp"}), "scenes[0].camera"),
    (_board({"prompt": "", "durationSeconds": 4}), "scenes[0].prompt"),
    (_board({"prompt": BEACH, "durationSeconds": 4, "mood": "sad"}), "scenes[0].mood"),
    (_board(*[{"prompt": BEACH, "durationSeconds": 8}] * 8), "scenes"),
    ({"scenes": [], "parameters": {}}, "scenes"),
    ({"parameters": {"resolution": "720p"}}, "scenes"),
    (_board({"prompt": BEACH}, parameters={"durationSeconds": 8}), "parameters.durationSeconds"),
    (_board({"prompt": BEACH}, parameters={"aspectRatio": "4:3"}), "parameters.aspectRatio"),
    (_board({"prompt": BEACH}, referenceImages=[{"image": {"bytesBase64Encoded": "!!", "mimeType": "image/png"},
                                                 "referenceType": "style"}]), "referenceImages[0].image"),
    (_board({"prompt": BEACH}, style=7), "style"),
    (_board({"prompt": "a man stabbed to death in an alley, blood pooling everywhere"}), "scenes[0].prompt"),
    (_board({"prompt": BEACH}, {"prompt": "Taylor Swift dancing on a beach at sunset"}), "scenes[1].prompt"),
])
def test_a_bad_storyboard_is_refused_naming_the_field_and_nothing_is_queued(
        http: InProcessClient, body: dict[str, Any], field: str) -> None:
    before = http.get("/v1beta/operations").json().get("operations", [])
    refused = http.post(PATH, json=body)
    assert refused.status_code == 400, refused.text
    error = refused.json()["error"]
    assert error["status"] == "INVALID_ARGUMENT"
    fields = [v["field"] for d in error["details"] if d["@type"].endswith("BadRequest") for v in d["fieldViolations"]]
    assert any(named == field or named.startswith(f"{field}.") for named in fields), fields
    assert http.get("/v1beta/operations").json().get("operations", []) == before


def test_every_problem_is_named_at_once(http: InProcessClient) -> None:
    refused = http.post(PATH, json=_board({"prompt": BEACH, "durationSeconds": 2},
                                          {"prompt": CITY, "transition": "wipe", "camera": "spin"}, tempo=3))
    fields = {v["field"] for d in refused.json()["error"]["details"] if d["@type"].endswith("BadRequest")
              for v in d["fieldViolations"]}
    assert fields >= {"scenes[0].durationSeconds", "scenes[1].transition", "scenes[1].camera", "tempo"}
