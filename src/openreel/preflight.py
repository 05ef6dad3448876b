"""Start-up checks on the data a server is about to serve: refuse a database that cannot be read,
or one that is missing or empty while videos exist (a lost or truncated database would otherwise
start silently empty and orphan every video), and clear scratch left by killed workers."""

from __future__ import annotations

from openreel.errors import ServiceUnavailable
from openreel.settings import Settings
from openreel.storage.base import Storage
from openreel.store.sql import SqlStore
from openreel.worker.scratch import remove_stale_scratch


class StartupRefused(Exception):
    """The data dir is not safe to serve; the message says what to do."""


def check_data(settings: Settings, store: SqlStore, storage: Storage) -> None:
    where = _database_name(settings)
    try:
        has_schema = store.has_schema()
        if has_schema:
            store.check_integrity()
    except ServiceUnavailable as exc:
        if not store.is_sqlite:
            raise StartupRefused(f"The database {where} cannot be reached or read: {exc.message} Check that "
                                 "the server is up and the URL is right.") from exc
        raise StartupRefused(
            f"The database {where} cannot be read: {exc.message} Restore it from a backup; or, to start "
            f"over with no operations, move it aside (its videos in {settings.resolved_storage_url} "
            f"would no longer be reachable).") from exc
    if not has_schema and storage.has_keys("videos/"):
        raise StartupRefused(
            f"The database {where} is missing or empty, but videos exist in "
            f"{settings.resolved_storage_url}: starting would orphan them. Restore the database from a "
            f"backup; or, to start over, move the videos folder aside first.")
    remove_stale_scratch(settings.data_dir / "tmp")


def _database_name(settings: Settings) -> str:
    url = settings.resolved_database_url
    if url.startswith("sqlite"):
        return f"file {url.partition(':///')[2] or ':memory:'}"
    return "at OPENREEL_DATABASE_URL"

