"""Backoff: growing, jittered waits for threads that retry after a transient failure."""

from __future__ import annotations

import random


class Backoff:
    def __init__(self, first: float = 0.2, factor: float = 2.0, cap: float = 5.0) -> None:
        self.first, self.factor, self.cap = first, factor, cap
        self._next = first

    def next_delay(self) -> float:
        """The wait before the next try: doubling up to the cap, with jitter so that many
        workers recovering at once don't retry in lockstep."""
        delay = self._next * random.uniform(0.5, 1.0)
        self._next = min(self._next * self.factor, self.cap)
        return delay

    def reset(self) -> None:
        self._next = self.first
