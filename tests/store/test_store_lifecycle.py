"""The store follows the lifecycle table: random sequences of worker, sweeper and caller actions
on a real SqlStore only ever move an operation along an allowed transition, terminal states stay
put, and writes with a stale fencing token change nothing. Listing costs a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import event

from openreel.domain.operation import ALLOWED_TRANSITIONS, OperationError, OperationState, VideoFile
from openreel.store.sql import SqlStore
from tests.store.queued import queue_one


class StoreLifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.store = SqlStore("sqlite://")  # in memory: one fresh database per example
        self.store.migrate()
        self.tokens: list[int] = []

    @initialize()
    def queue_one(self) -> None:
        self.op = queue_one(self.store)
        self.state = OperationState.QUEUED
        self.moves: list[tuple[OperationState, OperationState]] = []

    def _observe(self) -> None:
        loaded = self.store.get_operation(self.op.id)
        assert loaded is not None
        if loaded.state is not self.state:
            self.moves.append((self.state, loaded.state))
        self.state = loaded.state

    @rule(expired=st.booleans())
    def claim(self, expired: bool) -> None:
        claim = self.store.claim("w", -1 if expired else 30)  # a negative lease is already expired
        if claim is not None:
            self.tokens.append(claim.fencing_token)
        self._observe()

    @rule(stale=st.booleans(), action=st.sampled_from(["complete", "fail", "release", "heartbeat"]))
    def worker_write(self, stale: bool, action: str) -> None:
        if not self.tokens:
            return
        token = self.tokens[0] if stale else self.tokens[-1]
        before = self.state
        video = VideoFile(f"{self.op.id}0", self.op.id, 0, f"videos/{self.op.id}/attempt-{token}/s.mp4", "video/mp4", 1)
        written = {"complete": lambda: self.store.complete(self.op.id, token, [video], None, []),
                   "fail": lambda: self.store.fail(self.op.id, token, OperationError(13, "boom")),
                   "release": lambda: self.store.release(self.op.id, token),
                   "heartbeat": lambda: self.store.heartbeat(self.op.id, token, 30, 5, "step 1")}[action]()
        self._observe()
        if stale and len(self.tokens) > 1:
            assert not written and self.state is before

    @rule()
    def cancel(self) -> None:
        self.store.cancel(self.op.id)
        self._observe()

    @rule()
    def sweep(self) -> None:
        self.store.requeue_expired(max_attempts=3)
        self._observe()

    @invariant()
    def every_move_is_in_the_table(self) -> None:
        for source, target in getattr(self, "moves", []):
            assert target in ALLOWED_TRANSITIONS[source], f"{source} -> {target}"

    @invariant()
    def only_a_success_has_videos(self) -> None:
        if hasattr(self, "op"):
            loaded = self.store.get_operation(self.op.id)
            assert loaded is not None
            assert bool(loaded.videos) == (loaded.state is OperationState.SUCCEEDED)

    def teardown(self) -> None:
        self.store.close()


StoreLifecycle.TestCase.settings = settings(max_examples=60, stateful_step_count=20, deadline=None)
TestStoreLifecycle = StoreLifecycle.TestCase


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[SqlStore]:
    store = SqlStore(f"sqlite:///{tmp_path / 'store.db'}")
    store.migrate()
    yield store
    store.close()


def test_listing_a_page_costs_the_same_few_queries_however_many_operations(sqlite_store: SqlStore) -> None:
    for _ in range(30):
        op = queue_one(sqlite_store)
    claim = sqlite_store.claim("w", 30)
    assert claim is not None
    sqlite_store.complete(claim.operation.id, claim.fencing_token,
                          [VideoFile(f"{claim.operation.id}0", claim.operation.id, 0, "videos/a.mp4", "video/mp4", 1)],
                          None, [])
    statements: list[str] = []
    event.listen(sqlite_store.engine, "before_cursor_execute",
                 lambda _c, _cur, statement, *_: statements.append(statement))
    page, _ = sqlite_store.list_operations("p", 25, None)
    assert len(page) == 25 and op.id == page[0].id
    assert [o.queue_position for o in page[:3]] == [28, 27, 26]
    queries = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(queries) <= 3, queries
