"""Gauges of the deployment's shared state, read from the database when Prometheus scrapes: queue
depth, the age of the oldest queued operation, and quota use per project. The database is the
authority on them, so every process reports the same values (aggregate with max, not sum)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SharedState:
    queued: list[tuple[str, int, datetime]]  # per model, due to run: how many, the oldest's creation
    deferred: int  # queued but waiting on purpose until later (a remote API's limits)
    quota: dict[tuple[str, str], float]  # (project, limit name): share used
    now: datetime


class SharedStateCollector(Collector):
    """read_state() is the database query; when it fails the scrape still answers, with
    openreel_shared_state_up 0 in place of these gauges. What it read is reused for `max_age`
    seconds, so scrapers (several Prometheus replicas, `openreel stats`) cost the database at most
    one read per interval however often they come."""

    def __init__(self, read_state: Callable[[], SharedState], models: Callable[[], Iterable[str]],
                 max_age: float = 5.0) -> None:
        self.read_state, self.models, self.max_age = read_state, models, max_age
        self._lock = threading.Lock()
        self._last: tuple[float, SharedState] | None = None

    def describe(self) -> list[Metric]:
        return []  # so that registering it does not read the database (the registry would collect)

    def _state(self) -> SharedState:
        with self._lock:  # one reader at a time; the others then take what it read
            if self._last is None or time.monotonic() - self._last[0] > self.max_age:
                self._last = (time.monotonic(), self.read_state())
            return self._last[1]

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("openreel_shared_state_up", "Whether the database answered this scrape's "
                               "queue and quota queries.")
        try:
            state = self._state()
        except Exception as exc:
            log.warning("metrics: the queue and quota gauges cannot be read (%s)", exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        depth = GaugeMetricFamily("openreel_queue_depth", "Operations queued and due to run, all models.")
        depth.add_metric([], sum(count for _, count, _ in state.queued))
        yield depth
        by_model = GaugeMetricFamily("openreel_queued_operations", "Operations queued, by model.",
                                     labels=["model"])
        counts = {model: count for model, count, _ in state.queued}
        for model in sorted(set(self.models()) | counts.keys()):
            by_model.add_metric([model], counts.get(model, 0))
        yield by_model
        oldest = GaugeMetricFamily("openreel_queue_oldest_age_seconds", "How long the oldest queued "
                                   "operation has waited (0: none is queued).")
        ages = [(state.now - created).total_seconds() for _, _, created in state.queued]
        oldest.add_metric([], max([0.0, *ages]))
        yield oldest
        deferred = GaugeMetricFamily("openreel_deferred_operations", "Operations queued but deferred until "
                                     "later, waiting for a remote API's limits (not counted in the depth).")
        deferred.add_metric([], state.deferred)
        yield deferred
        quota = GaugeMetricFamily("openreel_quota_utilization_ratio", "Share of a limit used, per project: "
                                  "the highest among the project's keys that are in use.", labels=["project", "limit"])
        for (project, limit), ratio in sorted(state.quota.items()):
            quota.add_metric([project, limit], ratio)
        yield quota
