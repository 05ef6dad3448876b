"""The procedural engine reads the prompt: what a viewer would notice, measured on real frames."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest

from openreel.domain.request import GenerationRequest, Resolution
from openreel.domain.storyboard import CameraDirection
from openreel.engines.procedural import ProceduralEngine
from openreel.engines.procedural.render import Shot, ShotInputs
from openreel.engines.procedural.scene import CameraMove, Setting, TimeOfDay, Weather, describe
from openreel.worker.control import RunControl


def _quiet() -> RunControl:
    """The worker's run context with nobody following its progress and nothing to cancel it."""
    return RunControl(timeout_seconds=3600, scratch_dir=Path(tempfile.gettempdir()))


def _frames(prompt: str, seed: int = 3, **kw: object) -> list[np.ndarray]:
    request = GenerationRequest(model="veo-3.0-generate-001", prompt=prompt, seed=seed, duration_seconds=4,
                                resolution=Resolution.HD, **kw)  # type: ignore[arg-type]
    return list(ProceduralEngine({}).generate(request, _quiet())[0].frames)


def _global_shift(a: np.ndarray, b: np.ndarray, block: int = 8) -> float:
    """Horizontal picture motion from a to b in pixels (positive: content moved right), by phase
    correlation of 8x8 block averages below the sky: the blocks wash out film grain, and the sky
    sits at infinity and barely moves."""
    def small(frame: np.ndarray) -> np.ndarray:
        rows = frame[frame.shape[0] * 2 // 5:].mean(axis=2)
        h, w = rows.shape[0] // block * block, rows.shape[1] // block * block
        return rows[:h, :w].reshape(h // block, block, w // block, block).mean(axis=(1, 3))

    ga, gb = small(a), small(b)
    cross = np.fft.fft2(ga) * np.conj(np.fft.fft2(gb))
    corr = np.fft.ifft2(cross / (np.abs(cross) + 1e-9)).real
    _, dx = np.unravel_index(np.argmax(corr), corr.shape)
    return float(-(dx if dx <= ga.shape[1] // 2 else dx - ga.shape[1]) * block)


@pytest.mark.parametrize(("prompt", "setting", "time", "camera", "weather"), [
    ("A serene mountain lake at dawn, mist rising, slow pan from left to right", Setting.MOUNTAINS,
     TimeOfDay.DAWN, CameraMove.PAN_RIGHT, Weather.MIST),
    ("A busy Tokyo street at night, neon signs reflecting in wet pavement", Setting.CITY, TimeOfDay.NIGHT,
     CameraMove.STATIC, Weather.CLEAR),
    ("A luxury watch rotating on a dark surface", Setting.PRODUCT, TimeOfDay.NOON, CameraMove.ORBIT, Weather.CLEAR),
    ("Sunset over San Francisco Bay, golden hour, aerial view", Setting.SEA, TimeOfDay.GOLDEN_HOUR,
     CameraMove.AERIAL, Weather.CLEAR),
    ("heavy rain in a forest, zoom in", Setting.FOREST, TimeOfDay.NOON, CameraMove.ZOOM_IN, Weather.RAIN),
])
def test_prompt_reading(prompt: str, setting: Setting, time: TimeOfDay, camera: CameraMove,
                        weather: Weather) -> None:
    scene = describe(prompt)
    assert (scene.setting, scene.time_of_day, scene.camera, scene.weather) == (setting, time, camera, weather)


def test_negative_prompt_removes_what_it_names() -> None:
    assert describe("a rainy street", "rain").weather is Weather.CLEAR
    assert describe("misty hills", "fog, haze").weather is Weather.CLEAR


def test_temperature_scales_motion() -> None:
    calm = _frames("mountains at noon, slow pan left to right", temperature=0.0)
    lively = _frames("mountains at noon, slow pan left to right", temperature=1.0)
    assert abs(_global_shift(lively[30], lively[60])) > abs(_global_shift(calm[30], calm[60])) * 1.5


def test_mars_is_rust_red_under_a_dusty_sky_and_the_moon_is_grey_under_a_black_one() -> None:
    mars = _frames("a rover driving on mars, static shot")[0].astype(np.float32)
    moon = _frames("a rover driving on the moon, static shot")[0].astype(np.float32)
    ground, sky = slice(mars.shape[0] * 3 // 4, None), slice(0, mars.shape[0] // 8)
    red, green, blue = mars[ground].reshape(-1, 3).mean(axis=0)
    assert red > green + 40 and red > blue + 60  # rust
    assert mars[sky].mean() > 80 and moon[sky].mean() < 25  # dust against space
    grey = moon[ground].reshape(-1, 3).mean(axis=0)
    assert grey.max() - grey.min() < 12


PLACES = ["", "on the moon", "on mars", "underwater", "in a snowy field", "in a kitchen", "in an office",
          "on a concert stage", "in a studio", "in space", "in the sky", "abstract shapes", "on a beach",
          "on a highway", "on a bridge over a river", "in a city", "in a desert", "in a forest"]
SUBJECTS = ["a car", "two boats", "a plane", "a train", "a cat", "three dogs", "a flock of birds",
            "a school of fish", "a horse", "a man", "a crowd of people"]


@pytest.mark.parametrize("place", PLACES)
def test_every_subject_renders_in_every_place_moving_every_way(place: str) -> None:
    # A wide highway once pushed the ground below the frame and the render failed: every subject
    # in every place, in each direction, must make a frame (drawn or left out, and said so).
    for number, subject in enumerate(SUBJECTS):
        for motion in ("driving to the left", "walking towards the camera", "flying away"):
            prompt = f"{subject} {motion} {place}, slow dolly in"
            shot = Shot(describe(prompt), (160, 90), 4, 24, 1.0, np.random.default_rng(number), ShotInputs())
            assert shot.frame(3).shape == (90, 160, 3), prompt


@pytest.mark.parametrize("direction", list(CameraDirection))
def test_a_storyboard_scenes_camera_words_make_that_move(direction: CameraDirection) -> None:
    # The words a storyboard scene's camera adds to its prompt are what this engine reads.
    expected = {CameraDirection.STATIC: CameraMove.STATIC, CameraDirection.PAN_LEFT: CameraMove.PAN_LEFT,
                CameraDirection.PAN_RIGHT: CameraMove.PAN_RIGHT, CameraDirection.TILT_UP: CameraMove.TILT_UP,
                CameraDirection.TILT_DOWN: CameraMove.TILT_DOWN, CameraDirection.DOLLY_IN: CameraMove.ZOOM_IN,
                CameraDirection.DOLLY_OUT: CameraMove.ZOOM_OUT, CameraDirection.ORBIT: CameraMove.ORBIT,
                CameraDirection.AERIAL: CameraMove.AERIAL, CameraDirection.TRACKING: CameraMove.PAN_RIGHT}
    assert describe(f"a lake in the hills, {direction.words}").camera is expected[direction]
