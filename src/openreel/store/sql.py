"""SqlStore: the single authority on operation state, over SQLite (embedded) or PostgreSQL.

Workers claim an operation with a lease and a fencing token. Every later write by that worker
(heartbeat, success, failure) is conditional on still holding the latest token in RUNNING state,
so a worker whose lease expired and was re-claimed elsewhere, or whose operation was cancelled,
can no longer change it.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, and_, create_engine, event, func, or_, select, update
from sqlalchemy.engine import Row

from openreel.domain.operation import (ACTIVE_STATES, Operation, OperationError, OperationState,
                                       Surface, VideoFile, transition)
from openreel.errors import Aborted
from openreel.store.codec import request_from_json, request_to_json
from openreel.store.tables import api_keys, operations, videos


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ApiKeyRecord:
    id: str
    prefix: str
    project: str
    tier: str
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class Claim:
    operation: Operation
    fencing_token: int


@dataclass(frozen=True)
class SweepResult:
    requeued: list[str]
    failed: list[str]


class SqlStore:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine = _make_engine(url)

    def migrate(self) -> None:
        """Bring the schema to the latest Alembic revision (idempotent)."""
        config = Config()
        config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
        with self.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    # -- API keys ----------------------------------------------------------------------------

    def add_api_key(self, key_id: str, key_hash: str, prefix: str, project: str, tier: str) -> None:
        with self._tx() as conn:
            conn.execute(api_keys.insert().values(id=key_id, key_hash=key_hash, prefix=prefix,
                                                  project=project, tier=tier, created_at=utcnow()))

    def find_api_key(self, key_hash: str) -> ApiKeyRecord | None:
        with self._tx() as conn:
            row = conn.execute(select(api_keys).where(api_keys.c.key_hash == key_hash)).first()
        if row is None:
            return None
        return ApiKeyRecord(row.id, row.prefix, row.project, row.tier, row.created_at, row.revoked_at)

    # -- operations --------------------------------------------------------------------------

    def add_operation(self, op: Operation) -> None:
        with self._tx() as conn:
            conn.execute(operations.insert().values(
                id=op.id, name=op.name, surface=op.surface.value, model=op.model,
                project=op.project, api_key_id=op.api_key_id, state=op.state.value, request=request_to_json(op.request),
                progress_percent=0, attempt=0, fencing_token=0, created_at=op.created_at,
                updated_at=op.updated_at))

    def get_operation(self, op_id: str) -> Operation | None:
        with self._tx() as conn:
            row = conn.execute(select(operations).where(operations.c.id == op_id)).first()
            return None if row is None else self._load(conn, row)

    def list_operations(self, project: str, limit: int, page_token: str | None) -> tuple[list[Operation], str | None]:
        """Newest first. The page token is opaque to callers: (created_at, id) of the last row."""
        query = select(operations).where(operations.c.project == project)
        if page_token:
            created, op_id = _decode_page_token(page_token)
            query = query.where(or_(operations.c.created_at < created,
                                    and_(operations.c.created_at == created, operations.c.id < op_id)))
        query = query.order_by(operations.c.created_at.desc(), operations.c.id.desc()).limit(limit + 1)
        with self._tx() as conn:
            rows = conn.execute(query).all()
            ops = [self._load(conn, row) for row in rows[:limit]]
        next_token = _encode_page_token(rows[limit - 1]) if len(rows) > limit else None
        return ops, next_token

    def cancel(self, op_id: str) -> bool:
        """Move an active operation to CANCELLED; False if it had already finished."""
        with self._tx() as conn:
            row = conn.execute(select(operations.c.state).where(operations.c.id == op_id)).first()
            if row is None or OperationState(row.state) not in ACTIVE_STATES:
                return False
            transition(OperationState(row.state), OperationState.CANCELLED)
            now = utcnow()
            result = conn.execute(update(operations).where(
                operations.c.id == op_id, operations.c.state == row.state).values(
                state=OperationState.CANCELLED.value, error_code=1,
                error_message="The operation was cancelled.", lease_owner=None,
                updated_at=now, finished_at=now))
            return result.rowcount == 1

    def delete_operation(self, op_id: str) -> list[str]:
        """Delete the operation and its video rows; return the storage keys to remove."""
        with self._tx() as conn:
            keys = list(conn.execute(select(videos.c.storage_key).where(videos.c.operation_id == op_id)).scalars())
            conn.execute(videos.delete().where(videos.c.operation_id == op_id))
            conn.execute(operations.delete().where(operations.c.id == op_id))
        return keys

    def get_video(self, file_id: str) -> tuple[VideoFile, str] | None:
        """A generated video and the project that owns it."""
        query = select(videos, operations.c.project).join(
            operations, operations.c.id == videos.c.operation_id).where(videos.c.id == file_id)
        with self._tx() as conn:
            row = conn.execute(query).first()
        return None if row is None else (_video(row), row.project)

    # -- quotas ----------------------------------------------------------------------------

    def created_since(self, api_key_id: str, since: datetime) -> list[datetime]:
        """Creation times of the key's operations since `since`, oldest first."""
        query = select(operations.c.created_at).where(operations.c.api_key_id == api_key_id,
                                                      operations.c.created_at >= since)
        with self._tx() as conn:
            return list(conn.execute(query.order_by(operations.c.created_at)).scalars())

    def count_active(self, api_key_id: str) -> int:
        """Queued or running operations of one key."""
        query = select(func.count()).select_from(operations).where(
            operations.c.state.in_([s.value for s in ACTIVE_STATES]), operations.c.api_key_id == api_key_id)
        with self._tx() as conn:
            return int(conn.execute(query).scalar_one())

    def count_queued(self) -> int:
        query = select(func.count()).select_from(operations).where(operations.c.state == OperationState.QUEUED.value)
        with self._tx() as conn:
            return int(conn.execute(query).scalar_one())

    # -- workers -----------------------------------------------------------------------------

    def claim(self, worker_id: str, lease_seconds: float, operation_id: str | None = None) -> Claim | None:
        """Take the oldest queued operation (or the named one) with a fresh lease and token."""
        with self._tx() as conn:
            query = select(operations.c.id).where(operations.c.state == OperationState.QUEUED.value)
            if operation_id is not None:
                query = query.where(operations.c.id == operation_id)
            candidates = conn.execute(
                query.order_by(operations.c.created_at, operations.c.id).limit(8)).scalars().all()
        for candidate in candidates:
            now = utcnow()
            with self._tx() as conn:
                result = conn.execute(update(operations).where(
                    operations.c.id == candidate,
                    operations.c.state == OperationState.QUEUED.value).values(
                    state=OperationState.RUNNING.value, lease_owner=worker_id,
                    lease_expires_at=now + timedelta(seconds=lease_seconds),
                    fencing_token=operations.c.fencing_token + 1,
                    attempt=operations.c.attempt + 1, started_at=now, updated_at=now))
                if result.rowcount != 1:
                    continue  # another worker won it
                row = conn.execute(select(operations).where(operations.c.id == candidate)).one()
                return Claim(self._load(conn, row), row.fencing_token)
        return None

    def heartbeat(self, op_id: str, token: int, lease_seconds: float, progress_percent: int) -> bool:
        """Extend the lease and record progress; False means stop: cancelled or lease lost."""
        now = utcnow()
        with self._tx() as conn:
            result = conn.execute(update(operations).where(*self._fenced(op_id, token)).values(
                lease_expires_at=now + timedelta(seconds=lease_seconds),
                progress_percent=progress_percent, updated_at=now))
        return result.rowcount == 1

    def complete(self, op_id: str, token: int, files: list[VideoFile], enhanced_prompt: str | None,
                 rai_reasons: list[str]) -> bool:
        now = utcnow()
        with self._tx() as conn:
            result = conn.execute(update(operations).where(*self._fenced(op_id, token)).values(
                state=OperationState.SUCCEEDED.value, progress_percent=100,
                enhanced_prompt=enhanced_prompt, rai_reasons=rai_reasons, lease_owner=None,
                updated_at=now, finished_at=now))
            if result.rowcount != 1:
                return False
            if files:
                conn.execute(videos.insert(), [
                    {"id": f.id, "operation_id": f.operation_id, "sample_index": f.sample_index,
                     "storage_key": f.storage_key, "mime_type": f.mime_type,
                     "size_bytes": f.size_bytes, "created_at": now} for f in files])
        return True

    def fail(self, op_id: str, token: int, error: OperationError) -> bool:
        now = utcnow()
        with self._tx() as conn:
            result = conn.execute(update(operations).where(*self._fenced(op_id, token)).values(
                state=OperationState.FAILED.value, error_code=error.grpc_code,
                error_message=error.message, lease_owner=None, updated_at=now, finished_at=now))
        return result.rowcount == 1

    def release(self, op_id: str, token: int) -> bool:
        """Hand a running operation back to the queue untouched, e.g. when its worker shuts down
        gracefully; the attempt it was on is not counted against it."""
        with self._tx() as conn:
            result = conn.execute(update(operations).where(*self._fenced(op_id, token)).values(
                state=OperationState.QUEUED.value, lease_owner=None, lease_expires_at=None, progress_percent=0,
                attempt=operations.c.attempt - 1, updated_at=utcnow()))
        return result.rowcount == 1

    def requeue_expired(self, max_attempts: int) -> SweepResult:
        """Hand operations whose worker stopped heart-beating back to the queue, or fail them
        once they have used all their attempts."""
        now = utcnow()
        requeued: list[str] = []
        failed: list[str] = []
        with self._tx() as conn:
            expired = conn.execute(select(operations.c.id, operations.c.attempt, operations.c.fencing_token).where(
                operations.c.state == OperationState.RUNNING.value,
                operations.c.lease_expires_at < now)).all()
        for op_id, attempt, token in expired:
            exhausted = attempt >= max_attempts
            values: dict[str, Any] = {"lease_owner": None, "lease_expires_at": None, "updated_at": now}
            if exhausted:
                values |= {"state": OperationState.FAILED.value, "error_code": Aborted.grpc_code,
                           "finished_at": now,
                           "error_message": f"The worker running this operation stopped responding "
                                            f"{attempt} time(s); giving up after {max_attempts} attempts."}
            else:
                values |= {"state": OperationState.QUEUED.value, "progress_percent": 0}
            with self._tx() as conn:
                result = conn.execute(update(operations).where(*self._fenced(op_id, token)).values(**values))
            if result.rowcount == 1:
                (failed if exhausted else requeued).append(op_id)
        return SweepResult(requeued, failed)

    # -- mapping -----------------------------------------------------------------------------

    @staticmethod
    def _fenced(op_id: str, token: int) -> tuple[Any, ...]:
        return (operations.c.id == op_id, operations.c.fencing_token == token,
                operations.c.state == OperationState.RUNNING.value)

    def _load(self, conn: Connection, row: Row[Any]) -> Operation:
        state = OperationState(row.state)
        files = tuple(_video(v) for v in conn.execute(
            select(videos).where(videos.c.operation_id == row.id).order_by(videos.c.sample_index)))
        position = None
        if state is OperationState.QUEUED:
            position = conn.execute(select(func.count()).select_from(operations).where(
                operations.c.state == OperationState.QUEUED.value,
                or_(operations.c.created_at < row.created_at,
                    and_(operations.c.created_at == row.created_at, operations.c.id < row.id)))).scalar_one()
        return Operation(
            id=row.id, name=row.name, surface=Surface(row.surface), model=row.model,
            project=row.project, api_key_id=row.api_key_id, state=state, request=request_from_json(row.request),
            created_at=row.created_at, updated_at=row.updated_at,
            progress_percent=row.progress_percent, attempt=row.attempt,
            enhanced_prompt=row.enhanced_prompt,
            error=None if row.error_code is None else OperationError(row.error_code, row.error_message),
            videos=files, rai_filtered_reasons=tuple(row.rai_reasons or ()), queue_position=position)


def _video(row: Row[Any]) -> VideoFile:
    return VideoFile(id=row.id, operation_id=row.operation_id, sample_index=row.sample_index,
                     storage_key=row.storage_key, mime_type=row.mime_type, size_bytes=row.size_bytes)


def _encode_page_token(row: Row[Any]) -> str:
    created = row.created_at.astimezone(UTC).isoformat()
    return base64.urlsafe_b64encode(f"{created}|{row.id}".encode()).decode()


def _decode_page_token(token: str) -> tuple[datetime, str]:
    try:
        created, op_id = base64.urlsafe_b64decode(token.encode()).decode().split("|", 1)
        return datetime.fromisoformat(created), op_id
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError("malformed page token") from exc


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            # WAL lets the API read while a worker writes; foreign keys are off by default in SQLite.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)
