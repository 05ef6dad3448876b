"""Mapping a request onto a diffusion model and its output back (engines/diffusers/plan.py):
valid frame counts, the generation size, re-timing to 24 fps, scaling to the exact size."""

from __future__ import annotations

import numpy as np
import pytest

from openreel.domain.request import AspectRatio, GenerationRequest, Resolution
from openreel.engines.diffusers.plan import FrameRule, ModelShape, output_frames, plan_generation, retimed_indices

WAN_480P = ModelShape(native_size=(832, 480), fps=16, rule=FrameRule(4), size_multiple=16)
LTX = ModelShape(native_size=(768, 512), fps=24, rule=FrameRule(8), size_multiple=32)


def _request(**fields: object) -> GenerationRequest:
    return GenerationRequest(**{"model": "m", "prompt": "p", "seed": 1, "duration_seconds": 4,  # type: ignore[arg-type]
                                "resolution": Resolution.HD, **fields})


@pytest.mark.parametrize("rule, seconds, fps, frames", [
    ("4k+1", 5, 16, 81), ("4k+1", 4, 16, 65), ("8k+1", 4, 24, 97), ("8k+1", 8, 24, 193), ("4k+1", 6, 8, 49),
])
def test_durations_become_the_nearest_valid_frame_count(rule: str, seconds: int, fps: int, frames: int) -> None:
    assert FrameRule.parse(rule).frames_for(seconds, fps) == frames


@pytest.mark.parametrize("text", ["4k", "k+1", "0k+1", "4k+2"])
def test_a_frame_rule_that_is_not_nk_plus_1_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="4k\\+1"):
        FrameRule.parse(text)


def test_the_generation_size_is_the_native_one_in_the_requested_orientation() -> None:
    landscape = plan_generation(_request(), WAN_480P)
    portrait = plan_generation(_request(aspect_ratio=AspectRatio.PORTRAIT), WAN_480P)
    assert (landscape.width, landscape.height, landscape.frames, landscape.fps) == (832, 480, 65, 16)
    assert (portrait.width, portrait.height) == (480, 832)
    odd = ModelShape(native_size=(850, 470), fps=24, rule=FrameRule(8), size_multiple=32)
    plan = plan_generation(_request(), odd)
    assert (plan.width, plan.height) == (864, 480)  # the nearest multiples of 32


def test_re_timing_shows_each_generated_frame_at_its_time() -> None:
    assert retimed_indices(5, 16, 12, 24)[:7] == [0, 1, 1, 2, 3, 3, 4]  # 16 fps shown at 24: 2 of every 3 repeat
    assert retimed_indices(5, 16, 12, 24)[-1] == 4  # never past the last generated frame
    assert retimed_indices(97, 24, 96, 24) == list(range(96))


def test_output_frames_have_the_exact_size_count_and_type() -> None:
    plan = plan_generation(_request(), LTX)
    video = np.random.default_rng(0).random((plan.frames, plan.height, plan.width, 3), dtype=np.float32)
    frames = list(output_frames(video, plan, _request()))
    assert len(frames) == 96 and all(f.shape == (720, 1280, 3) and f.dtype == np.uint8 for f in frames)
    flat = np.full((plan.frames, plan.height, plan.width, 3), 0.5, np.float32)
    assert int(next(output_frames(flat, plan, _request()))[360, 640, 0]) == 128
