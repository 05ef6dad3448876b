"""AudioFeed: a clip's audio whose samples arrive while its video is still being made.

A video built from several engine calls (a long video's segments, a storyboard's scenes) learns
each part's sound only when that part is generated, yet its encoder interleaves audio with the
frames from the first one. The feed knows the whole track's length up front and hands the encoder
what has arrived so far; parts append in order from the thread that draws the frames.
"""

from __future__ import annotations

import threading

import numpy as np


class AudioFeed:
    def __init__(self, length: int) -> None:
        self.length = length  # samples per channel in the finished track
        self._chunks: list[np.ndarray] = []
        self._available = 0
        self._lock = threading.Lock()

    @property
    def available(self) -> int:
        """How many samples (per channel) have arrived."""
        return self._available

    def append(self, samples: np.ndarray) -> None:
        """Add the next (2, n) float32 samples; whatever would run past `length` is dropped."""
        with self._lock:
            room = self.length - self._available
            chunk = np.ascontiguousarray(samples[:, :room], dtype=np.float32)
            if chunk.shape[1]:
                self._chunks.append(chunk)
                self._available += chunk.shape[1]

    def tail(self, count: int) -> np.ndarray:
        """The last `count` samples that arrived (fewer when fewer did)."""
        with self._lock:
            merged = np.concatenate(self._chunks, axis=1) if self._chunks else np.zeros((2, 0), np.float32)
            self._chunks = [merged]
            return merged[:, max(0, merged.shape[1] - count):]

    def read(self, start: int, end: int) -> np.ndarray:
        """Samples [start, end); they must have arrived."""
        if end > self._available:
            raise ValueError(f"audio samples up to {end} were read before they arrived ({self._available})")
        with self._lock:
            merged = np.concatenate(self._chunks, axis=1) if len(self._chunks) > 1 else self._chunks[0]
            self._chunks = [merged]
            return merged[:, start:end]
