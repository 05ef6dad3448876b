"""Counting each finished operation once: a hook the store calls after the transaction that
finished it commits (SqlStore.finished_hooks), in whichever process finished it (a worker's
completion, an API replica's cancel, a sweeper's giving up). The usage record written in that
transaction gives the engine and the cost, exactly as billed."""

from __future__ import annotations

from datetime import datetime

from openreel.domain.operation import Operation, OperationState
from openreel.engines.catalog import Catalog
from openreel.errors import NotFound
from openreel.observability.metrics import Metrics

MICROS_PER_USD = 1_000_000


def outcome_label(op: Operation) -> str:
    """succeeded, failed, cancelled, or filtered: a success whose every video was withheld."""
    if op.state is OperationState.SUCCEEDED:
        return "filtered" if op.rai_filtered_reasons and not op.videos else "succeeded"
    return op.state.value.lower()


class OutcomeMetrics:
    def __init__(self, metrics: Metrics, catalog: Catalog) -> None:
        self.metrics, self.catalog = metrics, catalog

    def __call__(self, op: Operation) -> None:
        m, model = self.metrics, op.model
        engine = op.usage.engine if op.usage is not None else self._engine(model)
        m.operations.labels(model, engine, op.project, outcome_label(op)).inc()
        if op.started_at is not None:  # it was claimed (the last claim, for a retried one)
            m.stage_seconds.labels("queue", model).observe(_seconds(op.created_at, op.started_at))
        if op.state is OperationState.SUCCEEDED and op.finished_at is not None:
            m.stage_seconds.labels("total", model).observe(_seconds(op.created_at, op.finished_at))
        if op.rai_filtered_reasons:
            m.samples_filtered.labels(model).inc(len(op.rai_filtered_reasons))
        usage = op.usage
        if usage is None:
            return
        cost = usage.cost_micros / MICROS_PER_USD
        m.cost.labels(model).inc(cost)
        if usage.samples:
            m.videos.labels(model).inc(usage.samples)
            m.video_seconds.labels(model).inc(usage.video_seconds)
            for _ in range(usage.samples):
                m.video_cost.labels(model).observe(cost / usage.samples)

    def _engine(self, model: str) -> str:
        try:
            return self.catalog.get(model).engine
        except NotFound:  # the model left the catalog while the operation ran
            return "unknown"


def _seconds(start: datetime, end: datetime) -> float:
    return max(0.0, (end - start).total_seconds())
