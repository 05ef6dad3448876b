"""The procedural engine's wider world, through the API and on decoded frames: the moon under a
black sky, a red car driving the way it is asked along its road, rooms without a sky, birds
crossing the sky; and each of them claimed as rendered in the operation's metadata.concepts."""

from __future__ import annotations


import numpy as np
import pytest

from tests.inprocess import InProcessClient, InProcessServer
from tests.support import DecodedVideo, decode_mp4


@pytest.fixture(scope="module")
def http(app_server: InProcessServer, app_key: str) -> InProcessClient:
    return app_server.client(app_key)


def _made(server: InProcessServer, http: InProcessClient, prompt: str) -> tuple[dict, DecodedVideo]:
    done, data = server.made_video(http, "/v1beta/models/procedural:predictLongRunning", {
        "instances": [{"prompt": prompt}], "parameters": {"durationSeconds": 4, "resolution": "720p", "seed": 4}})
    return done["metadata"]["concepts"], decode_mp4(data, keep_frames=True)


def _luma(pixels: np.ndarray) -> float:
    return float((pixels.astype(np.float32) @ np.array([0.2126, 0.7152, 0.0722], np.float32)).mean())


def _sky_blue(frame: np.ndarray) -> bool:
    """The top tenth of the frame is daylight sky: blue over red, and bright."""
    top = frame[: frame.shape[0] // 10].reshape(-1, 3).astype(np.float32).mean(axis=0)
    return bool(top[2] > top[0] + 25 and top[2] > 110)


def _centroid(mask: np.ndarray) -> tuple[float, float]:
    rows, cols = np.nonzero(mask)
    assert rows.size > 0, "nothing of the subject is in the frame"
    return float(cols.mean()), float(rows.mean())


def _red(frame: np.ndarray) -> np.ndarray:
    f = frame.astype(np.int16)
    return (f[..., 0] > 120) & (f[..., 1] < 70) & (f[..., 2] < 70)


def test_the_moon_has_a_black_sky_with_the_earth_in_it(app_server: InProcessServer, http: InProcessClient) -> None:
    concepts, video = _made(app_server, http, "an astronaut walking on the moon, earth in the sky, static shot")
    assert {"person", "moon", "earth"} <= set(concepts["rendered"])
    frame = video.frames[0]
    assert _luma(frame[: video.height // 8]) < 25  # black, but for the stars
    upper = frame[: video.height // 2].astype(np.int16)
    earth = (upper[..., 2] > upper[..., 0] + 60) & (upper[..., 2] > 120)
    assert earth.sum() > 500  # the blue earth hangs in it
    assert _luma(frame[int(video.height * 0.75):]) > 60  # over the grey ground


@pytest.mark.parametrize(("direction", "sign"), [("left", -1), ("right", 1)])
def test_a_red_car_is_red_and_drives_along_its_road_the_way_asked(app_server: InProcessServer, http: InProcessClient,
                                                                  direction: str, sign: int) -> None:
    concepts, video = _made(app_server, http,
                            f"a red car driving to the {direction} along a country road at noon, static shot")
    assert {"car", "red", "road"} <= set(concepts["rendered"])
    first, later = _red(video.frames[0]), _red(video.frames[36])
    assert first.sum() > 0.003 * first.size and later.sum() > 0.003 * later.size
    (x0, y0), (x1, y1) = _centroid(first), _centroid(later)
    assert sign * (x1 - x0) > 0.1 * video.width  # a tenth of the frame in a second and a half
    assert abs(y1 - y0) < 0.02 * video.height  # along the road, not off it
    assert y0 > video.height * 0.55  # on the road below the horizon, not in the sky
    # And nothing else in the scene is red: without the car, there is (almost) no red at all.
    _, empty = _made(app_server, http, "a country road at noon, static shot")
    assert _red(empty.frames[0]).sum() < 0.0005 * first.size


@pytest.mark.parametrize("room", ["a living room", "a kitchen", "an office", "a concert stage"])
def test_an_interior_has_no_sky(app_server: InProcessServer, http: InProcessClient, room: str) -> None:
    concepts, video = _made(app_server, http, f"a dog sitting in {room} at noon, static shot")
    assert "dog" in concepts["rendered"]
    assert not _sky_blue(video.frames[0])


def test_outdoors_the_same_measure_finds_the_sky(app_server: InProcessServer, http: InProcessClient) -> None:
    _, video = _made(app_server, http, "a dog sitting in a meadow at noon, static shot")
    assert _sky_blue(video.frames[0])


def test_birds_fly_across_the_sky(app_server: InProcessServer, http: InProcessClient) -> None:
    concepts, video = _made(app_server, http, "a flock of black birds flying to the right over the sea at noon, "
                                              "static shot")
    assert {"bird", "black", "sea"} <= set(concepts["rendered"])
    horizon = int(video.height * 0.5)

    def birds(frame: np.ndarray) -> np.ndarray:
        return frame[:horizon].astype(np.float32).mean(axis=2) < 70  # dark shapes on a bright sky

    first, later = birds(video.frames[0]), birds(video.frames[72])
    assert 0 < first.sum() < 0.02 * first.size  # several small birds, not a dark sky
    assert _centroid(later)[0] - _centroid(first)[0] > 0.05 * video.width
