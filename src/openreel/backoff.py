"""Backoff: growing, jittered waits for whatever retries after a transient failure (a worker
reaching the database, an engine calling a remote API that answered 429)."""

from __future__ import annotations

import random


def exponential_delay(retry: int, first: float, factor: float = 2.0, cap: float = 300.0) -> float:
    """The wait before retry number `retry` (0 for the first): doubling from `first` up to `cap`,
    with jitter so that many workers recovering at once don't retry in lockstep."""
    return min(first * factor ** min(retry, 64), cap) * random.uniform(0.5, 1.0)


class Backoff:
    """exponential_delay for one thread's run of failures: each call waits longer, reset() starts over."""

    def __init__(self, first: float = 0.2, factor: float = 2.0, cap: float = 5.0) -> None:
        self.first, self.factor, self.cap = first, factor, cap
        self._retry = 0

    def next_delay(self) -> float:
        delay = exponential_delay(self._retry, self.first, self.factor, self.cap)
        self._retry += 1
        return delay

    def reset(self) -> None:
        self._retry = 0
