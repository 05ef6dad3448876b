"""One contract for every WorkQueue with its consumers: the embedded LocalQueue (worker threads of
`openreel serve`, here two servers sharing a data dir) and CeleryQueue on a real Redis and on a
real RabbitMQ (`openreel worker` processes, on PostgreSQL). Each operation runs once, on a worker of
its model; an operation waits for such a worker; a message sent twice runs nothing twice; work
queued while no worker runs is done when one starts.

The Celery workers are processes, never threads of the test: Celery keeps its event loop and its
shutdown flags per process (kombu's current hub, celery.worker.state), so two workers started in
one process share a loop and one's shutdown stops the other."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy

from tests.databases import postgres_schema
from tests.gates import Gates, gated_body
from tests.inprocess import InProcessServer, explicit_settings
from tests.scaleout import LiveWorker, amqp_url, broker_url, purge_queues

MODEL, OTHER = "gated", "gated-b"


@dataclass
class QueueDeployment:
    api: InProcessServer
    start_workers: Callable[[str], None]  # for the models named, comma-separated
    sql: sqlalchemy.Engine

    def create(self, http: Any, model: str, tag: str) -> str:
        response = http.post(f"/v1beta/models/{model}:predictLongRunning", json=gated_body(tag))
        assert response.status_code == 200, response.text
        return str(response.json()["name"])

    def rows(self) -> dict[str, tuple[str, int, int]]:
        """Each operation's (state, attempt, videos)."""
        with self.sql.connect() as conn:
            return {op_id: (state, attempt, count) for op_id, state, attempt, count in conn.execute(sqlalchemy.text(
                "SELECT o.id, o.state, o.attempt, count(v.id) FROM operations o "
                "LEFT JOIN videos v ON v.operation_id = o.id GROUP BY o.id, o.state, o.attempt"))}


def _catalog(gates: Gates, path: Path) -> Path:
    entries = [{"id": model, "engine": "gated", "durations": [4, 6, 8], "options": {"control_dir": str(gates.dir)}}
               for model in (MODEL, OTHER)]
    path.write_text(json.dumps({"models": entries}))
    return path


@pytest.fixture
def gates(tmp_path: Path) -> Gates:
    return Gates(tmp_path / "gates")


@pytest.fixture(params=["local", "celery-redis", "celery-rabbitmq"])
def deployment(request: pytest.FixtureRequest, tmp_path: Path, gates: Gates) -> Iterator[QueueDeployment]:
    base: dict[str, Any] = {"catalog_path": _catalog(gates, tmp_path / "catalog.json"), "lease_seconds": 2,
                            "heartbeat_seconds": 0.3, "poll_interval_seconds": 0.2}
    with ExitStack() as stack:
        if request.param == "local":
            data = tmp_path / "data"
            base |= {"data_dir": data}
            url = f"sqlite:///{data / 'openreel.db'}"

            def start_workers(models: str) -> None:  # another embedded server on the same data dir
                stack.enter_context(InProcessServer(explicit_settings(workers=1, worker_models=models, **base)))
        else:
            url, _ = stack.enter_context(postgres_schema())
            broker = broker_url() if request.param == "celery-redis" else amqp_url()
            purge_queues(broker, [f"openreel.{model}" for model in (MODEL, OTHER)])
            base |= {"data_dir": tmp_path / "api", "database_url": url, "queue_url": broker,
                     "storage_url": f"file://{tmp_path / 'videos'}"}
            env = {f"OPENREEL_{key.upper()}": str(value) for key, value in base.items() if key != "data_dir"}

            def start_workers(models: str) -> None:  # `openreel worker --models ...`, as deployed
                worker = LiveWorker(tmp_path / f"worker-{models}", env, models).start()
                stack.callback(worker.kill)
        api = stack.enter_context(InProcessServer(explicit_settings(workers=0, **base)))
        engine = sqlalchemy.create_engine(url)
        stack.callback(engine.dispose)
        yield QueueDeployment(api, start_workers, engine)


def _wait(condition: Callable[[], bool], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_each_operation_runs_once_on_a_worker_of_its_model(deployment: QueueDeployment, gates: Gates) -> None:
    http = deployment.api.client(deployment.api.create_key())
    deployment.start_workers(MODEL)
    names = [deployment.create(http, MODEL, f"once{i}") for i in range(4)]
    other = deployment.create(http, OTHER, "elsewhere")
    for index in range(4):
        gates.open(f"once{index}", 0)
    gates.open("elsewhere", 0)
    for name in names:
        assert "response" in deployment.api.wait_done(http, f"/v1beta/{name}", timeout=120)
    time.sleep(1.0)  # time enough for a worker of another model to have taken it, had it been sent there
    rows = deployment.rows()
    assert {rows[n.rsplit("/", 1)[1]] for n in names} == {("SUCCEEDED", 1, 1)}
    assert rows[other.rsplit("/", 1)[1]][0] == "QUEUED"
    assert not gates.starts("elsewhere", 0)

    deployment.start_workers(OTHER)  # a worker of its model arrives
    assert "response" in deployment.api.wait_done(http, f"/v1beta/{other}", timeout=120)


def test_a_message_sent_twice_runs_nothing_twice(deployment: QueueDeployment, gates: Gates) -> None:
    http = deployment.api.client(deployment.api.create_key())
    deployment.start_workers(MODEL)
    gates.open("twice", 0)
    first = deployment.create(http, MODEL, "twice")
    deployment.api.wait_done(http, f"/v1beta/{first}", timeout=120)
    op_id = first.rsplit("/", 1)[1]
    for _ in range(3):  # as a sweeper re-sending a message the broker had after all
        assert deployment.api.runtime.queue.dispatch(op_id, MODEL)
    gates.open("after", 0)
    after = deployment.create(http, MODEL, "after")
    assert "response" in deployment.api.wait_done(http, f"/v1beta/{after}", timeout=120)
    rows = deployment.rows()
    assert rows[op_id] == ("SUCCEEDED", 1, 1)
    assert rows[after.rsplit("/", 1)[1]] == ("SUCCEEDED", 1, 1)
    assert gates.starts("twice", 0) and len(gates.starts("twice", 0)) == 1


def test_work_queued_while_no_worker_runs_is_done_when_one_starts(deployment: QueueDeployment, gates: Gates) -> None:
    http = deployment.api.client(deployment.api.create_key())
    gates.open("early", 0)
    name = deployment.create(http, MODEL, "early")
    time.sleep(0.5)
    assert http.get(f"/v1beta/{name}").json()["metadata"]["state"] == "QUEUED"
    deployment.start_workers(MODEL)
    assert "response" in deployment.api.wait_done(http, f"/v1beta/{name}", timeout=120)
