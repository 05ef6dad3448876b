"""Metering: the Usage record of a finished operation, priced from the table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from openreel.billing.pricing import PriceTable
from openreel.domain.operation import Operation, OperationState
from openreel.domain.usage import Usage
from openreel.billing.remote_cost import RemoteCostEstimator
from openreel.engines.catalog import Catalog, ModelSpec
from openreel.errors import NotFound
from openreel.store.usage import insert_usage


def _ms(start: datetime | None, end: datetime | None) -> int:
    if start is None or end is None:
        return 0
    return max(0, int((end - start).total_seconds() * 1000))


def usage_of(op: Operation, engine: str, prices: PriceTable, remote_cost: int | None = None) -> Usage:
    """What the operation delivered and cost: only delivered videos count, so a failed or
    cancelled operation (or a filtered sample) costs nothing. `remote_cost`: what the remote API
    behind the engine is estimated to charge for it (None: no remote)."""
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
        finished_at=finished, remote_cost_micros=remote_cost)


class UsageMeter:
    """A finish listener (SqlStore.finish_listeners): one usage record per finished operation,
    written in the transaction that finishes it."""

    def __init__(self, catalog: Catalog, prices: PriceTable, remote_costs: RemoteCostEstimator) -> None:
        self.catalog, self.prices, self.remote_costs = catalog, prices, remote_costs

    def __call__(self, conn: Connection, op: Operation) -> None:
        try:
            spec: ModelSpec | None = self.catalog.get(op.model)
        except NotFound:  # the model left the catalog while the operation ran
            spec = None
        delivered = len(op.videos) if op.state is OperationState.SUCCEEDED else 0
        insert_usage(conn, usage_of(op, spec.engine if spec else "unknown", self.prices,
                                    self.remote_costs.micros(op, spec, delivered)))
