"""What one engine call's sample becomes inside a joined video, and the context that call runs in."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

import numpy as np

from openreel.domain.remote_limits import RemoteAdmission, RemoteLimits
from openreel.domain.request import GenerationRequest
from openreel.engines.base import EncodedVideo, FilteredOut, RunContext, Sample, SampleWithheld
from openreel.media.decode import decoded_audio, decoded_frames
from openreel.sequence.join import Part


def part_of(sample: Sample, request: GenerationRequest, samples_per_frame: int, skip: int = 0) -> Part:
    """`sample`, made for `request`, as a Part without its first `skip` frames (and their sound).
    A withheld sample withholds the whole video it was to be part of."""
    if isinstance(sample, FilteredOut):
        raise SampleWithheld(sample.reason)
    if isinstance(sample, EncodedVideo):
        frames: Iterator[np.ndarray] = decoded_frames(sample.path)
        audio = decoded_audio(sample.path, request.duration_seconds) if request.generate_audio else None
        count = request.frame_count
    else:
        frames, count = sample.frames, sample.frame_count
        audio = sample.audio if isinstance(sample.audio, np.ndarray) else None
    if audio is not None:
        audio = audio[:, skip * samples_per_frame:]
    return Part(frames=islice(frames, skip, None), frame_count=count - skip, audio=audio)


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
