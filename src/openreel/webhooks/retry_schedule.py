"""When to try a failed webhook delivery again: a fixed table of growing delays with jitter.

The default (Settings.webhook_retry_seconds: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h) gives up after
eight attempts spread over more than a day, even when every delay draws the shortest jitter, so a
receiver that is down for a day still gets every event.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class RetrySchedule:
    """`delays[n - 1]` is the wait after the n-th failed attempt; each is scaled by a random factor
    in [1 - jitter, 1 + jitter] so that receivers that failed together are not retried together."""

    delays: tuple[timedelta, ...]
    jitter: float = 0.2

    @classmethod
    def from_seconds(cls, seconds: Sequence[float], jitter: float = 0.2) -> RetrySchedule:
        """The schedule of Settings.webhook_retry_seconds."""
        return cls([timedelta(seconds=s) for s in seconds], jitter)

    def __init__(self, delays: Sequence[timedelta], jitter: float = 0.2) -> None:
        if not 0 <= jitter < 1:
            raise ValueError(f"jitter must be in [0, 1), got {jitter}")
        if any(delay < timedelta(0) for delay in delays):
            raise ValueError("retry delays must not be negative")
        object.__setattr__(self, "delays", tuple(delays))
        object.__setattr__(self, "jitter", jitter)

    @property
    def max_attempts(self) -> int:
        """Attempts in all: the first one plus one per delay."""
        return len(self.delays) + 1

    @property
    def shortest_span(self) -> timedelta:
        """The least time from the first attempt to the last, with every delay jittered down."""
        return sum(self.delays, timedelta(0)) * (1 - self.jitter)

    def next_delay(self, failed_attempts: int, rng: random.Random | None = None) -> timedelta | None:
        """The wait before the next attempt after `failed_attempts` (>= 1) failures, or None once
        the schedule is spent and the delivery has failed for good."""
        if failed_attempts < 1:
            raise ValueError(f"failed_attempts must be at least 1, got {failed_attempts}")
        if failed_attempts > len(self.delays):
            return None
        factor = (rng or random).uniform(1 - self.jitter, 1 + self.jitter)
        return self.delays[failed_attempts - 1] * factor
