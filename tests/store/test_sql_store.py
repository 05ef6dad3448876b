"""The store contract, run on SQLite and PostgreSQL: claims are exclusive, writes are fenced by
the latest token, expired leases are swept back to the queue or failed when attempts run out."""

from __future__ import annotations

import base64
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import sqlalchemy
from alembic.config import Config
from alembic.script import ScriptDirectory

import openreel.store
from openreel.domain.operation import OperationError, OperationState, Surface, VideoFile
from openreel.store.codec import request_to_json
from openreel.store.dispatch import QueuedWork
from openreel.store.sql import HEAD_REVISION, SqlStore
from tests.store.queued import queue_one
from openreel.store.tables import operations


def test_migration_is_idempotent(store: SqlStore) -> None:
    store.migrate()
    assert store.schema_revision() == HEAD_REVISION


def test_the_head_revision_the_store_checks_for_is_alembics() -> None:
    # migrate() skips Alembic when the database is at HEAD_REVISION: a new migration must move it.
    config = Config()
    config.set_main_option("script_location", str(Path(openreel.store.__file__).parent / "migrations"))
    assert ScriptDirectory.from_config(config).get_heads() == [HEAD_REVISION]


def test_round_trip_keeps_the_request(store: SqlStore) -> None:
    op = queue_one(store)
    loaded = store.get_operation(op.id)
    assert loaded is not None
    assert loaded.request == op.request and loaded.state is OperationState.QUEUED
    assert loaded.queue_position == 0


def test_concurrent_claims_hand_each_operation_to_exactly_one_worker(store: SqlStore) -> None:
    ops = {queue_one(store).id for _ in range(6)}
    with ThreadPoolExecutor(4) as pool:
        claims = list(pool.map(lambda i: store.claim(f"w{i}", 30), range(12)))
    claimed = [c.operation.id for c in claims if c is not None]
    assert sorted(claimed) == sorted(ops)


def test_a_stale_token_cannot_finish_an_operation(store: SqlStore) -> None:
    op = queue_one(store)
    first = store.claim("w1", 0.2)
    assert first is not None
    time.sleep(0.4)
    assert store.requeue_expired(max_attempts=3).requeued == [QueuedWork(op.id, op.model)]
    second = store.claim("w2", 30)
    assert second is not None and second.fencing_token > first.fencing_token
    assert not store.heartbeat(op.id, first.fencing_token, 30, 50, "")
    assert not store.complete(op.id, first.fencing_token, [], None, [])
    video = VideoFile(f"{op.id}0", op.id, 0, "videos/x.mp4", "video/mp4", 10)
    assert store.complete(op.id, second.fencing_token, [video], "enhanced", [])
    done = store.get_operation(op.id)
    assert done is not None and done.state is OperationState.SUCCEEDED and done.attempt == 2
    assert done.videos == (video,) and store.get_video(video.id) == (video, "p")


def test_expired_lease_on_the_last_attempt_fails_the_operation(store: SqlStore) -> None:
    op = queue_one(store)
    assert store.claim("w1", 0.1) is not None
    time.sleep(0.3)
    assert store.requeue_expired(max_attempts=1).failed == [op.id]
    failed = store.get_operation(op.id)
    assert failed is not None and failed.state is OperationState.FAILED and failed.error is not None
    assert failed.error.grpc_code == 10


def test_cancel_stops_the_running_worker_at_its_next_heartbeat(store: SqlStore) -> None:
    op = queue_one(store)
    claim = store.claim("w1", 30)
    assert claim is not None
    assert store.cancel(op.id)
    assert not store.heartbeat(op.id, claim.fencing_token, 30, 10, "")
    assert not store.fail(op.id, claim.fencing_token, OperationError(13, "boom"))
    cancelled = store.get_operation(op.id)
    assert cancelled is not None and cancelled.state is OperationState.CANCELLED
    assert not store.cancel(op.id)


def test_listing_pages_newest_first_within_a_project(store: SqlStore) -> None:
    ids = [queue_one(store).id for _ in range(5)]
    queue_one(store, project="other")
    seen, token = [], None
    while True:
        page, token = store.list_operations("p", 2, token)
        seen += [op.id for op in page]
        if token is None:
            break
    assert seen == list(reversed(ids))


def test_release_requeues_without_using_an_attempt_and_fences_the_old_token(store: SqlStore) -> None:
    op = queue_one(store)
    claim = store.claim("w1", 30)
    assert claim is not None
    assert store.release(op.id, claim.fencing_token)
    released = store.get_operation(op.id)
    assert released is not None and released.state is OperationState.QUEUED and released.attempt == 0
    assert not store.complete(op.id, claim.fencing_token, [], None, [])
    again = store.claim("w2", 30)
    assert again is not None and again.operation.attempt == 1 and again.fencing_token > claim.fencing_token


def test_an_unreadable_queued_row_fails_alone_and_does_not_block_the_queue(store: SqlStore) -> None:
    broken = queue_one(store)
    with store.engine.begin() as conn:  # a row written by a buggy or foreign version
        conn.execute(operations.update().where(operations.c.id == broken.id).values(request={"model": "m"}))
    good = queue_one(store)
    claim = store.claim("w1", 30)
    assert claim is not None and claim.operation.id == good.id
    with store.engine.connect() as conn:
        state, message = conn.execute(sqlalchemy.select(operations.c.state, operations.c.error_message)
                                      .where(operations.c.id == broken.id)).one()
    assert state == "FAILED" and "cannot be read" in message


def test_rows_written_before_inputs_moved_to_storage_still_load(store: SqlStore) -> None:
    op = queue_one(store)
    legacy = {**request_to_json(op.request), "image": {"data": base64.b64encode(b"png").decode(), "mimeType": "image/png"},
              "video": {"data": base64.b64encode(b"mp4").decode(), "fileId": None, "mimeType": "video/mp4"}}
    with store.engine.begin() as conn:
        conn.execute(operations.update().where(operations.c.id == op.id).values(request=legacy))
    loaded = store.get_operation(op.id)
    assert loaded is not None and loaded.request.image is not None and loaded.request.video is not None
    assert loaded.request.image.content == b"png" and loaded.request.video.data == b"mp4"


def test_one_fronts_operations_page_by_id_even_past_a_deleted_cursor(store: SqlStore) -> None:
    made = []
    for _ in range(4):
        made.append(queue_one(store, project="fronts", surface=Surface.OPENAI).id)
        time.sleep(0.002)  # ids are time-ordered to the millisecond
    queue_one(store, project="fronts", surface=Surface.GEMINI)  # another front's: never listed
    queue_one(store, project="elsewhere", surface=Surface.OPENAI)  # another project's: never listed
    assert made == sorted(made)

    def ids(after: str | None, newest_first: bool, limit: int = 10) -> tuple[list[str], bool]:
        ops, more = store.list_surface_operations("fronts", Surface.OPENAI, limit, after, newest_first)
        return [op.id for op in ops], more

    assert ids(None, False) == (made, False)
    assert ids(None, True, limit=3) == (made[::-1][:3], True)
    assert ids(made[1], False) == (made[2:], False)
    assert ids(made[2], True) == (made[:2][::-1], False)
    store.delete_operation(made[1])
    assert ids(made[1], False) == (made[2:], False)  # the cursor's operation is gone; paging goes on
