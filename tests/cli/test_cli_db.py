"""`openreel db upgrade` on SQLite (the data dir) and PostgreSQL (--database-url): it applies the
migrations once, says where the schema went, leaves a database the server and `keys` use, and
never prints the URL's password."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy

from tests.databases import postgres_schema
from tests.support import openreel_cli


def _with_password(url: str) -> str:
    # PostgreSQL here trusts loopback connections: any password is accepted, and must not show.
    return url.replace("postgres@", "postgres:hunter2-secret@", 1)


def test_db_upgrade_brings_an_empty_database_to_the_latest_schema_once(tmp_path: Path) -> None:
    with postgres_schema() as (url, schema):
        for where in (["--data-dir", str(tmp_path / "data")], ["--database-url", _with_password(url)]):
            first = openreel_cli("db", "upgrade", *where)
            assert first.returncode == 0, first.stderr
            assert first.stdout.startswith("the schema went from empty to ") and first.stdout.endswith(", the latest\n")
            latest = first.stdout.split()[-3].rstrip(",")
            again = openreel_cli("db", "upgrade", *where)
            assert again.returncode == 0 and again.stdout == f"the schema is already at {latest}, the latest\n"
            assert "hunter2" not in first.stdout + first.stderr + again.stdout + again.stderr
            created = openreel_cli("keys", "create", "--project", "p", *where)
            assert created.returncode == 0, created.stderr
        engine = sqlalchemy.create_engine(url)
        with engine.connect() as conn:
            tables = set(sqlalchemy.inspect(conn).get_table_names(schema=schema))
            assert {"operations", "api_keys", "abandoned_work", "alembic_version"} <= tables
            assert conn.execute(sqlalchemy.text(f"SELECT version_num FROM {schema}.alembic_version")).scalar() == latest
        engine.dispose()


def test_db_upgrade_of_a_database_that_cannot_be_reached_says_so_and_exits_nonzero() -> None:
    done = openreel_cli("db", "upgrade", "--database-url", "postgresql+psycopg://postgres:pw@127.0.0.1:1/test")
    assert done.returncode != 0 and "UNAVAILABLE" in done.stderr and "pw@" not in done.stderr
