"""How a request maps onto a diffusion pipeline's parameters, and its output back onto the request:
frame counts under the model's rule, the generation size, re-timing to 24 fps and scaling to the
exact output size. Pure numpy and PIL, so it is tested without torch."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from PIL import Image

from openreel.domain.request import AspectRatio, GenerationRequest


@dataclass(frozen=True)
class FrameRule:
    """Valid frame counts are step * k + 1 (Wan's VAE packs 4 frames per latent, LTX's 8)."""

    step: int

    @classmethod
    def parse(cls, text: str) -> FrameRule:
        """'4k+1' -> FrameRule(4)."""
        head, _, tail = text.replace(" ", "").partition("k")
        if tail != "+1" or not head.isdigit() or int(head) < 1:
            raise ValueError(f"frame_rule must look like '4k+1'; got {text!r}")
        return cls(int(head))

    def frames_for(self, seconds: float, fps: int) -> int:
        """The valid frame count nearest to `seconds` of video at `fps`."""
        return self.step * max(1, round((seconds * fps - 1) / self.step)) + 1


@dataclass(frozen=True)
class ModelShape:
    """What mapping a request onto the model needs to know about it."""

    native_size: tuple[int, int]  # (width, height) in landscape
    fps: int
    rule: FrameRule
    size_multiple: int  # height and width must be multiples of this


@dataclass(frozen=True)
class GenerationPlan:
    width: int
    height: int
    frames: int  # what the pipeline generates, at `fps`
    fps: int


def plan_generation(request: GenerationRequest, model: ModelShape) -> GenerationPlan:
    """The model's native size in the request's orientation (rounded to what the pipeline
    accepts), and the valid frame count nearest to the requested duration at the model's rate."""
    long, short = max(model.native_size), min(model.native_size)
    width, height = (long, short) if request.aspect_ratio is AspectRatio.LANDSCAPE else (short, long)
    return GenerationPlan(_multiple(width, model.size_multiple), _multiple(height, model.size_multiple),
                          model.rule.frames_for(request.duration_seconds, model.fps), model.fps)


def retimed_indices(generated: int, fps: int, output_frames: int, output_fps: int) -> list[int]:
    """For each output frame, the generated frame shown at its time (nearest, never past the end)."""
    return [min(generated - 1, round(index * fps / output_fps)) for index in range(output_frames)]


def output_frames(video: np.ndarray, plan: GenerationPlan, request: GenerationRequest) -> Iterator[np.ndarray]:
    """The request's frames from one generated video (frames, H, W, 3; floats in [0, 1] or uint8):
    re-timed to the request's rate and scaled to cover its exact size, centred. Lazy, so scaling
    runs while the worker encodes."""
    width, height = request.size
    for index in retimed_indices(len(video), plan.fps, request.frame_count, request.fps):
        frame = video[index]
        if frame.dtype != np.uint8:
            frame = (np.clip(frame, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
        yield cover(Image.fromarray(frame), (width, height))


def cover(image: Image.Image, size: tuple[int, int]) -> np.ndarray:
    """Scale to fill `size` (width, height) keeping the aspect ratio, then crop the middle."""
    width, height = size
    if image.size == size:
        return np.asarray(image.convert("RGB"))
    scale = max(width / image.width, height / image.height)
    scaled = image.convert("RGB").resize((math.ceil(image.width * scale), math.ceil(image.height * scale)),
                                         Image.Resampling.LANCZOS)
    left, top = (scaled.width - width) // 2, (scaled.height - height) // 2
    return np.asarray(scaled.crop((left, top, left + width, top + height)))


def _multiple(value: int, multiple: int) -> int:
    return max(multiple, round(value / multiple) * multiple)
