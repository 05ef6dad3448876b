"""The Prometheus metrics of one process, from prometheus-client.

Each Runtime owns one registry. A process serves its own registry: the API at /metrics, an
`openreel worker` on its --metrics-port. Prometheus scrapes every process and sums across them
(docs/monitoring.md), which works across machines, where prometheus-client's multiprocess mode
(one host, a shared folder) would not. Counters are counted where the event happens, once:
submissions and refusals at the API, outcomes after the transaction that finished the operation
commits (observability/outcomes.py), stage times and step times in the worker that ran the job.
Gauges of shared state (queue depth, quota use) are read from the database at scrape time
(observability/cluster.py): every process reports the same value, so take max, not sum.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.registry import Collector

# Video jobs take from about a second (a short procedural clip) to a quarter of an hour (a large
# open model at 1080p); encode and upload stages take fractions of a second. P50/P95/P99 come from
# these buckets with histogram_quantile().
STAGE_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 300,
                 420, 600, 900, 1200, 1800)
STEP_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30)
COST_BUCKETS = (0.0, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10)

STAGES = ("queue", "generate", "encode", "upload", "total")
OUTCOMES = ("succeeded", "failed", "cancelled", "filtered")
# Series that exist at 0 from the start: Prometheus' rate() and increase() miss the first count of
# a series that appears with it, so a process's first webhook given up (or first safety block)
# would never show on a dashboard or fire an alert.
ERROR_CATEGORIES = ("invalid_argument", "quota", "permission", "unauthenticated", "safety", "deadline", "engine",
                    "storage", "database", "upstream", "worker_lost", "webhook")
REJECTION_REASONS = ("invalid_argument", "resource_exhausted", "unauthenticated", "permission_denied", "safety")
WEBHOOK_OUTCOMES = ("delivered", "retrying", "gave_up")


class Metrics:
    """The metric families and the calls that record them. Label values are bounded by the
    catalog (models, engines), the projects and fixed vocabularies (reasons, categories)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.submitted = Counter("openreel_operations_submitted", "Operations admitted and queued.",
                                 ["model", "engine", "project"], registry=r)
        self.operations = Counter("openreel_operations", "Operations finished, by outcome: filtered is a "
                                  "success whose every video the output safety filter withheld.",
                                  ["model", "engine", "project", "state"], registry=r)
        self.rejected = Counter("openreel_requests_rejected", "Requests the API refused, by google.rpc "
                                "reason (safety: a prompt blocked by the safety filter).", ["reason"], registry=r)
        self.errors = Counter("openreel_errors", "Errors by class: refused requests (invalid_argument, quota, "
                              "permission, unauthenticated, safety) and failed work (deadline, engine, "
                              "storage, database, upstream, worker_lost, webhook).", ["category"], registry=r)
        self.stage_seconds = Histogram("openreel_operation_seconds", "Time per stage of an operation: queue "
                                       "(created to claimed), generate, encode, upload, total (created to "
                                       "finished, succeeded operations).", ["stage", "model"],
                                       buckets=STAGE_BUCKETS, registry=r)
        self.step_seconds = Histogram("openreel_engine_step_seconds", "Time between an engine's progress "
                                      "reports that moved it on while generating (a denoising step).",
                                      ["model"], buckets=STEP_BUCKETS, registry=r)
        self.cost = Counter("openreel_cost_usd", "What finished operations cost, from the price table.",
                            ["model"], registry=r)
        self.video_cost = Histogram("openreel_video_cost_usd", "Cost per delivered video.", ["model"],
                                    buckets=COST_BUCKETS, registry=r)
        self.videos = Counter("openreel_videos_delivered", "Videos delivered.", ["model"], registry=r)
        self.video_seconds = Counter("openreel_video_seconds_delivered", "Seconds of video delivered.",
                                     ["model"], registry=r)
        self.samples_filtered = Counter("openreel_samples_filtered", "Videos the output safety filter withheld.",
                                        ["model"], registry=r)
        self.workers = Gauge("openreel_workers", "This process's worker threads, busy or idle.", ["state"],
                             registry=r)
        self.webhook_deliveries = Counter("openreel_webhook_deliveries", "Webhook delivery attempts by outcome.",
                                          ["outcome"], registry=r)
        self.safety_decisions = Counter("openreel_safety_decisions", "What the safety filter found, by stage "
                                        "(prompt, input image, output frames), category and action: block "
                                        "(refused, or a video withheld) or review (let through, logged).",
                                        ["stage", "category", "action"], registry=r)
        for family, values in ((self.workers, ("busy", "idle")), (self.errors, ERROR_CATEGORIES),
                               (self.rejected, REJECTION_REASONS), (self.webhook_deliveries, WEBHOOK_OUTCOMES)):
            for value in values:
                family.labels(value)

    def add_collector(self, collector: Collector) -> None:
        self.registry.register(collector)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)

    # -- recording ---------------------------------------------------------------------------

    def reject(self, reason: str, category: str = "") -> None:
        """A request the API refused: by its reason (its google.rpc status, or "safety";
        OpenreelError.metric_reason names it), and by its error class (by default the reason;
        OpenreelError.metric_category names it)."""
        self.rejected.labels(reason.lower()).inc()
        self.errors.labels(category or reason.lower()).inc()

    def expect_safety_decisions(self, stages: Iterable[str], categories: Iterable[str], actions: Iterable[str]) -> None:
        """Make the safety filter's series exist at 0 (its vocabulary is the filter's own: safety/categories.py)."""
        for stage, category, action in itertools.product(stages, categories, actions):
            self.safety_decisions.labels(stage, category, action)

    def expect_outcomes(self, model: str, engine: str, project: str) -> None:
        """Make the outcome series of work this process takes on exist at 0 (see ERROR_CATEGORIES)."""
        for state in OUTCOMES:
            self.operations.labels(model, engine, project, state)

    def error(self, category: str, count: int = 1) -> None:
        self.errors.labels(category).inc(count)

    def add_workers(self, count: int) -> None:
        """Threads that run jobs were started (the embedded pool, a Celery consumer's pool)."""
        self.workers.labels("idle").inc(count)

    @contextmanager
    def busy(self) -> Iterator[None]:
        """A worker thread is running a job for the duration."""
        self.workers.labels("idle").dec()
        self.workers.labels("busy").inc()
        try:
            yield
        finally:
            self.workers.labels("busy").dec()
            self.workers.labels("idle").inc()

