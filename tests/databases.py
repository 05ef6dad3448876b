"""Databases for tests: a fresh PostgreSQL schema per test on the server that
OPENREEL_TEST_DATABASE_URL names (skipped with a reason on a laptop without one; a failure in
CI, where OPENREEL_REQUIRE_SERVICES=1)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy

from tests.support import require_or_skip


def postgres_url() -> str:
    url = os.environ.get("OPENREEL_TEST_DATABASE_URL", "")
    if not url:
        require_or_skip("OPENREEL_TEST_DATABASE_URL is not set (a PostgreSQL database to test against)")
    return url


@contextmanager
def postgres_schema() -> Iterator[tuple[str, str]]:
    """(url, schema): a URL whose connections use a new, empty schema, dropped afterwards."""
    base = postgres_url()
    schema = f"t_{uuid.uuid4().hex[:10]}"
    admin = sqlalchemy.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sqlalchemy.text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}", schema
    finally:
        with admin.begin() as conn:
            conn.execute(sqlalchemy.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
