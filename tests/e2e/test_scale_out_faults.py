"""The scale-out deployment under the faults an operator meets: API processes killed in the middle
of keyed creates, and the broker and the database restarted again and again under load. Real
processes on loopback; Redis and PostgreSQL of the test's own (tests/private_services.py), so the
machine's shared ones are left alone."""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy

from tests.databases import postgres_schema
from tests.gates import MODEL, Gates, gated_body
from tests.private_services import PrivatePostgres, PrivateRedis
from tests.scaleout import Deployment
from tests.support import LiveServer

CREATE = f"/v1beta/models/{MODEL}:predictLongRunning"


class KeyedSubmitter:
    """Creates with an Idempotency-Key each, as a careful client sends them: a create whose
    answer did not come back (refused, cut off, 5xx) is sent again with the same key, through
    whichever replica answers, until one acknowledges it. Keys never repeat across creates."""

    def __init__(self, servers: list[LiveServer], api_key: str, gates: Gates, threads: int = 3,
                 pause: float = 0.0) -> None:
        self.servers, self.api_key, self.gates, self.pause = servers, api_key, gates, pause
        self.acknowledged: dict[str, str] = {}  # Idempotency-Key -> operation name
        self.mismatches: list[str] = []
        self.retries = 0
        self.stopping = threading.Event()
        self._counter = itertools.count()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def start(self) -> KeyedSubmitter:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        for thread in self._threads:
            thread.join(timeout=120)

    def _run(self) -> None:
        rng = random.Random()
        while not self.stopping.is_set():
            index = next(self._counter)
            key, tag = f"order-{index}", f"keyed{index}"
            self.gates.open(tag, 0)
            name = self._submit_until_acknowledged(key, tag, rng)
            with self._lock:
                self.acknowledged[key] = name
            self.stopping.wait(self.pause)

    def _submit_until_acknowledged(self, key: str, tag: str, rng: random.Random) -> str:
        while (name := self._submit(key, tag, rng)) is None:
            with self._lock:
                self.retries += 1
            time.sleep(0.05)
        # Sent once more now that it was acknowledged, as a client unsure of its answer would: the
        # same operation, whichever replica answers.
        if (again := self._submit(key, tag, rng)) is not None and again != name:
            self.mismatches.append(key)
        return name

    def _submit(self, key: str, tag: str, rng: random.Random) -> str | None:
        server = rng.choice(self.servers)
        try:
            response = httpx.post(f"{server.url}{CREATE}", json=gated_body(tag), timeout=10,
                                  headers={"x-goog-api-key": self.api_key, "Idempotency-Key": key})
        except httpx.HTTPError:
            return None
        return str(response.json()["name"]) if response.status_code == 200 else None


def _one_operation_per_key(engine: sqlalchemy.Engine, acknowledged: dict[str, str]) -> None:
    with engine.connect() as conn:
        operations = conn.execute(sqlalchemy.text("SELECT id FROM operations")).scalars().all()
        by_key = dict(conn.execute(sqlalchemy.text("SELECT key, operation_id FROM idempotency_keys")).all())
    assert len(operations) == len(set(operations)) == len(acknowledged), "one operation per key, no more"
    assert by_key == {key: name.rsplit("/", 1)[1] for key, name in acknowledged.items()}


