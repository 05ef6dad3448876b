"""SqlStore: the single authority on operation state, over SQLite (embedded) or PostgreSQL.

Workers claim an operation with a lease and a fencing token. Every later write by that worker
(heartbeat, success, failure) is conditional on still holding the latest token in RUNNING state,
so a worker whose lease expired and was re-claimed elsewhere, or whose operation was cancelled,
can no longer change it. Every change of state goes through `_move`, which checks it against the
lifecycle table in domain/operation.py before it reaches the database.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, and_, func, inspect, or_, select, text, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import DBAPIError

from openreel.domain.concepts import ConceptAccount
from openreel.domain.naming import operation_id_from
from openreel.domain.operation import (ACTIVE_STATES, MAX_WAIT_REASON_CHARS, Operation, OperationError, OperationState,
                                       Surface, VideoFile, transition)
from openreel.errors import Aborted, Cancelled, InternalError
from openreel.store.abandoned import record_abandoned_work
from openreel.store.clock import utcnow
from openreel.store.codec import request_from_json, request_to_json
from openreel.store.connection import StoreUnavailable, make_engine, transaction, unavailable
from openreel.store.dispatch import QueuedWork
from openreel.store.fencing import fenced, why_not_held
from openreel.store.remote_calls import end_remote_calls
from openreel.store.tables import idempotency_keys, operations, usage_records, videos
from openreel.store.usage import usage_from_row

log = logging.getLogger(__name__)

PROBE_TIMEOUT_SECONDS = 1.0
# The newest revision in migrations/versions: a new migration changes it (tests/store checks that
# it is Alembic's head).
HEAD_REVISION = "0010"
# How long an Idempotency-Key names the operation it created (Stripe and Google keep a day).
IDEMPOTENCY_WINDOW = timedelta(hours=24)
# Called inside the transaction that finishes an operation (usage records, the webhook outbox),
# so that what it writes lands exactly when the operation finishes, or not at all.
FinishListener = Callable[[Connection, Operation], None]
# Any constants will do: the advisory locks all PostgreSQL admissions of create calls, and all
# migrations, serialise on.
_ADMISSION_LOCK_KEY = 0x6F72_6164
_MIGRATION_LOCK_KEY = 0x6F72_6D67


@dataclass(frozen=True)
class Claim:
    operation: Operation
    fencing_token: int


@dataclass(frozen=True)
class SweepResult:
    requeued: list[QueuedWork]
    failed: list[str]


@dataclass(frozen=True)
class IdempotentCreate:
    body_sha256: str
    operation_id: str


class Admission:
    """Counts and the insert of one create call, inside one transaction that holds the admission
    lock, so that concurrent creates cannot both see room for one more (see SqlStore.admission)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def count_queued(self) -> int:
        query = select(func.count()).select_from(operations).where(
            operations.c.state == OperationState.QUEUED.value)
        return int(self._conn.execute(query).scalar_one())

    def count_active(self, api_key_id: str) -> int:
        """Queued or running operations of one key."""
        query = select(func.count()).select_from(operations).where(
            operations.c.state.in_([s.value for s in ACTIVE_STATES]), operations.c.api_key_id == api_key_id)
        return int(self._conn.execute(query).scalar_one())

    def created_since(self, api_key_id: str, since: datetime) -> list[datetime]:
        """Creation times of the key's operations since `since`, oldest first."""
        query = select(operations.c.created_at).where(operations.c.api_key_id == api_key_id,
                                                      operations.c.created_at >= since)
        return list(self._conn.execute(query.order_by(operations.c.created_at)).scalars())

    def add_operation(self, op: Operation) -> None:
        _insert_operation(self._conn, op)

    def idempotent_create(self, project: str, key: str, since: datetime) -> IdempotentCreate | None:
        """The create made with this Idempotency-Key since `since`, if any."""
        row = self._conn.execute(select(idempotency_keys).where(
            idempotency_keys.c.project == project, idempotency_keys.c.key == key,
            idempotency_keys.c.created_at >= since)).first()
        return None if row is None else IdempotentCreate(row.body_sha256, row.operation_id)

    def add_idempotency_key(self, project: str, key: str, body_sha256: str, op_id: str, now: datetime) -> None:
        # A row past its day may still be there (the sweeper removes them): replace it.
        self._conn.execute(idempotency_keys.delete().where(idempotency_keys.c.project == project,
                                                           idempotency_keys.c.key == key))
        self._conn.execute(idempotency_keys.insert().values(project=project, key=key, body_sha256=body_sha256,
                                                            operation_id=op_id, created_at=now))


