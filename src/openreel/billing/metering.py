"""Metering: the Usage record of a finished operation, priced from the table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from openreel.billing.pricing import PriceTable
from openreel.domain.operation import Operation, OperationState
from openreel.domain.usage import Usage
from openreel.engines.catalog import Catalog
from openreel.errors import NotFound
from openreel.store.usage import insert_usage


def _ms(start: datetime | None, end: datetime | None) -> int:
    if start is None or end is None:
        return 0
    return max(0, int((end - start).total_seconds() * 1000))


def usage_of(op: Operation, engine: str, prices: PriceTable) -> Usage:
    """What the operation delivered and cost: only delivered videos count, so a failed or
    cancelled operation (or a filtered sample) costs nothing."""
    request = op.request
    delivered = len(op.videos) if op.state is OperationState.SUCCEEDED else 0
    finished = op.finished_at or op.updated_at
    return Usage(
        operation_id=op.id, project=op.project, api_key_id=op.api_key_id, model=op.model, engine=engine,
        state=op.state.value, resolution=request.resolution.value, samples=delivered,
        video_seconds=delivered * request.duration_seconds, audio=request.generate_audio,
        queue_ms=_ms(op.created_at, op.started_at), engine_ms=_ms(op.started_at, finished),
        cost_micros=prices.cost_micros(op.model, request.duration_seconds, request.resolution,
                                       request.generate_audio, delivered),
        finished_at=finished)


class UsageMeter:
    """A finish listener (SqlStore.finish_listeners): one usage record per finished operation,
    written in the transaction that finishes it."""

    def __init__(self, catalog: Catalog, prices: PriceTable) -> None:
        self.catalog, self.prices = catalog, prices

    def __call__(self, conn: Connection, op: Operation) -> None:
        insert_usage(conn, usage_of(op, self._engine(op.model), self.prices))

    def _engine(self, model: str) -> str:
        try:
            return self.catalog.get(model).engine
        except NotFound:  # the model left the catalog while the operation ran
            return "unknown"
