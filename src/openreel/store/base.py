"""OperationStore: the state of operations as the API's service and the workers use it, and
store_from_url, which opens the one a database URL names.

There is one implementation, SqlStore (store/sql.py), and it serves both deployments: SQLite in
the embedded mode, PostgreSQL when scaled out, with the same Alembic migrations. The store tests
(tests/store, every test on both databases) are the contract suite any other implementation must
pass. Beside it, store/ holds the SQL stores of narrower things (keys, limits, webhooks, remote
calls, dispatch, abandoned work), each over a SqlStore's connections.
"""

from __future__ import annotations

from collections.abc import Collection
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from openreel.domain.concepts import ConceptAccount
from openreel.domain.operation import Operation, OperationError, Surface, VideoFile
from openreel.errors import Cancelled
from openreel.store.connection import Database

if TYPE_CHECKING:
    from openreel.store.sql import Admission, Claim, IdempotentCreate, SqlStore, SweepResult

BACKENDS = ("sqlite", "postgresql")


class OperationStore(Database, Protocol):
    """Its transactions (Database) are part of it: the narrower stores the workers use beside
    it (remote calls, dispatch) work inside them."""

    # -- the API's side ----------------------------------------------------------------------
    def admission(self, locked: bool = True) -> AbstractContextManager[Admission]:
        """One transaction, serialised with every other admission, in which a create is counted
        against the limits and inserted (see SqlStore.admission)."""

    def idempotent_create(self, project: str, key: str) -> IdempotentCreate | None: ...

    def get_operation(self, op_id: str) -> Operation | None: ...

    def list_operations(self, project: str, limit: int,
                        page_token: str | None) -> tuple[list[Operation], str | None]: ...

    def list_surface_operations(self, project: str, surface: Surface, limit: int, after: str | None,
                                newest_first: bool) -> tuple[list[Operation], bool]: ...

    def cancel(self, op_id: str) -> bool: ...

    def delete_operation(self, op_id: str) -> list[str]: ...

    def get_video(self, file_id: str) -> tuple[VideoFile, str] | None: ...

    def videos_of(self, op_ids: list[str]) -> dict[str, list[VideoFile]]: ...

    def mark_undispatched(self, op_id: str) -> None:
        """Its message could not be sent: the next sweep of any process sends it."""

    # -- the workers' side: a claim, and writes fenced by its token ------------------------------
    def claim(self, worker_id: str, lease_seconds: float, operation_id: str | None = None,
              models: Collection[str] | None = None, not_models: Collection[str] = ()) -> Claim | None: ...

    def heartbeat(self, op_id: str, token: int, lease_seconds: float, progress_percent: int,
                  progress_phase: str) -> bool: ...

    def complete(self, op_id: str, token: int, files: list[VideoFile], enhanced_prompt: str | None,
                 rai_reasons: list[str], concepts: ConceptAccount | None = None) -> bool: ...

    def fail(self, op_id: str, token: int, error: OperationError) -> bool: ...

    def release(self, op_id: str, token: int, count_attempt: bool = False) -> bool: ...

    def defer(self, op_id: str, token: int, not_before: datetime, reason: str,
              waiting_on: str | None = None) -> bool: ...

    def save_engine_state(self, op_id: str, token: int, state: str) -> None: ...

    def why_not_held(self, op_id: str) -> Cancelled: ...

    # -- the sweepers' side ----------------------------------------------------------------------
    def requeue_expired(self, max_attempts: int) -> SweepResult: ...

    # -- retention ---------------------------------------------------------------------------
    def files_to_expire(self, now: datetime, limit: int) -> list[Operation]: ...

    def mark_files_expired(self, op_id: str, now: datetime | None) -> None: ...

    def purge_idempotency_keys(self, before: datetime) -> int: ...

    def close(self) -> None: ...


def store_from_url(url: str, busy_timeout_seconds: float = 30.0, retention: timedelta | None = None) -> SqlStore:
    """The store OPENREEL_DATABASE_URL names (or the data dir's SQLite file); raise ValueError for
    a database openreel does not run on (the migrations and locks are written for these two)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from openreel.store.sql import SqlStore

    try:
        backend = make_url(url).get_backend_name()
    except ArgumentError:
        raise ValueError("OPENREEL_DATABASE_URL is not a database URL") from None
    if backend not in BACKENDS:
        raise ValueError(f"OPENREEL_DATABASE_URL names a {backend} database; openreel runs on "
                         f"sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST/DATABASE")

    return SqlStore(url, busy_timeout_seconds, retention)
