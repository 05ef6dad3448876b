"""The SQLAlchemy engine behind SqlStore, and the boundary where database failures become
openreel errors.

SQLite runs in WAL mode with explicit transactions: read transactions are plain `BEGIN`, write
transactions `BEGIN IMMEDIATE`, which takes the single writer lock up front. That makes "read the
counts, then insert" one atomic step (quota admission), and it spares writers the deadlock-prone
upgrade from a read snapshot to a write lock.

A database that is locked past its busy timeout, unreachable, missing a table or unreadable is
reported as ServiceUnavailable (503 with RetryInfo) with the driver's reason, never as a 500; the
worker treats the same error as transient and backs off.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from contextlib import AbstractContextManager
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError

from openreel.errors import ServiceUnavailable
from openreel.protocol.rpc import retry_info

log = logging.getLogger(__name__)

# Callers told "the database is unavailable" are asked to come back after this long.
UNAVAILABLE_RETRY_SECONDS = 2.0
CONNECT_TIMEOUT_SECONDS = 5
_WRITE = "openreel_write"


class Database(Protocol):
    """What the narrower stores (remote calls, dispatch, abandoned work, ...) need of a SqlStore:
    its transactions. Typed apart so that SqlStore can use their helpers inside its own."""

    @property
    def is_sqlite(self) -> bool: ...

    def reading(self) -> AbstractContextManager[Connection]: ...

    def writing(self) -> AbstractContextManager[Connection]: ...


class StoreUnavailable(ServiceUnavailable):
    """The database cannot serve the call right now (locked, unreachable, damaged)."""

    category = "database"


def make_engine(url: str, busy_timeout_seconds: float) -> Engine:
    if not url.startswith("sqlite"):
        # A database host that does not answer must fail a call (503), not hang it.
        connect_args = {} if "connect_timeout" in url else {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
        return create_engine(url, pool_pre_ping=True, connect_args=connect_args)
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": busy_timeout_seconds})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see _begin)
        cursor = dbapi_conn.cursor()
        # WAL lets the API read while a worker writes; foreign keys are off by default in SQLite.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_seconds * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")

    return engine


@contextmanager
def transaction(engine: Engine, write: bool) -> Iterator[Connection]:
    """One transaction; database failures leave it as StoreUnavailable."""
    try:
        with engine.connect() as conn:
            if write:
                conn.execution_options(**{_WRITE: True})
            with conn.begin():
                yield conn
    except (IntegrityError, DataError):
        raise  # a bug, a duplicate id or a value the callers should have refused: not an outage
    except DBAPIError as exc:
        raise unavailable(exc) from exc


def unavailable(exc: DBAPIError) -> StoreUnavailable:
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
    log.warning("database unavailable: %s", reason)
    return StoreUnavailable(f"The database is unavailable ({reason}). Retry later.",
                            details=[retry_info(UNAVAILABLE_RETRY_SECONDS)])
