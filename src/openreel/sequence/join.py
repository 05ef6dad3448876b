"""Join parts (the frames and sound of one engine call each) into one clip's frames and audio.

Parts arrive one at a time and are drawn lazily, so a minute of 1080p video never sits in memory.
At each seam the sound crossfades over a few milliseconds so it never clicks; a dissolve also
blends the pictures over `half_width` frames either side of the boundary, holding the outgoing
part's last frame and the incoming part's first, so every boundary stays on the frame it was
asked for and the whole keeps its exact length.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

import numpy as np

from openreel.media.audio_feed import AudioFeed

# A cut's sound crossfade: long enough to hide the jump between two waveforms, too short to hear.
CUT_FADE_SAMPLES = 480  # 10 ms at 48 kHz


@dataclass
class Part:
    """One engine call's output: `frame_count` frames and, for a clip with sound, exactly
    `frame_count` frames' worth of (2, n) float32 audio."""

    frames: Iterator[np.ndarray]
    frame_count: int
    audio: np.ndarray | None = None


class Joiner:
    """Joins parts with the given seams: `seams[k]` is the dissolve's half width in frames
    between part k and part k + 1 (0: a cut)."""

    def __init__(self, seams: list[int], samples_per_frame: int, feed: AudioFeed | None) -> None:
        self.seams, self.samples_per_frame, self.feed = seams, samples_per_frame, feed

    def frames(self, parts: Iterable[Part]) -> Iterator[np.ndarray]:
        held_frames: list[np.ndarray] = []  # the outgoing part's last frames, kept for a dissolve
        held_audio = np.zeros((2, 0), np.float32)  # its last samples, kept for the crossfade
        for index, part in enumerate(parts):
            frames, audio = iter(part.frames), self._audio(part)
            if index:
                half = self.seams[index - 1]
                head = [frame.copy() for frame in islice(frames, half)]
                fade = held_audio.shape[1]
                self._feed(_crossfade(held_audio, audio[:, :fade]))
                audio = audio[:, fade:]
                yield from _dissolve(held_frames, head)
            keep = self.seams[index] if index < len(self.seams) else 0
            fade = self._fade_samples(keep) if index < len(self.seams) else 0
            self._feed(audio[:, :audio.shape[1] - fade])
            held_audio = audio[:, audio.shape[1] - fade:]
            window: deque[np.ndarray] = deque()
            for frame in frames:
                if keep == 0:
                    yield frame
                    continue
                window.append(frame.copy())  # an engine may reuse one buffer for every frame
                if len(window) > keep:
                    yield window.popleft()
            held_frames = list(window)

    def _fade_samples(self, half_width: int) -> int:
        return max(half_width * self.samples_per_frame, CUT_FADE_SAMPLES)

    def _audio(self, part: Part) -> np.ndarray:
        if self.feed is None:
            return np.zeros((2, 0), np.float32)
        wanted = part.frame_count * self.samples_per_frame
        audio = part.audio if part.audio is not None else np.zeros((2, wanted), np.float32)
        return np.pad(audio, ((0, 0), (0, max(0, wanted - audio.shape[1]))))[:, :wanted]

    def _feed(self, samples: np.ndarray) -> None:
        if self.feed is not None and samples.shape[1]:
            self.feed.append(samples)


def _dissolve(outgoing: list[np.ndarray], incoming: list[np.ndarray]) -> Iterator[np.ndarray]:
    """The 2 * half frames around a boundary: each side held at its end beyond the boundary, the
    two mixed with a weight that climbs linearly across the window."""
    half = len(outgoing)
    if not half:
        yield from incoming
        return
    width = 2 * half
    before = outgoing + [outgoing[-1]] * half
    after = [incoming[0]] * half + incoming
    for index in range(width):
        weight = (index + 0.5) / width
        mixed = before[index].astype(np.float32) * (1 - weight) + after[index].astype(np.float32) * weight
        yield np.clip(mixed + 0.5, 0, 255).astype(np.uint8)


def _crossfade(outgoing: np.ndarray, incoming: np.ndarray) -> np.ndarray:
    """Replace the last n samples before a seam and the first n after it with a crossfade over
    all 2n: each side continues past its end by playing its own edge backwards, which meets the
    edge sample exactly, so neither side jumps."""
    n = min(outgoing.shape[1], incoming.shape[1])
    if n == 0:
        return np.concatenate([outgoing, incoming], axis=1)
    outgoing, incoming = outgoing[:, -n:], incoming[:, :n]
    before = np.concatenate([outgoing, outgoing[:, ::-1]], axis=1)
    after = np.concatenate([incoming[:, ::-1], incoming], axis=1)
    angle = (np.arange(2 * n, dtype=np.float32) + 0.5) / (2 * n) * (np.pi / 2)
    mixed: np.ndarray = (before * np.cos(angle) + after * np.sin(angle)).astype(np.float32)
    return mixed
