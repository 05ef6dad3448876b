"""The built-in procedural engine: a deterministic CPU renderer of layered 2.5D scenes.

It reads the prompt for setting, time of day, weather, palette and camera move and renders that
scene with parallax; it is not an AI model and says so wherever it is listed.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import numpy as np
from PIL import Image

from openreel.domain.request import GenerationRequest, ReferenceType, ResizeMode
from openreel.engines.base import Clip, RenderContext
from openreel.engines.procedural.audio import ambient
from openreel.engines.procedural.render import Shot, ShotInputs
from openreel.engines.procedural.scene import SceneDescription, describe, enhanced_prompt
from openreel.media.images import fit_image
from openreel.media.probe import last_frame

DEFAULT_TEMPERATURE = 0.5


class ProceduralEngine:
    name = "procedural"
    description = ("openreel's built-in procedural renderer: layered 2.5D scenes drawn from the "
                   "prompt on the CPU. Deterministic, not an AI model.")

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options

    def enhance_prompt(self, request: GenerationRequest) -> str:
        return enhanced_prompt(request.prompt, describe(request.prompt, request.negative_prompt))

    def generate(self, request: GenerationRequest, sample_index: int, ctx: RenderContext) -> Clip:
        prompt = self.enhance_prompt(request) if request.enhance_prompt else request.prompt
        scene = _with_style(describe(prompt, request.negative_prompt), request)
        rng = np.random.default_rng(request.sample_seed(sample_index))
        temperature = DEFAULT_TEMPERATURE if request.temperature is None else request.temperature
        energy = 0.5 + temperature
        width, height = request.size
        shot = Shot(scene, (width, height), request.frame_count, request.fps, energy, rng,
                    _shot_inputs(request, (width, height)))
        audio = ambient(scene, request.duration_seconds, rng) if request.generate_audio else None
        return Clip(width=width, height=height, fps=request.fps, frame_count=request.frame_count,
                    frames=_reporting(shot.frames(), request.frame_count, ctx), audio=audio)


def _reporting(frames: Iterator[np.ndarray], total: int, ctx: RenderContext) -> Iterator[np.ndarray]:
    for index, frame in enumerate(frames):
        ctx.raise_if_cancelled()
        yield frame
        ctx.report(index + 1, total)


def _open(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def _shot_inputs(request: GenerationRequest, size: tuple[int, int]) -> ShotInputs:
    crop = request.resize_mode is ResizeMode.CROP
    first = None
    if request.image is not None:
        first = fit_image(_open(request.image.data), size, crop)
    elif request.video is not None and request.video.data is not None:
        # Extension: the new clip starts where the given clip ends.
        first = fit_image(Image.fromarray(last_frame(request.video.data)), size, crop)
    last = fit_image(_open(request.last_frame.data), size, crop) if request.last_frame else None
    assets = tuple(_open(ref.image.data) for ref in request.reference_images
                   if ref.reference_type is ReferenceType.ASSET)
    return ShotInputs(first_frame=first, last_frame=last, assets=assets)


def _with_style(scene: SceneDescription, request: GenerationRequest) -> SceneDescription:
    """Style reference images set the palette: grade toward their average colour."""
    styles = [ref for ref in request.reference_images if ref.reference_type is ReferenceType.STYLE]
    if not styles:
        return scene
    means = [np.asarray(_open(ref.image.data).convert("RGB").resize((32, 32)), dtype=np.float64)
             .reshape(-1, 3).mean(axis=0) / 255 for ref in styles]
    tint = np.mean(means, axis=0) / max(float(np.mean(means)), 1e-3) * 0.6
    return replace(scene, tint=(float(tint[0]), float(tint[1]), float(tint[2])), tint_strength=0.35)
