"""RemoteCallStore: the calls workers make to remote APIs (an upstream engine's creates), counted
against each remote's limits (per minute, per day, at once) for every worker of every process.

Admission runs under a lock (SQLite's writer lock, or a PostgreSQL advisory lock) so that two
workers never both take the last slot. A call holds its concurrency slot until it is released or
its operation finishes; `end_remote_calls` runs in the transaction that finishes it.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import Connection, func, select, text, update

from openreel.domain.operation import OperationState
from openreel.domain.remote_limits import (CONCURRENCY_RETRY_SECONDS, DAY, MINUTE, RemoteAdmission, RemoteLimits,
                                           seconds_until_room)
from openreel.store.clock import utcnow
from openreel.store.fencing import fenced, why_not_held
from openreel.store.connection import Database
from openreel.store.tables import operations, remote_calls


# Any constant will do: the advisory lock all PostgreSQL admissions of remote calls serialise on.
_REMOTE_CALLS_LOCK_KEY = 0x6F72_7263


class RemoteCallStore:
    def __init__(self, store: Database) -> None:
        self.store = store

    def admit(self, op_id: str, token: int, limits: RemoteLimits) -> RemoteAdmission:
        """Count one create call to a remote API against its limits, for every worker of every
        process, if it fits: under the lock, so two workers never both take the last slot.

        Every call sent counts in the per-minute and per-day windows, a retry too. A call holds a
        concurrency slot until release(), or the operation's finish, frees it; an
        operation that already holds one (a retry after no answer, or a resumed attempt) keeps
        it and needs no other. A window counts a call for `limits.margin_seconds` longer than the
        remote does: the remote stamps it only when it arrives."""
        now = utcnow()
        with self.store.writing() as conn:
            if not self.store.is_sqlite:
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _REMOTE_CALLS_LOCK_KEY})
            if conn.execute(select(operations.c.id).where(*fenced(op_id, token))).first() is None:
                raise why_not_held(conn, op_id)
            of_key = remote_calls.c.limit_key == limits.key
            holds_slot = conn.execute(select(remote_calls.c.id).where(
                of_key, remote_calls.c.operation_id == op_id, remote_calls.c.released_at.is_(None))).first()
            if limits.concurrent is not None and not holds_slot:
                running = conn.execute(select(func.count()).select_from(remote_calls).where(
                    of_key, remote_calls.c.released_at.is_(None))).scalar_one()
                if running >= limits.concurrent:
                    return RemoteAdmission(CONCURRENCY_RETRY_SECONDS, f"{limits.concurrent} concurrent operations",
                                           waits_for_slot=True)
            for window, limit, name in ((MINUTE, limits.requests_per_minute, "requests per minute"),
                                        (DAY, limits.requests_per_day, "requests per day")):
                if limit is None:
                    continue
                counted = window + timedelta(seconds=limits.margin_seconds)
                recent = list(conn.execute(select(remote_calls.c.sent_at).where(
                    of_key, remote_calls.c.sent_at >= now - counted).order_by(remote_calls.c.sent_at)).scalars())
                if (wait := seconds_until_room(recent, limit, counted, now)) > 0:
                    return RemoteAdmission(wait, f"{limit} {name}")
            conn.execute(remote_calls.insert().values(limit_key=limits.key, operation_id=op_id, sent_at=now,
                                                      released_at=now if holds_slot else None))
            return RemoteAdmission(0.0)

    def release(self, op_id: str, token: int) -> None:
        """The operation's remote call was refused and made no remote operation: its concurrency
        slot is free again (the call still counts in its windows), while the claim holds (a
        worker that lost its claim must not free the slot of the one that took over); otherwise
        raise why not (_why_not_held). Nobody waiting is woken: a refusal says nothing about the
        remote having room."""
        with self.store.writing() as conn:
            if conn.execute(select(operations.c.id).where(*fenced(op_id, token))).first() is None:
                raise why_not_held(conn, op_id)
            conn.execute(update(remote_calls).where(remote_calls.c.operation_id == op_id,
                                                    remote_calls.c.released_at.is_(None)).values(released_at=utcnow()))

    def purge(self, before: datetime) -> int:
        """Forget released calls older than every window counts."""
        with self.store.writing() as conn:
            return int(conn.execute(remote_calls.delete().where(
                remote_calls.c.sent_at < before, remote_calls.c.released_at.is_not(None))).rowcount)


def end_remote_calls(conn: Connection, op_id: str, now: datetime) -> None:
    """The operation finished: its remote operation no longer counts as running. As many
    operations waiting for a slot of its limit key as it held are due now, the oldest first
    (the claim's order), so waiting for a slot is first come, first served without polling,
    and one freed slot does not wake a herd that would mostly be refused again."""
    held = (remote_calls.c.operation_id == op_id, remote_calls.c.released_at.is_(None))
    freed = Counter(conn.execute(select(remote_calls.c.limit_key).where(*held)).scalars())
    if not freed:
        return
    conn.execute(update(remote_calls).where(*held).values(released_at=now))
    for key, slots in freed.items():
        oldest = select(operations.c.id).where(
            operations.c.state == OperationState.QUEUED.value, operations.c.waiting_on == key,
            operations.c.not_before > now).order_by(operations.c.created_at, operations.c.id).limit(slots)
        woken = list(conn.execute(oldest).scalars())
        conn.execute(update(operations).where(operations.c.id.in_(woken)).values(not_before=now))
