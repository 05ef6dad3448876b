"""Usage records in the database: written with the finish of their operation, read for reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.engine import Engine, Row

from openreel.domain.usage import Usage
from openreel.store.connection import transaction
from openreel.store.tables import usage_records


def usage_from_row(row: Row[Any]) -> Usage:
    return Usage(operation_id=row.operation_id, project=row.project, api_key_id=row.api_key_id, model=row.model,
                 engine=row.engine, state=row.state, resolution=row.resolution, samples=row.samples,
                 video_seconds=row.video_seconds, audio=bool(row.audio), queue_ms=row.queue_ms,
                 engine_ms=row.engine_ms, cost_micros=row.cost_micros, finished_at=row.finished_at,
                 remote_cost_micros=row.remote_cost_micros)


def insert_usage(conn: Connection, usage: Usage) -> None:
    """Inside the transaction that finishes the operation (one record per operation)."""
    conn.execute(usage_records.insert().values(
        operation_id=usage.operation_id, project=usage.project, api_key_id=usage.api_key_id, model=usage.model,
        engine=usage.engine, state=usage.state, resolution=usage.resolution, samples=usage.samples,
        video_seconds=usage.video_seconds, audio=int(usage.audio), queue_ms=usage.queue_ms,
        engine_ms=usage.engine_ms, cost_micros=usage.cost_micros, finished_at=usage.finished_at,
        remote_cost_micros=usage.remote_cost_micros))


def list_usage(engine: Engine, project: str, since: datetime | None, until: datetime | None = None) -> list[Usage]:
    """The project's records, oldest first, finished at or after `since` and before `until`."""
    query = select(usage_records).where(usage_records.c.project == project)
    if since is not None:
        query = query.where(usage_records.c.finished_at >= since)
    if until is not None:
        query = query.where(usage_records.c.finished_at < until)
    with transaction(engine, write=False) as conn:
        rows = conn.execute(query.order_by(usage_records.c.finished_at, usage_records.c.operation_id)).all()
    return [usage_from_row(row) for row in rows]
