"""AbandonedWorkStore: the work engines left running elsewhere (a remote job) for operations that
ended in a way their worker may not have followed through, until a worker process has asked the
engine to stop it.

SqlStore records it in the transaction that cancels, deletes or fails the operation. Workers in
any number of processes take a due record by moving its next try into the future with a
conditional update (on its count of tries), so two never handle one record at the same time;
the hold lasts at least as long as one try may take, and a record whose engine could not stop
the work simply comes due again when it ends."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, select, update

from openreel.backoff import exponential_delay
from openreel.store.connection import Database
from openreel.store.tables import abandoned_work, operations


FIRST_RETRY_SECONDS = 10.0
MAX_RETRY_SECONDS = 600.0


@dataclass(frozen=True)
class AbandonedWork:
    id: int
    operation_id: str
    model: str
    engine_state: str
    delete_remote: bool  # the operation was deleted: delete the remote record too
    tries: int  # how many times it had been taken before this time


class AbandonedWorkStore:
    def __init__(self, store: Database) -> None:
        self.store = store

    def take_due(self, now: datetime, models: Collection[str] | None, hold_seconds: float) -> AbandonedWork | None:
        """The oldest due record of one of `models` (None: any), taken: its next try is moved past
        the backoff for its tries so far, and at least `hold_seconds` ahead (how long one try may
        take), where it stays if this try fails too."""
        query = select(abandoned_work).where(abandoned_work.c.next_try_at <= now)
        if models is not None:
            query = query.where(abandoned_work.c.model.in_(models))
        with self.store.reading() as conn:
            rows = conn.execute(query.order_by(abandoned_work.c.next_try_at).limit(8)).all()
        for row in rows:
            backoff = exponential_delay(row.tries, FIRST_RETRY_SECONDS, cap=MAX_RETRY_SECONDS)
            with self.store.writing() as conn:
                taken = conn.execute(update(abandoned_work).where(
                    abandoned_work.c.id == row.id, abandoned_work.c.tries == row.tries).values(
                    next_try_at=now + timedelta(seconds=max(backoff, hold_seconds)), tries=row.tries + 1)).rowcount
            if taken == 1:  # else another worker took it first: try the next
                return AbandonedWork(row.id, row.operation_id, row.model, row.engine_state,
                                     bool(row.delete_remote), row.tries)
        return None

    def forget(self, work: AbandonedWork) -> None:
        """The work is stopped (or never can be): nothing more to do, unless the record changed
        since it was taken (a delete after the cancel: the remote record is still to delete)."""
        with self.store.writing() as conn:
            conn.execute(abandoned_work.delete().where(
                abandoned_work.c.id == work.id, abandoned_work.c.tries == work.tries + 1,
                abandoned_work.c.delete_remote == work.delete_remote))


def record_abandoned_work(conn: Connection, op_id: str, delete_remote: bool, now: datetime) -> None:
    """The operation ends in a way its worker may not have followed through (cancelled or
    deleted, perhaps in the queue after a restart; failed; given up by the sweeper): if its
    engine saved state (a remote job's name), record it, in the same transaction, for a worker
    process to ask the engine to stop that work (AbandonedWorkStore above). Stopping work that has
    already stopped is harmless, so this errs on the side of asking. One record per
    operation: a delete after a cancel turns the pending record into "cancel and delete"."""
    row = conn.execute(select(operations.c.model, operations.c.engine_state).where(
        operations.c.id == op_id)).first()
    if row is None or not row.engine_state:
        return
    pending = abandoned_work.c.operation_id == op_id
    if conn.execute(select(abandoned_work.c.id).where(pending)).first() is not None:
        if delete_remote:
            conn.execute(update(abandoned_work).where(pending).values(delete_remote=True, next_try_at=now))
        return
    conn.execute(abandoned_work.insert().values(
        operation_id=op_id, model=row.model, engine_state=row.engine_state, delete_remote=delete_remote,
        tries=0, created_at=now, next_try_at=now))
