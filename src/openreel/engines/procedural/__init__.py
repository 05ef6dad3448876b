"""The built-in procedural engine: a deterministic CPU renderer of layered 2.5D scenes.

It reads the prompt for setting, time of day, weather, palette and camera move and renders that
scene with parallax; it is not an AI model and says so wherever it is listed, and it says which
of the prompt's concepts it drew and which it could not (concepts.py).
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
from PIL import Image

from openreel.domain.concepts import ConceptAccount
from openreel.domain.request import FPS, GenerationRequest, ReferenceType, ResizeMode
from openreel.engines.base import Clip, RunContext, Sample, SamplesOnDemand
from openreel.engines.capabilities import Capabilities
from openreel.engines.procedural.audio import ambient
from openreel.engines.procedural.concepts import concept_account
from openreel.engines.procedural.options import SHORTEST_CLIP_SECONDS, ProceduralOptions
from openreel.engines.procedural.render import RAIN_ONSET_SECONDS, Shot, ShotInputs
from openreel.engines.procedural.scene import SceneDescription, describe, enhanced_prompt
from openreel.media.images import fit_image
from openreel.media.probe import last_frame

DEFAULT_TEMPERATURE = 0.5


class ProceduralEngine:
    name = "procedural"
    trained_model = False  # it draws by rule: its content credentials say algorithmicMedia
    description = ("openreel's built-in procedural renderer: layered 2.5D scenes drawn from the "
                   "prompt on the CPU. Deterministic, not an AI model.")
    max_concurrent_jobs = None

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = ProceduralOptions.parse(options)

    def capabilities(self) -> Capabilities:
        # Every size and input the Veo API has, and any whole number of seconds up to its longest
        # clip; the catalog narrows them.
        return Capabilities(durations=tuple(range(SHORTEST_CLIP_SECONDS, self.options.longest_clip_seconds + 1)))

    def load(self) -> None:
        pass  # nothing to load: it draws with numpy

    def close(self) -> None:
        pass

    def enhance_prompt(self, request: GenerationRequest) -> str:
        return enhanced_prompt(request.prompt, describe(request.prompt, request.negative_prompt))

    def generate(self, request: GenerationRequest, ctx: RunContext) -> Sequence[Sample]:
        # Each sample is drawn when the worker reaches it, and renders while the worker encodes it.
        return SamplesOnDemand(request.sample_count, lambda index: self._sample(request, index, ctx))

    def concepts(self, request: GenerationRequest) -> ConceptAccount:
        """The concepts of the caller's prompt that the drawn scene shows, and those it cannot."""
        animates_image = request.image is not None or request.video is not None
        return concept_account(request.prompt, self._scene(request), animates_image)

    def _scene(self, request: GenerationRequest) -> SceneDescription:
        prompt = self.enhance_prompt(request) if request.enhance_prompt else request.prompt
        return _with_style(describe(prompt, request.negative_prompt), request)

    def _sample(self, request: GenerationRequest, sample_index: int, ctx: RunContext) -> Clip:
        scene = self._scene(request)
        rng = np.random.default_rng(request.sample_seed(sample_index))
        temperature = DEFAULT_TEMPERATURE if request.temperature is None else request.temperature
        energy = 0.5 + temperature
        width, height = request.size
        inputs = _shot_inputs(request, (width, height))
        flashes = _lightning_flashes(scene, request.duration_seconds, rng)
        shot = Shot(scene, (width, height), request.frame_count, request.fps, energy, rng, inputs, flashes)
        audio = None
        if request.generate_audio:
            # Sound follows what is on screen: thunder trails each flash as sound lags light, and
            # rain fades in with the picture's rain when a still image comes to life.
            thunder = tuple(f + float(rng.uniform(0.3, 1.2)) for f in flashes)
            onset = RAIN_ONSET_SECONDS if inputs.first_frame is not None else 0.0
            audio = ambient(scene, request.duration_seconds, rng, rain_onset=onset, thunder_at=thunder)
        return Clip(width=width, height=height, fps=request.fps, frame_count=request.frame_count,
                    frames=_reporting(shot.frames(), request, sample_index, ctx), audio=audio)


def _lightning_flashes(scene: SceneDescription, seconds: int, rng: np.random.Generator) -> tuple[float, ...]:
    if not scene.lightning:
        return ()
    count = 1 + int(rng.integers(0, 2))
    # On a frame boundary, so the brightest moment of each flash is a frame the viewer sees.
    return tuple(sorted(round(float(t) * FPS) / FPS for t in rng.uniform(0.5, seconds - 2.0, count)))


def _reporting(frames: Iterator[np.ndarray], request: GenerationRequest, sample_index: int,
               ctx: RunContext) -> Iterator[np.ndarray]:
    total, samples = request.frame_count, request.sample_count
    which = f"video {sample_index + 1} of {samples}, " if samples > 1 else ""
    for index, frame in enumerate(frames):
        ctx.raise_if_cancelled()
        yield frame
        ctx.report((sample_index * total + index + 1) / (samples * total),
                   f"rendering {which}frame {index + 1} of {total}")


def _open(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def _shot_inputs(request: GenerationRequest, size: tuple[int, int]) -> ShotInputs:
    crop = request.resize_mode is ResizeMode.CROP
    first = None
    if request.image is not None:
        first = fit_image(_open(request.image.content), size, crop)
    elif request.video is not None and request.video.data is not None:
        # Extension: the new clip starts where the given clip ends.
        first = fit_image(Image.fromarray(last_frame(request.video.data)), size, crop)
    last = fit_image(_open(request.last_frame.content), size, crop) if request.last_frame else None
    assets = tuple(_open(ref.image.content) for ref in request.reference_images
                   if ref.reference_type is ReferenceType.ASSET)
    return ShotInputs(first_frame=first, last_frame=last, assets=assets)


def _with_style(scene: SceneDescription, request: GenerationRequest) -> SceneDescription:
    """Style reference images set the palette: grade toward their average colour."""
    styles = [ref for ref in request.reference_images if ref.reference_type is ReferenceType.STYLE]
    if not styles:
        return scene
    means = [np.asarray(_open(ref.image.content).convert("RGB").resize((32, 32)), dtype=np.float64)
             .reshape(-1, 3).mean(axis=0) / 255 for ref in styles]
    tint = np.mean(means, axis=0) / max(float(np.mean(means)), 1e-3) * 0.6
    # A textured style image (photographic grain, halftone...) asks for grain too.
    grainy = any(_fine_texture(_open(ref.image.content)) > 6.0 for ref in styles)
    return replace(scene, tint=(float(tint[0]), float(tint[1]), float(tint[2])), tint_strength=0.35,
                   film_grain=scene.film_grain or grainy)


def _fine_texture(image: Image.Image) -> float:
    """Mean absolute difference between neighbouring pixels of the grey image at 256 px."""
    grey = np.asarray(image.convert("L").resize((256, 256)), dtype=np.float32)
    return float(np.abs(np.diff(grey, axis=1)).mean())
