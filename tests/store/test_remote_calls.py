"""Admission of calls to a remote API (the upstream engine's create calls), on SQLite and
PostgreSQL: counted per limit key across every worker, a concurrency slot held until the
operation finishes, and deferred operations left in the queue until their time."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import update

from openreel.domain.operation import OperationError, OperationState
from openreel.domain.remote_limits import RemoteLimits
from openreel.errors import ClaimLost
from openreel.store.remote_calls import RemoteCallStore
from openreel.store.clock import utcnow
from openreel.store.sql import Claim, SqlStore
from openreel.store.tables import operations
from tests.store.queued import queue_one


def _claimed(store: SqlStore, count: int) -> list[Claim]:
    for _ in range(count):
        queue_one(store)
    claims = [store.claim("w", 30) for _ in range(count)]
    return [c for c in claims if c is not None]


def _admit(store: SqlStore, claim: Claim, limits: RemoteLimits) -> bool:
    return RemoteCallStore(store).admit(claim.operation.id, claim.fencing_token, limits).admitted


def test_simultaneous_workers_never_take_more_slots_than_the_concurrency_limit(store: SqlStore) -> None:
    claims = _claimed(store, 6)
    limits = RemoteLimits("remote-a", concurrent=2)
    calls = RemoteCallStore(store)
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda c: calls.admit(c.operation.id, c.fencing_token, limits), claims))
    assert sum(a.admitted for a in answers) == 2
    assert all(a.limit == "2 concurrent operations" and a.wait_seconds > 0 for a in answers if not a.admitted)


def test_a_slot_is_kept_by_its_operation_and_freed_when_it_finishes_or_made_nothing(store: SqlStore) -> None:
    first, second, third = _claimed(store, 3)
    limits = RemoteLimits("remote-a", concurrent=1)
    assert _admit(store, first, limits)
    assert _admit(store, first, limits)  # asked again on a resumed attempt: still its slot
    assert not _admit(store, second, limits)
    assert _admit(store, second, RemoteLimits("remote-b", concurrent=1))  # another remote counts apart
    assert store.fail(first.operation.id, first.fencing_token, OperationError(13, "failed"))
    assert _admit(store, third, limits)
    # Its create was refused: no remote job holds the slot.
    RemoteCallStore(store).release(third.operation.id, third.fencing_token)
    assert _admit(store, second, limits)


def test_the_per_minute_and_per_day_windows_count_every_call_sent(store: SqlStore) -> None:
    claims = _claimed(store, 4)
    per_minute = RemoteLimits("remote-m", requests_per_minute=2)
    assert _admit(store, claims[0], per_minute) and _admit(store, claims[1], per_minute)
    # Refused by the remote, yet it was sent.
    RemoteCallStore(store).release(claims[0].operation.id, claims[0].fencing_token)
    refused = RemoteCallStore(store).admit(claims[2].operation.id, claims[2].fencing_token, per_minute)
    # Counted 2 s longer than the remote counts them: the remote stamps a call when it arrives.
    assert not refused.admitted and refused.limit == "2 requests per minute" and 55 < refused.wait_seconds <= 62
    per_day = RemoteLimits("remote-d", requests_per_day=1)
    assert _admit(store, claims[2], per_day)
    refused = RemoteCallStore(store).admit(claims[3].operation.id, claims[3].fencing_token, per_day)
    assert refused.limit == "1 requests per day" and refused.wait_seconds > 86000


def test_a_worker_that_lost_its_claim_cannot_take_a_slot_free_one_or_save_state(store: SqlStore) -> None:
    (claim,) = _claimed(store, 1)
    limits = RemoteLimits("remote-a", concurrent=1)
    assert _admit(store, claim, limits)
    assert store.release(claim.operation.id, claim.fencing_token)
    with pytest.raises(ClaimLost):
        RemoteCallStore(store).admit(claim.operation.id, claim.fencing_token, limits)
    with pytest.raises(ClaimLost):
        store.save_engine_state(claim.operation.id, claim.fencing_token, '{"operation": "x"}')
    # The worker that takes over resumes the remote job in the same slot; the old one cannot free it.
    takeover = store.claim("w2", 30)
    assert takeover is not None and _admit(store, takeover, limits)
    with pytest.raises(ClaimLost):
        RemoteCallStore(store).release(claim.operation.id, claim.fencing_token)
    (other,) = _claimed(store, 1)
    assert not _admit(store, other, limits)


def test_a_deferred_operation_waits_in_the_queue_saying_why_and_keeps_its_engine_state(store: SqlStore) -> None:
    (claim,) = _claimed(store, 1)
    op_id = claim.operation.id
    store.save_engine_state(op_id, claim.fencing_token, '{"refusals": 1}')
    assert store.defer(op_id, claim.fencing_token, utcnow() + timedelta(seconds=60), "waiting for the remote")
    waiting = store.get_operation(op_id)
    assert waiting is not None and waiting.state is OperationState.QUEUED and waiting.attempt == 0
    assert waiting.wait_reason == "waiting for the remote" and waiting.queue_position == 0
    assert store.claim("w", 30) is None  # not before its time
    # Its time has come (moved back, rather than waited for).
    with store.writing() as conn:
        conn.execute(update(operations).where(operations.c.id == op_id).values(not_before=utcnow() - timedelta(1)))
    reclaimed = store.claim("w", 30)
    assert reclaimed is not None and reclaimed.operation.id == op_id
    assert reclaimed.operation.engine_state == '{"refusals": 1}' and reclaimed.operation.wait_reason is None


def test_the_oldest_operation_waiting_on_a_limit_key_is_due_as_soon_as_a_slot_of_that_key_frees(
        store: SqlStore) -> None:
    holders, waiters = _claimed(store, 2), _claimed(store, 4)
    limits = RemoteLimits("remote-a", concurrent=2)
    assert all(_admit(store, holder, limits) for holder in holders)
    later = utcnow() + timedelta(minutes=10)
    keys = ["remote-a", "remote-a", "remote-b", "remote-a"]
    for waiter, key in zip(waiters, keys):
        assert store.defer(waiter.operation.id, waiter.fencing_token, later, "waiting", waiting_on=key)
    assert store.claim("w", 30) is None
    # One slot frees: the oldest waiting on remote-a is due now, and only it (the others would be
    # refused again); the one waiting on remote-b still waits.
    assert store.fail(holders[0].operation.id, holders[0].fencing_token, OperationError(13, "done"))
    first = store.claim("w", 30)
    assert first is not None and first.operation.id == waiters[0].operation.id and store.claim("w", 30) is None
    assert store.fail(holders[1].operation.id, holders[1].fencing_token, OperationError(13, "done"))
    second = store.claim("w", 30)
    assert second is not None and second.operation.id == waiters[1].operation.id and store.claim("w", 30) is None


def test_a_retry_of_a_call_that_got_no_answer_keeps_its_slot_and_still_counts_in_the_windows(store: SqlStore) -> None:
    first, second = _claimed(store, 2)
    limits = RemoteLimits("remote-a", requests_per_minute=2, concurrent=1)
    assert _admit(store, first, limits)
    # No answer: the remote may have made an operation, so the slot stays taken...
    assert not _admit(store, second, limits)
    assert _admit(store, first, limits)  # ...and its retry needs no other slot, but is a call all the same
    refused = RemoteCallStore(store).admit(first.operation.id, first.fencing_token, limits)
    assert refused.limit == "2 requests per minute"