class SqlStore:
    def __init__(self, url: str, busy_timeout_seconds: float = 30.0, retention: timedelta | None = None) -> None:
        """retention: how long after an operation finishes its files are kept (None: for good)."""
        self.url = url
        self.retention = retention
        self.finish_listeners: list[FinishListener] = []
        # Told of each finished operation once its transaction has committed (metrics count it
        # there: a rolled-back finish must count nothing).
        self.finished_hooks: list[Callable[[Operation], None]] = []
        self.engine = make_engine(url, busy_timeout_seconds)
        # Health checks must answer fast even while a writer holds SQLite's lock.
        self._probe = make_engine(url, PROBE_TIMEOUT_SECONDS) if self.is_sqlite else self.engine

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def migrate(self) -> None:
        """Bring the schema to the latest Alembic revision (idempotent). A database already there
        is seen with one query: every process start comes here, and importing Alembic takes longer
        than the rest of the check."""
        with self.reading() as conn:
            if inspect(conn).has_table("alembic_version") and conn.execute(
                    text("SELECT version_num FROM alembic_version")).scalar() == HEAD_REVISION:
                return
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
        with self.writing() as conn:
            if not self.is_sqlite:  # replicas starting together migrate one at a time
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

    def schema_revision(self) -> str | None:
        """The Alembic revision the database is at; None for an empty database."""
        from alembic.migration import MigrationContext

        with self.reading() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def has_schema(self) -> bool:
        """Whether this database was ever migrated (False for a new, empty or zeroed file)."""
        try:
            with self.engine.connect() as conn:
                return bool(inspect(conn).has_table("alembic_version"))
        except DBAPIError as exc:
            raise unavailable(exc) from exc

    def check_integrity(self) -> None:
        """Raise StoreUnavailable when SQLite finds the file damaged (PostgreSQL checks its own)."""
        if not self.is_sqlite:
            return
        with self.reading() as conn:
            problems = [row[0] for row in conn.exec_driver_sql("PRAGMA quick_check")]
        if problems != ["ok"]:
            raise StoreUnavailable(f"The database file is damaged ({'; '.join(problems[:3])}).")

    def check_writable(self) -> None:
        """Raise StoreUnavailable unless a write transaction can start and the tables read now."""
        with transaction(self._probe, write=True) as conn:
            conn.execute(select(operations.c.id).limit(1)).all()
            conn.execute(select(videos.c.id).limit(1)).all()

    def close(self) -> None:
        self.engine.dispose()
        self._probe.dispose()

    def writing(self) -> AbstractContextManager[Connection]:
        """A write transaction (SQLite: BEGIN IMMEDIATE); database faults raise StoreUnavailable."""
        return transaction(self.engine, write=True)

    def reading(self) -> AbstractContextManager[Connection]:
        """A read transaction; database faults raise StoreUnavailable."""
        return transaction(self.engine, write=False)

    # -- operations --------------------------------------------------------------------------

    def add_operation(self, op: Operation) -> None:
        with self.writing() as conn:
            _insert_operation(conn, op)

    @contextmanager
    def admission(self, locked: bool = True) -> Iterator[Admission]:
        """A write transaction holding the admission lock: SQLite's writer lock (BEGIN IMMEDIATE),
        or one PostgreSQL advisory lock. Counts read through it and the insert made through it
        are one atomic step, so N simultaneous creates admit exactly what the limits allow.
        Unlocked, it is a plain read for an early, advisory look at the counts."""
        if not locked:
            with self.reading() as conn:
                yield Admission(conn)
            return
        with self.writing() as conn:
            if not self.is_sqlite:
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADMISSION_LOCK_KEY})
            yield Admission(conn)

    def idempotent_create(self, project: str, key: str) -> IdempotentCreate | None:
        """The create made with this Idempotency-Key within the last day, if any (no lock: the
        locked look happens again inside the admission that would insert)."""
        with self.reading() as conn:
            return Admission(conn).idempotent_create(project, key, utcnow() - IDEMPOTENCY_WINDOW)

    def get_operation(self, op_id: str) -> Operation | None:
        with self.reading() as conn:
            row = conn.execute(select(operations).where(operations.c.id == op_id)).first()
            return None if row is None else self._load(conn, [row])[0]

    def list_operations(self, project: str, limit: int, page_token: str | None) -> tuple[list[Operation], str | None]:
        """Newest first. The page token is opaque to callers: (created_at, id) of the last row."""
        query = select(operations).where(operations.c.project == project)
        if page_token:
            created, op_id = _decode_page_token(page_token)
            query = query.where(or_(operations.c.created_at < created,
                                    and_(operations.c.created_at == created, operations.c.id < op_id)))
        query = query.order_by(operations.c.created_at.desc(), operations.c.id.desc()).limit(limit + 1)
        with self.reading() as conn:
            rows = conn.execute(query).all()
            ops = self._load(conn, rows[:limit])
        next_token = _encode_page_token(rows[limit - 1]) if len(rows) > limit else None
        return ops, next_token

    def list_surface_operations(self, project: str, surface: Surface, limit: int, after: str | None,
                                newest_first: bool) -> tuple[list[Operation], bool]:
        """One front's operations in id order, which is creation order to the millisecond (ids are
        UUIDv7), or newest first; those after the id `after` (OpenAI's cursor, which need not name
        an operation that still exists), and whether more follow."""
        query = select(operations).where(operations.c.project == project, operations.c.surface == surface.value)
        if after is not None:
            query = query.where(operations.c.id < after if newest_first else operations.c.id > after)
        order = operations.c.id.desc() if newest_first else operations.c.id
        with self.reading() as conn:
            rows = conn.execute(query.order_by(order).limit(limit + 1)).all()
            return self._load(conn, rows[:limit]), len(rows) > limit

    def cancel(self, op_id: str) -> bool:
        """Move an active operation to CANCELLED; False if it had already finished. Work its engine
        left running elsewhere is recorded to be stopped (store/abandoned.py)."""
        now = utcnow()
        with self.writing() as conn:
            if not self._move(conn, op_id, ACTIVE_STATES, OperationState.CANCELLED, (), error_code=1,
                              error_message="The operation was cancelled.", lease_owner=None, updated_at=now,
                              finished_at=now):
                return False
            record_abandoned_work(conn, op_id, delete_remote=False, now=now)
            finished = self._finished(conn, op_id, now)
        self._announce(finished)
        return True

    def delete_operation(self, op_id: str) -> list[str]:
        """Delete the operation and its video rows; return the storage keys of its videos. Work
        its engine left elsewhere (unless the operation succeeded: then that work ended too) is
        recorded to be stopped and deleted."""
        with self.writing() as conn:
            state = conn.execute(select(operations.c.state).where(operations.c.id == op_id)).scalar_one_or_none()
            if state is not None and state != OperationState.SUCCEEDED.value:
                record_abandoned_work(conn, op_id, delete_remote=True, now=utcnow())
            keys = list(conn.execute(select(videos.c.storage_key).where(videos.c.operation_id == op_id)).scalars())
            conn.execute(videos.delete().where(videos.c.operation_id == op_id))
            # A retry with its Idempotency-Key makes a new operation, rather than naming a gone one.
            conn.execute(idempotency_keys.delete().where(idempotency_keys.c.operation_id == op_id))
            conn.execute(operations.delete().where(operations.c.id == op_id))
        return keys

    def get_video(self, file_id: str) -> tuple[VideoFile, str] | None:
        """A generated video and the project that owns it."""
        query = select(videos, operations.c.project, operations.c.files_expired_at).join(
            operations, operations.c.id == videos.c.operation_id).where(videos.c.id == file_id)
        with self.reading() as conn:
            row = conn.execute(query).first()
        return None if row is None else (_video(row, row.files_expired_at), row.project)

    def videos_of(self, op_ids: list[str]) -> dict[str, list[VideoFile]]:
        """Each operation's videos in sample order, marked expired where retention deleted them,
        in one query whatever the count."""
        found: dict[str, list[VideoFile]] = {}
        query = select(videos, operations.c.files_expired_at).join(
            operations, operations.c.id == videos.c.operation_id).where(
            videos.c.operation_id.in_(op_ids)).order_by(videos.c.sample_index)
        with self.reading() as conn:
            for row in conn.execute(query):
                found.setdefault(row.operation_id, []).append(
                    _video(row, row.files_expired_at))
        return found

    # -- retention ---------------------------------------------------------------------------

    def files_to_expire(self, now: datetime, limit: int) -> list[Operation]:
        """Finished operations whose files are due for deletion and not yet deleted."""
        query = select(operations).where(operations.c.files_expire_at <= now,
                                          operations.c.files_expired_at.is_(None)).order_by(
            operations.c.files_expire_at).limit(limit)
        with self.reading() as conn:
            return self._load(conn, conn.execute(query).all())

    def mark_files_expired(self, op_id: str, now: datetime | None) -> None:
        """Record that retention deletes the operation's files (None: it could not, after all)."""
        with self.writing() as conn:
            conn.execute(update(operations).where(operations.c.id == op_id).values(files_expired_at=now))

    def purge_idempotency_keys(self, before: datetime) -> int:
        with self.writing() as conn:
            return int(conn.execute(idempotency_keys.delete().where(idempotency_keys.c.created_at < before)).rowcount)

    # -- workers -----------------------------------------------------------------------------

    def claim(self, worker_id: str, lease_seconds: float, operation_id: str | None = None,
              models: Collection[str] | None = None, not_models: Collection[str] = ()) -> Claim | None:
        """Take the oldest queued operation (or the named one) with a fresh lease and token; a
        worker serving only some models (`models`) takes only their operations, and none of
        `not_models` (whose engines are busy)."""
        due = or_(operations.c.not_before.is_(None), operations.c.not_before <= utcnow())  # not deferred
        query = select(operations.c.id).where(operations.c.state == OperationState.QUEUED.value, due)
        if operation_id is not None:
            query = query.where(operations.c.id == operation_id)
        if models is not None:
            query = query.where(operations.c.model.in_(list(models)))
        if not_models:
            query = query.where(operations.c.model.not_in(list(not_models)))
        query = query.order_by(operations.c.created_at, operations.c.id).limit(1)
        with self.reading() as conn:
            if not conn.execute(query).first():
                return None  # the common idle case costs no write lock
        with self.writing() as conn:
            # PostgreSQL: lock the oldest row no other claim holds locked right now (SKIP LOCKED),
            # so concurrent claims take different operations instead of queueing on the same one.
            # SQLite has one writer at a time anyway (and no FOR UPDATE).
            next_one = query.with_for_update(skip_locked=True)
            while (candidate := conn.execute(next_one).scalar()) is not None:
                now = utcnow()
                if not self._move(conn, candidate, [OperationState.QUEUED], OperationState.RUNNING, (),
                                  lease_owner=worker_id, lease_expires_at=now + timedelta(seconds=lease_seconds),
                                  fencing_token=operations.c.fencing_token + 1,
                                  attempt=operations.c.attempt + 1, started_at=now, updated_at=now,
                                  not_before=None, wait_reason=None, waiting_on=None):
                    return None  # cannot happen under the lock; never loop on it
                row = conn.execute(select(operations).where(operations.c.id == candidate)).one()
                try:
                    return Claim(self._load(conn, [row])[0], row.fencing_token)
                except (KeyError, TypeError, ValueError) as exc:
                    # A row no code can read must not block the queue behind it: fail it alone.
                    self._move(conn, candidate, [OperationState.RUNNING], OperationState.FAILED, (),
                               error_code=InternalError.grpc_code, lease_owner=None, finished_at=now,
                               updated_at=now, error_message=f"The stored request cannot be read ({exc!r}).")
        return None

    def heartbeat(self, op_id: str, token: int, lease_seconds: float, progress_percent: int,
                  progress_phase: str) -> bool:
        """Extend the lease and record progress; False means stop: cancelled or lease lost."""
        now = utcnow()
        with self.writing() as conn:
            result = conn.execute(update(operations).where(*fenced(op_id, token)).values(
                lease_expires_at=now + timedelta(seconds=lease_seconds),
                progress_percent=progress_percent, progress_phase=progress_phase, updated_at=now))
        return bool(result.rowcount == 1)

    def complete(self, op_id: str, token: int, files: list[VideoFile], enhanced_prompt: str | None,
                 rai_reasons: list[str], concepts: ConceptAccount | None = None) -> bool:
        """Publish the claim's videos and finish the operation, only while the claim still holds.
        Idempotent: when a retry follows a commit whose reply was lost, it reports True again
        (the token is unchanged since, so this claim's own completion is what is recorded)."""
        now = utcnow()
        with self.writing() as conn:
            if not self._move(conn, op_id, [OperationState.RUNNING], OperationState.SUCCEEDED,
                              (operations.c.fencing_token == token,),
                              progress_percent=100, progress_phase="", enhanced_prompt=enhanced_prompt,
                              rai_reasons=rai_reasons, concepts=None if concepts is None else concepts.to_json(),
                              lease_owner=None, updated_at=now, finished_at=now):
                row = conn.execute(select(operations.c.state, operations.c.fencing_token).where(
                    operations.c.id == op_id)).first()
                if not (row is not None and row.state == OperationState.SUCCEEDED.value and row.fencing_token == token):
                    return False
                # The first call committed, then raised before it told the hooks: this is their telling.
                finished = self._load_one(conn, op_id)
            else:
                if files:
                    conn.execute(videos.insert(), [
                        {"id": f.id, "operation_id": f.operation_id, "sample_index": f.sample_index,
                         "storage_key": f.storage_key, "mime_type": f.mime_type,
                         "size_bytes": f.size_bytes, "created_at": now} for f in files])
                finished = self._finished(conn, op_id, now)
        self._announce(finished)
        return True

    def fail(self, op_id: str, token: int, error: OperationError) -> bool:
        """Fail the claimed operation. Work its engine left elsewhere is recorded to be stopped: a
        run that failed (a timeout while the remote did not answer) may not have stopped it."""
        now = utcnow()
        with self.writing() as conn:
            if not self._move(conn, op_id, [OperationState.RUNNING], OperationState.FAILED,
                              (operations.c.fencing_token == token,), error_code=error.grpc_code,
                              error_message=error.message, lease_owner=None, updated_at=now, finished_at=now):
                return False
            record_abandoned_work(conn, op_id, delete_remote=False, now=now)
            finished = self._finished(conn, op_id, now)
        self._announce(finished)
        return True

    def release(self, op_id: str, token: int, count_attempt: bool = False) -> bool:
        """Hand a running operation back to the queue: when its worker shuts down gracefully the
        attempt it was on is not counted against it; after a transient fault (count_attempt)
        it is, so that a fault that never clears still ends in failure. The caller dispatches it
        again (dispatched_at is now)."""
        now = utcnow()
        with self.writing() as conn:
            return self._move(conn, op_id, [OperationState.RUNNING], OperationState.QUEUED,
                              (operations.c.fencing_token == token,),
                              lease_owner=None, lease_expires_at=None, progress_percent=0, progress_phase="",
                              attempt=operations.c.attempt - (0 if count_attempt else 1), updated_at=now,
                              dispatched_at=now)

    def defer(self, op_id: str, token: int, not_before: datetime, reason: str,
              waiting_on: str | None = None) -> bool:
        """Hand a running operation back to the queue until `not_before`, saying why it waits (its
        engine must wait for a remote API's limits), or until a remote call counted under the limit
        key `waiting_on` frees its slot, whichever comes first. The attempt is not counted: waiting
        is not failing."""
        with self.writing() as conn:
            return self._move(conn, op_id, [OperationState.RUNNING], OperationState.QUEUED,
                              (operations.c.fencing_token == token,),
                              lease_owner=None, lease_expires_at=None, progress_percent=0, progress_phase="",
                              attempt=operations.c.attempt - 1, not_before=not_before, waiting_on=waiting_on,
                              wait_reason=reason[:MAX_WAIT_REASON_CHARS], updated_at=utcnow())

    def save_engine_state(self, op_id: str, token: int, state: str) -> None:
        """Keep what the engine needs to resume this operation on a later attempt (the remote
        operation's name), while the claim holds; otherwise raise why not (store/fencing.py)."""
        with self.writing() as conn:
            result = conn.execute(update(operations).where(*fenced(op_id, token)).values(
                engine_state=state, updated_at=utcnow()))
            if result.rowcount != 1:
                raise why_not_held(conn, op_id)

    def mark_undispatched(self, op_id: str) -> None:
        """Its message could not be sent: the next sweep of any process sends it (store/dispatch.py)."""
        with self.writing() as conn:
            conn.execute(update(operations).where(
                operations.c.id == op_id, operations.c.state == OperationState.QUEUED.value).values(
                dispatched_at=None))

    def why_not_held(self, op_id: str) -> Cancelled:
        """Why a worker's claim on the operation no longer holds (store/fencing.py)."""
        with self.reading() as conn:
            return why_not_held(conn, op_id)

    def requeue_expired(self, max_attempts: int) -> SweepResult:
        """Hand operations whose worker stopped heart-beating back to the queue (the caller
        dispatches them), or fail them once they have used all their attempts."""
        now = utcnow()
        requeued: list[QueuedWork] = []
        failed: list[str] = []
        with self.reading() as conn:
            expired = conn.execute(select(operations.c.id, operations.c.model, operations.c.attempt,
                                          operations.c.fencing_token).where(
                operations.c.state == OperationState.RUNNING.value,
                operations.c.lease_expires_at < now)).all()
        for op_id, model, attempt, token in expired:
            fenced = (operations.c.fencing_token == token,)
            gave_up: Operation | None = None
            with self.writing() as conn:
                if attempt >= max_attempts:
                    if self._move(conn, op_id, [OperationState.RUNNING], OperationState.FAILED, fenced,
                                  error_code=Aborted.grpc_code, lease_owner=None, lease_expires_at=None,
                                  updated_at=now, finished_at=now,
                                  error_message=f"The worker running this operation stopped responding "
                                                f"{attempt} time(s); giving up after {max_attempts} attempts."):
                        record_abandoned_work(conn, op_id, delete_remote=False, now=now)
                        gave_up = self._finished(conn, op_id, now)
                elif self._move(conn, op_id, [OperationState.RUNNING], OperationState.QUEUED, fenced,
                                lease_owner=None, lease_expires_at=None, progress_percent=0, progress_phase="",
                                updated_at=now, dispatched_at=now):
                    requeued.append(QueuedWork(op_id, model))
            if gave_up is not None:
                self._announce(gave_up)
                failed.append(op_id)
        return SweepResult(requeued, failed)

    def _finished(self, conn: Connection, op_id: str, now: datetime) -> Operation:
        """After a move to a terminal state, in the same transaction: set when the operation's
        files expire, free its remote calls' concurrency slots, and let the listeners write what
        goes with the outcome. Returns the finished operation as they left it."""
        end_remote_calls(conn, op_id, now)
        if self.retention is not None:
            conn.execute(update(operations).where(operations.c.id == op_id)
                         .values(files_expire_at=now + self.retention))
        for listener in self.finish_listeners:
            # Loaded for each listener: a later one sees what an earlier one wrote (the webhook
            # payload carries the usage record).
            listener(conn, self._load_one(conn, op_id))
        return self._load_one(conn, op_id)

    def _load_one(self, conn: Connection, op_id: str) -> Operation:
        return self._load(conn, [conn.execute(select(operations).where(operations.c.id == op_id)).one()])[0]

    def _announce(self, finished: Operation) -> None:
        for hook in self.finished_hooks:
            try:
                hook(finished)
            except Exception:  # counting must never undo or fail the outcome it counts
                log.exception("a hook on the finish of %s failed", finished.name)

    # -- mapping -----------------------------------------------------------------------------

    @staticmethod
    def _move(conn: Connection, op_id: str, sources: Iterable[OperationState], target: OperationState,
              conditions: tuple[Any, ...], **values: Any) -> bool:
        """Move the operation from one of `sources` to `target` if it is still in one of them (and
        meets `conditions`); the lifecycle table must allow every such move."""
        sources = list(sources)
        for source in sources:
            transition(source, target)
        result = conn.execute(update(operations).where(
            operations.c.id == op_id, operations.c.state.in_([s.value for s in sources]), *conditions).values(
            state=target.value, **values))
        return bool(result.rowcount == 1)

    @staticmethod
    def _load(conn: Connection, rows: Iterable[Row[Any]]) -> list[Operation]:
        """Operations with their videos, queue positions and usage, in four queries whatever the count."""
        rows = list(rows)
        if not rows:
            return []
        files: dict[str, list[VideoFile]] = {}
        for v in conn.execute(select(videos).where(videos.c.operation_id.in_([r.id for r in rows]))
                              .order_by(videos.c.sample_index)):
            files.setdefault(v.operation_id, []).append(_video(v))
        positions = _queue_positions(conn, [r for r in rows if r.state == OperationState.QUEUED.value])
        finished = [r.id for r in rows if r.finished_at is not None]
        usage = {u.operation_id: usage_from_row(u) for u in conn.execute(
            select(usage_records).where(usage_records.c.operation_id.in_(finished)))} if finished else {}
        return [Operation(
            id=row.id, name=row.name, surface=Surface(row.surface), model=row.model,
            project=row.project, api_key_id=row.api_key_id, state=OperationState(row.state),
            request=request_from_json(row.request), created_at=row.created_at, updated_at=row.updated_at,
            progress_percent=row.progress_percent, progress_phase=row.progress_phase, attempt=row.attempt,
            enhanced_prompt=row.enhanced_prompt,
            error=None if row.error_code is None else OperationError(row.error_code, row.error_message),
            videos=tuple(files.get(row.id, ())), rai_filtered_reasons=tuple(row.rai_reasons or ()),
            queue_position=positions.get(row.id), started_at=row.started_at, finished_at=row.finished_at,
            files_expire_at=row.files_expire_at, files_expired_at=row.files_expired_at,
            usage=usage.get(row.id), engine_state=row.engine_state, not_before=row.not_before,
            trace_context=row.trace_context, wait_reason=row.wait_reason,
            concepts=None if row.concepts is None else ConceptAccount.from_json(row.concepts)) for row in rows]


