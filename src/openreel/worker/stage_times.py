"""How long one run spent in each stage (generate, encode, upload), and the time between the
engine's progress reports while it generated (its step time), for the metrics."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from openreel.observability.tracing import span


class StageTimes:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.steps: list[float] = []
        self._stage: str | None = None
        self._last_report: float | None = None
        self._last_fraction = 0.0

    @contextmanager
    def timing(self, stage: str) -> Iterator[None]:
        """Add the time spent inside to `stage` (a stage entered again, per sample, adds up)."""
        outer, self._stage = self._stage, stage
        started = time.monotonic()
        self._last_report, self._last_fraction = None, 0.0
        try:
            # A stage's span has the same bounds as its timing: one place draws both.
            with span(f"openreel.{stage}"):
                yield
        finally:
            self.seconds[stage] = self.seconds.get(stage, 0.0) + time.monotonic() - started
            self._stage = outer

    def reported(self, fraction: float) -> None:
        """An engine reported progress. While it generates, the time since its previous report is
        one step when the progress moved on (a denoising step; a report that only says it still
        waits moves nothing). The first step also holds what came before it (text encoding)."""
        if self._stage != "generate":
            return
        now = time.monotonic()
        if self._last_report is not None and fraction > self._last_fraction:
            self.steps.append(now - self._last_report)
        self._last_report, self._last_fraction = now, fraction
