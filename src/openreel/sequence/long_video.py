"""Long videos on engines that make short clips: one clip after another, each continuing from the
last second of the one before (the engine's video extension), joined into one video.

Each later segment starts on the frame the one before ended on, so that frame is dropped, and
the first segment gives up the frames the plan makes too many (under a second), so the last one
plays whole and ends where asked (on a lastFrame): the video has exactly the frames asked for.
Segments run lazily, one at a time, while the worker encodes.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import replace

import numpy as np

from openreel.domain.request import GenerationRequest, VideoInput
from openreel.engines.base import Engine, RunContext
from openreel.media.encode import AUDIO_RATE, exact_rgb_mp4
from openreel.sequence.join import Part
from openreel.sequence.parts import JoinedVideo, PartContext, part_of

# How much of a segment the next one is given to continue from: Veo's extension takes a clip,
# and an engine that continues from the last frame alone reads only its end.
TAIL_SECONDS = 1
_SEGMENT_SEED_STEP = 0x632BE5AB


def engine_calls(clip_seconds: Sequence[int], request: GenerationRequest) -> int:
    """How many engine calls make the request: a scene or a long video's segments count one each."""
    shots = [scene.duration_seconds for scene in request.scenes] or [request.duration_seconds]
    return sum(1 if seconds in clip_seconds else len(segment_seconds(seconds * request.fps, clip_seconds, request.fps))
               for seconds in shots)


def needs_segments(engine: Engine, request: GenerationRequest) -> bool:
    """Whether the engine cannot make the request's length in one clip."""
    return request.duration_seconds not in engine.capabilities().durations


def segment_seconds(total_frames: int, clip_seconds: Sequence[int], fps: int) -> list[int]:
    """The segments' lengths in whole seconds: the longest clip the engine makes, until the
    shortest one that reaches the end will do. Every segment after the first gives one frame
    less (its first frame repeats the last one before it)."""
    choices = sorted(clip_seconds)
    plan: list[int] = []
    left = total_frames
    while left > 0:
        overlap = 1 if plan else 0
        seconds = next((s for s in choices if s * fps - overlap >= left), choices[-1])
        plan.append(seconds)
        left -= seconds * fps - overlap
    return plan


class SegmentedEngine(JoinedVideo):
    """Makes a request longer than `engine`'s clips from several of its clips."""

    def seams(self, request: GenerationRequest) -> list[int]:
        return [0] * (len(self._plan(request)) - 1)  # cuts: each segment continues the picture

    def _plan(self, request: GenerationRequest) -> list[int]:
        return segment_seconds(request.frame_count, self.engine.capabilities().durations, request.fps)

    def parts(self, request: GenerationRequest, index: int, ctx: RunContext) -> Iterator[Part]:
        plan = self._plan(request)
        surplus = sum(plan) * request.fps - (len(plan) - 1) - request.frame_count
        seed = request.sample_seed(index)
        tail: deque[np.ndarray] = deque(maxlen=TAIL_SECONDS * request.fps)
        done = index / request.sample_count
        share = 1 / (request.sample_count * len(plan))
        which = f"video {index + 1} of {request.sample_count}, " if request.sample_count > 1 else ""
        for number, seconds in enumerate(plan):
            last = number == len(plan) - 1
            continued = VideoInput(data=exact_rgb_mp4(list(tail), request.fps)) if number else request.video
            segment = replace(request, duration_seconds=seconds, sample_count=1,
                              seed=(seed + number * _SEGMENT_SEED_STEP) % 2**32,
                              image=None if number else request.image, video=continued,
                              last_frame=request.last_frame if last else None)
            part_ctx = PartContext(ctx, done + number * share, share, f"{which}segment {number + 1} of {len(plan)}",
                                   ctx.scratch_dir / f"segment-{index}-{number}")
            sample = self.engine.generate(segment, part_ctx)[0]
            part = part_of(sample, segment, AUDIO_RATE // request.fps, skip=1 if number else 0,
                           drop_end=0 if number else surplus)
            frames = part.frames if last else _remembering(part.frames, part.frame_count, tail)
            yield Part(frames=frames, frame_count=part.frame_count, audio=part.audio)
            part_ctx.discard()


def _remembering(frames: Iterator[np.ndarray], count: int, tail: deque[np.ndarray]) -> Iterator[np.ndarray]:
    """The frames, with copies of the last ones kept in `tail` (an engine may reuse its buffer)."""
    first_kept = count - (tail.maxlen or 0)
    for number, frame in enumerate(frames):
        if number >= first_kept:
            tail.append(frame.copy())
        yield frame
