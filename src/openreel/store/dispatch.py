"""DispatchStore: which queued operations need a (new) message on the queue.

The API dispatches an operation right after the commit that queues it, and a worker or sweeper
right after handing one back; `dispatched_at` records when. A message can still be lost: the
process died between its commit and its send, the broker was away (the sender then clears
`dispatched_at`: SqlStore.mark_undispatched), or the broker lost what it held (Redis restarted
without its AOF). The sweepers of every API replica and worker then send another. They need no
leader: each takes an operation with a conditional update on the `dispatched_at` it read, so only
one of any number of concurrent sweepers sends it. A message sent twice is harmless (the extra
one finds nothing left to claim and drops itself).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update

from openreel.domain.operation import OperationState
from openreel.store.clock import utcnow
from openreel.store.connection import Database
from openreel.store.tables import operations


# Enough to re-send a broker's whole loss in a few sweeps without one sweep's transaction
# growing without bound.
BATCH = 500


@dataclass(frozen=True)
class QueuedWork:
    """An operation to dispatch: the queue routes it by model."""

    operation_id: str
    model: str


class DispatchStore:
    def __init__(self, store: Database) -> None:
        self.store = store

    def stale_models(self, resend_after: timedelta, now: datetime | None = None) -> list[str]:
        """The models of queued operations sent longer than `resend_after` ago."""
        cutoff = (now or utcnow()) - resend_after
        with self.store.reading() as conn:
            return list(conn.execute(select(operations.c.model).distinct().where(
                operations.c.state == OperationState.QUEUED.value, operations.c.dispatched_at < cutoff)).scalars())

    def take_undispatched(self, resend_after: timedelta, now: datetime | None = None,
                          resend_models: Collection[str] | None = None) -> list[QueuedWork]:
        """Queued operations that are due and whose message is missing or looks lost, taken (their
        dispatched_at set to now) for the caller to dispatch: never sent, deferred since they were
        last sent (now due), or sent longer than `resend_after` ago. The last only for
        `resend_models` when given: the models whose queue is empty, so that operations waiting
        in a backlog (or for a model no worker serves yet) do not pile up messages."""
        now = now or utcnow()
        sent = operations.c.dispatched_at
        due = or_(operations.c.not_before.is_(None), operations.c.not_before <= now)
        old = sent < now - resend_after
        if resend_models is not None:
            old = and_(old, operations.c.model.in_(list(resend_models)))
        lost = or_(sent.is_(None), old, and_(operations.c.not_before.is_not(None), sent < operations.c.not_before))
        query = select(operations.c.id, operations.c.model, sent).where(
            operations.c.state == OperationState.QUEUED.value, due, lost).order_by(
            operations.c.created_at, operations.c.id).limit(BATCH)
        with self.store.reading() as conn:
            candidates = conn.execute(query).all()
        if not candidates:
            return []
        taken: list[QueuedWork] = []
        with self.store.writing() as conn:
            for op_id, model, last_sent in candidates:
                won = conn.execute(update(operations).where(
                    operations.c.id == op_id, operations.c.state == OperationState.QUEUED.value,
                    sent.is_not_distinct_from(last_sent)).values(dispatched_at=now)).rowcount
                if won == 1:  # else another sweeper took it, or a worker claimed it meanwhile
                    taken.append(QueuedWork(op_id, model))
        return taken
