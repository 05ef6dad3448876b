"""Workers, heartbeats and the API ride out database faults: a PostgreSQL table that goes missing
for a while, a SQLite write lock held past the busy timeout. Jobs submitted after the fault
finish, the job running through it finishes, creates during it answer 503 with RetryInfo (never
500), and /readyz names the database while /healthz stays a plain liveness probe."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy

from tests.databases import postgres_schema
from tests.gates import MODEL, Gates, gated_body
from tests.support import LiveServer

CREATE = f"/v1beta/models/{MODEL}:predictLongRunning"


@pytest.fixture
def gates(tmp_path: Path) -> Gates:
    return Gates(tmp_path / "gates")


def _wait_done(http: httpx.Client, name: str, timeout: float = 120) -> dict[str, Any]:
    """Poll through the fault: a 503 while the database is away is an answer, not a failure."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = http.get(f"/v1beta/{name}")
        assert response.status_code in (200, 503), response.text
        if response.status_code == 200 and response.json().get("done"):
            return dict(response.json())
        time.sleep(0.2)
    raise TimeoutError(f"{name} not done after {timeout}s")


def _submit(http: httpx.Client, tag: str) -> str:
    response = http.post(CREATE, json=gated_body(tag))
    assert response.status_code == 200, response.text
    return str(response.json()["name"])


def _readiness(live: LiveServer) -> tuple[int, dict[str, Any]]:
    response = httpx.get(f"{live.url}/readyz", timeout=10)
    return response.status_code, response.json()


@pytest.fixture
def postgres_server(tmp_path: Path, gates: Gates) -> Iterator[tuple[LiveServer, sqlalchemy.Engine]]:
    with postgres_schema() as (url, schema):
        live = LiveServer(tmp_path / "server", database_url=url, catalog_path=gates.write_catalog(tmp_path / "c.json"),
                          heartbeat_seconds=0.3, poll_interval_seconds=0.2)
        admin = sqlalchemy.create_engine(url)
        live.start()
        try:
            yield live, admin
        finally:
            live.stop()
            admin.dispose()


def _rename(admin: sqlalchemy.Engine, old: str, new: str) -> None:
    with admin.begin() as conn:
        conn.execute(sqlalchemy.text(f"ALTER TABLE {old} RENAME TO {new}"))


def test_postgres_table_missing_for_a_while_does_not_kill_workers(
        postgres_server: tuple[LiveServer, sqlalchemy.Engine], gates: Gates) -> None:
    live, admin = postgres_server
    http = live.client(live.create_key())

    # While idle: the claim loop and the sweeper hit the missing table for a few seconds.
    _rename(admin, "operations", "operations_away")
    time.sleep(2)
    status, body = _readiness(live)
    assert status == 503 and not body["checks"]["database"]["ok"]
    assert "operations" in body["checks"]["database"]["reason"]
    assert httpx.get(f"{live.url}/healthz").status_code == 200
    refused = http.post(CREATE, json=gated_body("never"))
    assert refused.status_code == 503 and refused.json()["error"]["status"] == "UNAVAILABLE"
    assert any(d["@type"].endswith("RetryInfo") for d in refused.json()["error"]["details"])
    _rename(admin, "operations_away", "operations")

    after_idle = _submit(http, "afteridle")
    gates.open("afteridle", 0)
    assert "response" in _wait_done(http, after_idle)

    # While a job runs: its heartbeats fail for a while, then it finishes.
    running = _submit(http, "through")
    gates.wait_started("through", 0)
    _rename(admin, "operations", "operations_away")
    time.sleep(2)
    _rename(admin, "operations_away", "operations")
    gates.open("through", 0)
    assert "response" in _wait_done(http, running)

    later = _submit(http, "later")
    gates.open("later", 0)
    assert "response" in _wait_done(http, later)
    assert _readiness(live)[0] == 200
    assert "heartbeat for operation" in live.log_path.read_text()  # the fault was seen and logged


def test_sqlite_lock_held_past_the_busy_timeout_answers_503_and_work_resumes(tmp_path: Path, gates: Gates) -> None:
    live = LiveServer(tmp_path / "server", catalog_path=gates.write_catalog(tmp_path / "c.json"),
                      database_busy_timeout_seconds=1, heartbeat_seconds=0.3)
    key = live.create_key()
    live.start()
    try:
        http = live.client(key)
        running = _submit(http, "locked")
        gates.wait_started("locked", 0)

        holder = sqlite3.connect(live.data_dir / "openreel.db", isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")  # what a stuck backup or admin shell does
        try:
            refused = http.post(CREATE, json=gated_body("refused"))
            assert refused.status_code == 503, refused.text
            error = refused.json()["error"]
            assert error["status"] == "UNAVAILABLE" and "locked" in error["message"]
            assert any(d["@type"].endswith("RetryInfo") for d in error["details"])
            status, body = _readiness(live)
            assert status == 503 and "locked" in body["checks"]["database"]["reason"]
            time.sleep(2)  # heartbeats fail meanwhile
        finally:
            holder.execute("ROLLBACK")
            holder.close()

        gates.open("locked", 0)
        assert "response" in _wait_done(http, running)
        later = _submit(http, "afterlock")
        gates.open("afterlock", 0)
        assert "response" in _wait_done(http, later)
        names = [op["name"] for op in http.get("/v1beta/operations").json()["operations"]]
        assert sorted(names) == sorted([running, later])  # the refused create left nothing behind
    finally:
        live.stop()