@pytest.fixture
def gates(tmp_path: Path) -> Gates:
    return Gates(tmp_path / "gates")


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_killing_api_processes_during_keyed_creates_makes_one_operation_per_key(tmp_path: Path, gates: Gates) -> None:
    kills_wanted = 100
    with postgres_schema() as (url, _):
        # No workers: what is asserted is the creates. Three replicas, killed with -9 one at a time
        # while creates are on their way to them, so that at least one serves while others restart.
        # The semantic prompt check is off: the kills are under test, and each of 100 restarts would
        # read the classifier's weights again (test_safety.py covers it in front of every create).
        deployment = Deployment(tmp_path, url, catalog_path=gates.write_catalog(tmp_path / "catalog.json"),
                                max_queued=100_000, safety_classifier="off")
        try:
            replicas = [deployment.api() for _ in range(3)]
            submitter = KeyedSubmitter(replicas, replicas[0].create_key(tier="enterprise"), gates).start()
            rng = random.Random(7)
            restarts: list[threading.Thread] = []
            kills = 0
            while kills < kills_wanted:
                time.sleep(rng.uniform(0.05, 0.3))
                up = [r for r in replicas if r.process is not None and not any(
                    t.is_alive() and t.name == str(r.port) for t in restarts)]
                if len(up) < 2:
                    continue
                victim = rng.choice(up)
                victim.stop(kill=True)
                kills += 1
                restart = threading.Thread(target=victim.start, name=str(victim.port), daemon=True)
                restarts.append(restart)
                restart.start()
            submitter.stop()
            for restart in restarts:
                restart.join(timeout=60)
            assert not submitter.mismatches, submitter.mismatches
            assert submitter.retries > 0, "creates were cut off by the kills"
            _one_operation_per_key(deployment.sql(), submitter.acknowledged)
            print(f"api kills: {kills}, {len(submitter.acknowledged)} keyed creates, {submitter.retries} sent again")
        finally:
            deployment.close()


@pytest.fixture
def private_services(tmp_path: Path) -> Iterator[tuple[PrivateRedis, PrivatePostgres]]:
    broker, database = PrivateRedis(tmp_path / "redis"), PrivatePostgres()
    broker.start()
    database.start()
    try:
        yield broker, database
    finally:
        broker.kill()
        database.close()


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_redis_and_postgresql_restarted_20_times_each_under_load_lose_nothing(
        tmp_path: Path, gates: Gates, private_services: tuple[PrivateRedis, PrivatePostgres]) -> None:
    broker, database = private_services
    # Jobs of half a second and next to no CPU, sent at a steady pace: the load is the traffic
    # through the broker and the database, not rendering (nor the safety models, which
    # test_safety.py covers), and the backlog drains soon after.
    catalog = gates.write_catalog(tmp_path / "catalog.json", fixed_seconds=0.5)
    deployment = Deployment(tmp_path / "deployment", database.url, queue_url=broker.url, catalog_path=catalog,
                            lease_seconds=3, heartbeat_seconds=0.5, queue_resend_seconds=3, max_attempts=100,
                            max_queued=100_000, safety_classifier="off", safety_frame_classifier="off")
    try:
        api = deployment.api()
        deployment.worker()
        deployment.worker()
        submitter = KeyedSubmitter([api], api.create_key(tier="enterprise"), gates, threads=2, pause=0.5).start()
        rng = random.Random(3)
        for _ in range(20):  # the broker crashes (its AOF keeps what it had written)
            time.sleep(rng.uniform(0.3, 1.0))
            broker.kill()
            time.sleep(rng.uniform(0.0, 0.5))
            broker.start()
        for index in range(20):  # the database goes down, fast or by a crash
            time.sleep(rng.uniform(0.3, 1.0))
            database.stop("immediate" if index % 2 else "fast")
            time.sleep(rng.uniform(0.0, 0.5))
            database.start()
        submitter.stop()
        acknowledged = dict(submitter.acknowledged)
        assert len(acknowledged) > 20
        # Everything acknowledged finishes once both are back, and exactly once.
        http = api.client(submitter.api_key)
        deadline = time.monotonic() + 600
        for name in acknowledged.values():
            done = api.wait_done(http, f"/v1beta/{name}", timeout=max(1.0, deadline - time.monotonic()))
            assert "response" in done, done
        _one_operation_per_key(deployment.sql(), acknowledged)
        with deployment.sql().connect() as conn:
            charged = conn.execute(sqlalchemy.text(
                "SELECT count(*), count(DISTINCT operation_id) FROM usage_records")).one()
        assert tuple(charged) == (len(acknowledged), len(acknowledged))
        print(f"restarts: {len(acknowledged)} creates acknowledged, {submitter.retries} sent again, all done once")
    finally:
        deployment.close()
