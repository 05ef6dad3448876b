"""Which queued operations the sweepers send to the queue again, on SQLite and PostgreSQL: those
whose message could not be sent, or looks lost, or that were deferred since, each taken by exactly
one of any number of concurrent sweepers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from openreel.store.clock import utcnow
from openreel.store.dispatch import DispatchStore, QueuedWork
from openreel.store.sql import SqlStore
from tests.store.queued import queue_one

SOON = timedelta(minutes=5)


def test_a_fresh_operation_is_not_sent_again_until_its_message_looks_lost(store: SqlStore) -> None:
    op = queue_one(store)
    dispatches = DispatchStore(store)
    assert dispatches.take_undispatched(SOON) == []  # just dispatched by its creator
    later = utcnow() + SOON + timedelta(seconds=1)
    assert dispatches.take_undispatched(SOON, now=later) == [QueuedWork(op.id, "m")]
    # Taken: not again until it looks lost once more.
    assert dispatches.take_undispatched(SOON, now=later) == []
    assert dispatches.take_undispatched(SOON, now=later + SOON + timedelta(seconds=1)) == [QueuedWork(op.id, "m")]


def test_an_operation_whose_message_could_not_be_sent_is_taken_at_once(store: SqlStore) -> None:
    op, other = queue_one(store), queue_one(store)
    dispatches = DispatchStore(store)
    store.mark_undispatched(op.id)
    assert dispatches.take_undispatched(SOON) == [QueuedWork(op.id, "m")]
    assert dispatches.take_undispatched(SOON) == []
    assert store.get_operation(other.id) is not None


def test_claimed_or_finished_operations_are_never_sent_again(store: SqlStore) -> None:
    op = queue_one(store)
    store.mark_undispatched(op.id)
    claim = store.claim("w", 30)
    assert claim is not None and claim.operation.id == op.id
    store.mark_undispatched(op.id)  # only a queued operation can be marked
    assert DispatchStore(store).take_undispatched(timedelta(0), now=utcnow() + SOON) == []


def test_a_deferred_operation_is_sent_again_once_it_is_due(store: SqlStore) -> None:
    op = queue_one(store)
    claim = store.claim("w", 30)
    assert claim is not None
    until = utcnow() + timedelta(seconds=60)
    assert store.defer(op.id, claim.fencing_token, until, "waiting for the remote's limit")
    dispatches = DispatchStore(store)
    assert dispatches.take_undispatched(SOON) == []  # not due yet
    assert dispatches.take_undispatched(SOON, now=until + timedelta(seconds=1)) == [QueuedWork(op.id, "m")]


def test_concurrent_sweepers_send_each_operation_once(store: SqlStore) -> None:
    ops = [queue_one(store) for _ in range(30)]
    dispatches = DispatchStore(store)
    for op in ops:
        store.mark_undispatched(op.id)
    with ThreadPoolExecutor(4) as pool:
        batches = list(pool.map(lambda _: dispatches.take_undispatched(SOON), range(8)))
    sent = [work.operation_id for batch in batches for work in batch]
    assert sorted(sent) == sorted(op.id for op in ops)
