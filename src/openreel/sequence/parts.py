"""What one engine call's sample becomes inside a joined video, the context that call runs in, and
JoinedVideo: the shape every joined video's samples share (long videos, storyboards)."""

from __future__ import annotations

import shutil
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from itertools import islice
from pathlib import Path

import numpy as np

from openreel.domain.remote_limits import RemoteAdmission, RemoteLimits
from openreel.domain.request import GenerationRequest
from openreel.engines.base import (Clip, EncodedVideo, Engine, FilteredOut, RunContext, Sample, SamplesOnDemand,
                                   SampleWithheld)
from openreel.media.audio_feed import AudioFeed
from openreel.media.decode import decoded_audio, decoded_frames
from openreel.media.encode import AUDIO_RATE
from openreel.sequence.join import Joiner, Part


class JoinedVideo(ABC):
    """Makes each sample of a request as one clip joined from parts, each an engine call: the
    worker then encodes, screens and signs it like any other sample (a SampleMaker)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def generate(self, request: GenerationRequest, ctx: RunContext) -> Sequence[Sample]:
        return SamplesOnDemand(request.sample_count, lambda index: self._sample(request, index, ctx))

    @abstractmethod
    def seams(self, request: GenerationRequest) -> list[int]:
        """Each seam's dissolve half-width in frames (0: a cut), between part k and part k + 1."""

    @abstractmethod
    def parts(self, request: GenerationRequest, index: int, ctx: RunContext) -> Iterator[Part]:
        """Sample `index`'s parts, made one at a time as the joined frames reach them."""

    def _sample(self, request: GenerationRequest, index: int, ctx: RunContext) -> Clip:
        width, height = request.size
        per_frame = AUDIO_RATE // request.fps
        feed = AudioFeed(request.frame_count * per_frame) if request.generate_audio else None
        frames = Joiner(self.seams(request), per_frame, feed).frames(self.parts(request, index, ctx))
        # The last part may run past the end (a segment cut short): the video stops on its length.
        return Clip(width=width, height=height, fps=request.fps, frame_count=request.frame_count,
                    frames=islice(frames, request.frame_count), audio=feed)


def part_of(sample: Sample, request: GenerationRequest, samples_per_frame: int, skip: int = 0,
            drop_end: int = 0) -> Part:
    """`sample`, made for `request`, as a Part without its first `skip` frames and its last
    `drop_end` (and their sound). A withheld sample withholds the whole video it was to be part of."""
    if isinstance(sample, FilteredOut):
        raise SampleWithheld(sample.reason)
    if isinstance(sample, EncodedVideo):
        frames: Iterator[np.ndarray] = decoded_frames(sample.path)
        audio = decoded_audio(sample.path, request.duration_seconds) if request.generate_audio else None
        count = request.frame_count
    else:
        frames, count = sample.frames, sample.frame_count
        audio = sample.audio if isinstance(sample.audio, np.ndarray) else None
    kept = count - skip - drop_end
    if audio is not None:
        audio = audio[:, skip * samples_per_frame:(skip + kept) * samples_per_frame]
    return Part(frames=islice(frames, skip, skip + kept), frame_count=kept, audio=audio)


class PartContext:
    """The RunContext one engine call of a joined video runs in: its progress is a share of the
    whole job's, it writes in a folder of its own, and it keeps no state to resume from (a long
    video's segments are made again after a restart)."""

    def __init__(self, outer: RunContext, start: float, share: float, label: str, folder: Path) -> None:
        self.outer, self.start, self.share, self.label = outer, start, share, label
        self.folder = folder

    @property
    def scratch_dir(self) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        return self.folder

    def report(self, fraction: float, phase: str) -> None:
        self.outer.report(self.start + self.share * min(max(fraction, 0.0), 1.0), f"{self.label}: {phase}")

    def raise_if_cancelled(self) -> None:
        self.outer.raise_if_cancelled()

    @property
    def saved_state(self) -> str | None:
        return None

    def save_state(self, state: str) -> None:
        pass

    def admit_remote_call(self, limits: RemoteLimits) -> RemoteAdmission:
        return self.outer.admit_remote_call(limits)

    def release_remote_calls(self) -> None:
        self.outer.release_remote_calls()

    def discard(self) -> None:
        """Remove what the call wrote, once its part has been drawn."""
        shutil.rmtree(self.folder, ignore_errors=True)