def _insert_operation(conn: Connection, op: Operation) -> None:
    conn.execute(operations.insert().values(
        id=op.id, name=op.name, surface=op.surface.value, model=op.model,
        project=op.project, api_key_id=op.api_key_id, state=op.state.value, request=request_to_json(op.request),
        progress_percent=0, attempt=0, fencing_token=0, created_at=op.created_at,
        updated_at=op.updated_at, dispatched_at=op.created_at,  # dispatched right after the commit
        trace_context=op.trace_context))


def _queue_positions(conn: Connection, queued: list[Row[Any]]) -> dict[str, int]:
    """How many queued operations are ahead of each given queued one."""
    if not queued:
        return {}
    if len(queued) == 1:
        row = queued[0]
        ahead = conn.execute(select(func.count()).select_from(operations).where(
            operations.c.state == OperationState.QUEUED.value,
            or_(operations.c.created_at < row.created_at,
                and_(operations.c.created_at == row.created_at, operations.c.id < row.id)))).scalar_one()
        return {row.id: int(ahead)}
    wanted = {row.id for row in queued}
    order = select(operations.c.id).where(operations.c.state == OperationState.QUEUED.value).order_by(
        operations.c.created_at, operations.c.id)
    return {op_id: index for index, op_id in enumerate(conn.execute(order).scalars()) if op_id in wanted}


def _video(row: Row[Any], expired_at: datetime | None = None) -> VideoFile:
    return VideoFile(id=row.id, operation_id=row.operation_id, sample_index=row.sample_index,
                     storage_key=row.storage_key, mime_type=row.mime_type, size_bytes=row.size_bytes,
                     expired_at=expired_at)


def _encode_page_token(row: Row[Any]) -> str:
    created = row.created_at.astimezone(UTC).isoformat()
    return base64.urlsafe_b64encode(f"{created}|{row.id}".encode()).decode()


def _decode_page_token(token: str) -> tuple[datetime, str]:
    try:
        created, op_id = base64.urlsafe_b64decode(token.encode()).decode().split("|", 1)
        if operation_id_from(op_id) != op_id:
            raise ValueError(op_id)
        return datetime.fromisoformat(created), op_id
    except (ValueError, UnicodeError) as exc:
        raise ValueError("malformed page token") from exc
