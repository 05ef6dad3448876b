"""AbandonedWorkStore: the work engines left running elsewhere (a remote job) for operations that
ended while none of their workers ran them, until a worker has asked the engine to stop it.

SqlStore records it in the transaction that cancels, deletes or gives up the operation. Workers
in any number of processes take due records by moving their next try into the future with a
conditional update (on its count of tries), so two never handle one record at the same time; a record whose engine
could not stop the work comes due again at that later time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from openreel.backoff import exponential_delay
from openreel.store.sql import SqlStore
from openreel.store.tables import abandoned_work

FIRST_RETRY_SECONDS = 10.0
MAX_RETRY_SECONDS = 600.0


@dataclass(frozen=True)
class AbandonedWork:
    id: int
    operation_id: str
    model: str
    engine_state: str
    delete_remote: bool  # the operation was deleted: delete the remote record too
    tries: int  # earlier tries that did not stop it


class AbandonedWorkStore:
    def __init__(self, store: SqlStore) -> None:
        self.store = store

    def take_due(self, now: datetime, limit: int) -> list[AbandonedWork]:
        """Up to `limit` due records, each taken by moving its next try past the backoff for its
        tries so far (where it stays if this try fails too)."""
        with self.store.reading() as conn:
            rows = conn.execute(select(abandoned_work).where(abandoned_work.c.next_try_at <= now)
                                .order_by(abandoned_work.c.next_try_at).limit(limit)).all()
        taken: list[AbandonedWork] = []
        for row in rows:
            later = now + timedelta(seconds=exponential_delay(row.tries, FIRST_RETRY_SECONDS, cap=MAX_RETRY_SECONDS))
            with self.store.writing() as conn:
                moved = conn.execute(update(abandoned_work).where(
                    abandoned_work.c.id == row.id, abandoned_work.c.tries == row.tries).values(
                    next_try_at=later, tries=row.tries + 1)).rowcount
            if moved == 1:  # else another worker took it first
                taken.append(AbandonedWork(row.id, row.operation_id, row.model, row.engine_state,
                                           bool(row.delete_remote), row.tries))
        return taken

    def forget(self, work_id: int) -> None:
        """The work is stopped (or cannot be, ever): nothing more to do."""
        with self.store.writing() as conn:
            conn.execute(abandoned_work.delete().where(abandoned_work.c.id == work_id))
