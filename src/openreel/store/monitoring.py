"""MonitoringStore: the deployment's shared state as the metrics read it at scrape time (the
queue, and what each API key in use counts against its limits), each in one query however many
operations or keys there are (observability/cluster.py, quota/utilization.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select

from openreel.domain.operation import ACTIVE_STATES, OperationState
from openreel.store.connection import Database
from openreel.store.tables import operations


@dataclass(frozen=True)
class KeyUse:
    key_id: str
    per_minute: int
    per_day: int
    active: int  # queued or running


class MonitoringStore:
    def __init__(self, store: Database) -> None:
        self.store = store

    def queued_by_model(self, now: datetime) -> tuple[list[tuple[str, int, datetime]], int]:
        """Per model, the queued operations due to run (how many, and when the oldest was created),
        and how many more are deferred: waiting on purpose for a remote's limits, not for a worker."""
        queued = operations.c.state == OperationState.QUEUED.value
        deferred = and_(operations.c.not_before.is_not(None), operations.c.not_before > now)
        due = select(operations.c.model, func.count(), func.min(operations.c.created_at)).where(
            queued, ~deferred).group_by(operations.c.model)
        with self.store.reading() as conn:
            by_model = [(model, int(count), oldest) for model, count, oldest in conn.execute(due)]
            waiting = conn.execute(select(func.count()).select_from(operations).where(queued, deferred)).scalar_one()
        return by_model, int(waiting)

    def use_by_key(self, minute_ago: datetime, day_ago: datetime, limit: int) -> list[KeyUse]:
        """What each key in use counts against its limits, as admission counts it (Admission's
        count_active and created_since, for every key in one query): the `limit` keys that created
        work last."""
        active = operations.c.state.in_([s.value for s in ACTIVE_STATES])

        def counted(condition: Any) -> Any:
            return func.sum(case((condition, 1), else_=0))

        query = select(operations.c.api_key_id, counted(operations.c.created_at >= minute_ago),
                       counted(operations.c.created_at >= day_ago), counted(active)).where(
            operations.c.api_key_id.is_not(None), or_(operations.c.created_at >= day_ago, active)).group_by(
            operations.c.api_key_id).order_by(func.max(operations.c.created_at).desc()).limit(limit)
        with self.store.reading() as conn:
            return [KeyUse(key_id, int(minute), int(day), int(running))
                    for key_id, minute, day, running in conn.execute(query)]
