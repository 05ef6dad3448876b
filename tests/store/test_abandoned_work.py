"""Remote work left behind, on SQLite and PostgreSQL: an operation that ends in a way its worker
may not have followed through (cancelled or deleted in the queue, failed, given up by the
sweeper) leaves one record of its engine's saved state, in the same transaction, and workers in
any number of processes take each record once at a time, again later if stopping the work failed."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import update

from openreel.domain.operation import Operation, OperationError
from openreel.store.abandoned import AbandonedWork, AbandonedWorkStore
from openreel.store.clock import utcnow
from openreel.store.sql import SqlStore
from openreel.store.tables import abandoned_work, operations
from tests.store.queued import queue_one


def _with_remote_job(store: SqlStore, name: str) -> Operation:
    """A queued operation whose earlier attempt made remote job `name` (a restart handed it back)."""
    op = queue_one(store)
    claim = store.claim("w", 30, operation_id=op.id)
    assert claim is not None
    store.save_engine_state(op.id, claim.fencing_token, f'{{"operation": "{name}"}}')
    assert store.release(op.id, claim.fencing_token)
    return op


def _all_taken(store: SqlStore, models: tuple[str, ...] | None = None) -> list[AbandonedWork]:
    work, taken = AbandonedWorkStore(store), []
    while item := work.take_due(utcnow(), models, hold_seconds=60):
        taken.append(item)
    return taken


def _make_due(store: SqlStore) -> None:
    """Their hold and backoff have passed (moved back, rather than waited for)."""
    with store.writing() as conn:
        conn.execute(update(abandoned_work).values(next_try_at=utcnow() - timedelta(seconds=1)))


def test_operations_that_end_without_their_worker_leave_their_remote_work_to_be_stopped(store: SqlStore) -> None:
    cancelled = _with_remote_job(store, "remote/1")
    deleted = _with_remote_job(store, "remote/2")
    never_sent = queue_one(store)
    assert store.cancel(cancelled.id) and store.cancel(never_sent.id)
    # Deleting an active operation cancels it first: still one record, now "cancel and delete".
    assert store.cancel(deleted.id)
    store.delete_operation(deleted.id)
    # The sweeper gives up on an operation whose worker died on its last attempt.
    given_up = _with_remote_job(store, "remote/3")
    claim = store.claim("w", 30, operation_id=given_up.id)
    assert claim is not None
    with store.writing() as conn:
        conn.execute(update(operations).where(operations.c.id == given_up.id).values(
            lease_expires_at=utcnow() - timedelta(seconds=1)))
    assert store.requeue_expired(max_attempts=1).failed == [given_up.id]
    # A run that failed (a timeout while the remote did not answer) may have left its job running.
    failed = _with_remote_job(store, "remote/4")
    claim = store.claim("w", 30, operation_id=failed.id)
    assert claim is not None and store.fail(failed.id, claim.fencing_token, OperationError(4, "timed out"))
    # A finished operation deleted later leaves nothing: its remote job ended too.
    finished = _with_remote_job(store, "remote/5")
    claim = store.claim("w", 30, operation_id=finished.id)
    assert claim is not None and store.complete(finished.id, claim.fencing_token, [], None, [])
    store.delete_operation(finished.id)

    taken = sorted(_all_taken(store), key=lambda work: work.engine_state)
    assert [(w.operation_id, w.engine_state, w.delete_remote, w.model) for w in taken] == [
        (cancelled.id, '{"operation": "remote/1"}', False, "m"),
        (deleted.id, '{"operation": "remote/2"}', True, "m"),
        (given_up.id, '{"operation": "remote/3"}', False, "m"),
        (failed.id, '{"operation": "remote/4"}', False, "m")]


def test_each_record_is_taken_by_one_worker_at_a_time_and_again_after_its_backoff(store: SqlStore) -> None:
    for i in range(6):
        assert store.cancel(_with_remote_job(store, f"remote/{i}").id)
    with ThreadPoolExecutor(3) as pool:
        takers = list(pool.map(lambda _: _all_taken(store), range(3)))
    taken = [item for items in takers for item in items]
    assert len(taken) == 6 and len({item.id for item in taken}) == 6  # none handled twice
    assert _all_taken(store) == []  # held while its try may last
    assert _all_taken(store, models=("another-model",)) == []
    work = AbandonedWorkStore(store)
    work.forget(taken[0])
    _make_due(store)
    again = _all_taken(store)
    assert len(again) == 5 and all(item.tries == 1 for item in again)


def test_a_delete_while_the_cancel_is_being_stopped_is_not_forgotten(store: SqlStore) -> None:
    op = _with_remote_job(store, "remote/1")
    assert store.cancel(op.id)
    work = AbandonedWorkStore(store)
    (cancel,) = _all_taken(store)
    store.delete_operation(op.id)  # meanwhile the caller deletes it
    work.forget(cancel)  # the cancel is done; the delete is still to do
    (delete,) = _all_taken(store)
    assert delete.delete_remote and delete.engine_state == '{"operation": "remote/1"}'
