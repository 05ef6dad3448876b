"""Storyboards: one engine call per scene, joined into one video with a cut or a dissolve where
each scene begins, every boundary on the frame the scene durations put it.

The scenes share the request's settings (size, seed, audio, reference images), so an engine that
draws from the seed and the references keeps one look across them. A scene longer than the
engine's clips is itself made of segments (long_video.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from openreel.domain.request import GenerationRequest
from openreel.domain.storyboard import Scene, Transition
from openreel.engines.base import RunContext
from openreel.media.encode import AUDIO_RATE
from openreel.sequence.join import Part
from openreel.sequence.long_video import SegmentedEngine, engine_calls, needs_segments
from openreel.sequence.parts import JoinedVideo, PartContext, part_of

# A dissolve blends this many frames of each scene: half a second in all at 24 fps.
DISSOLVE_HALF_FRAMES = 6


class StoryboardEngine(JoinedVideo):
    """Makes a storyboard's video from `engine`'s clips, one per scene."""

    def seams(self, request: GenerationRequest) -> list[int]:
        seams: list[int] = []
        for number, scene in enumerate(request.scenes):
            if number:
                seams.append(DISSOLVE_HALF_FRAMES if scene.transition is Transition.DISSOLVE else 0)
            seams += [0] * (engine_calls(self.engine.capabilities().durations, scene_request(request, scene, 0)) - 1)
        return seams

    def parts(self, request: GenerationRequest, index: int, ctx: RunContext) -> Iterator[Part]:
        total = request.sample_count * request.duration_seconds
        done = index * request.duration_seconds
        which = f"video {index + 1} of {request.sample_count}, " if request.sample_count > 1 else ""
        for number, scene in enumerate(request.scenes):
            shot = scene_request(request, scene, index)
            part_ctx = PartContext(ctx, done / total, scene.duration_seconds / total,
                                   f"{which}scene {number + 1} of {len(request.scenes)}",
                                   ctx.scratch_dir / f"scene-{index}-{number}")
            if needs_segments(self.engine, shot):  # a scene longer than the engine's clips: its segments
                yield from SegmentedEngine(self.engine).parts(shot, 0, part_ctx)
            else:
                yield part_of(self.engine.generate(shot, part_ctx)[0], shot, AUDIO_RATE // request.fps)
            part_ctx.discard()
            done += scene.duration_seconds


def scene_request(request: GenerationRequest, scene: Scene, index: int) -> GenerationRequest:
    """One scene as a single-shot request: its prompt and length, the storyboard's settings, and
    the same seed for every scene, so what the seed decides (a palette, a subject) holds across them."""
    return replace(request, prompt=scene.engine_prompt, duration_seconds=scene.duration_seconds, scenes=(),
                   sample_count=1, seed=request.sample_seed(index),
                   reference_images=request.reference_images + scene.reference_images)
