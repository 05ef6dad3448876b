"""A scale-out deployment on loopback for tests: API replicas (`openreel serve --workers 0`) and
worker processes (`openreel worker`) sharing one PostgreSQL schema, one Redis database as the
Celery broker and one storage folder, each process with a data dir of its own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import sqlalchemy

from tests.support import LiveServer, openreel_cli, require_or_skip

# The Celery tests use their own Redis database, emptied first: the queues are per database.
# Another number lets a second run of the suite share the Redis server.
BROKER_DB = int(os.environ.get("OPENREEL_TEST_BROKER_DB", "9"))


def broker_url() -> str:
    base = os.environ.get("OPENREEL_TEST_REDIS_URL", "")
    if not base:
        require_or_skip("OPENREEL_TEST_REDIS_URL is not set (a Redis server for the Celery broker)")
    url = f"{base.rsplit('/', 1)[0]}/{BROKER_DB}" if base.count("/") >= 3 else f"{base}/{BROKER_DB}"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).flushdb()
    except redis.RedisError as exc:
        require_or_skip(f"Redis at OPENREEL_TEST_REDIS_URL is unreachable ({exc})")
    return url


def amqp_url() -> str:
    """RabbitMQ as the broker instead of Redis (Celery's amqp transport)."""
    url = os.environ.get("OPENREEL_TEST_AMQP_URL", "")
    if not url:
        require_or_skip("OPENREEL_TEST_AMQP_URL is not set (a RabbitMQ server, e.g. amqp://guest:guest@127.0.0.1:5672//)")
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=3) as conn:
            conn.connect()
    except Exception as exc:
        require_or_skip(f"RabbitMQ at OPENREEL_TEST_AMQP_URL is unreachable ({exc})")
    return url


def purge_queues(broker: str, queues: list[str]) -> None:
    """Empty the queues a test is about to use (RabbitMQ keeps them between tests)."""
    from kombu import Connection

    with Connection(broker) as conn:
        channel = conn.default_channel
        for queue in queues:
            channel.queue_declare(queue, durable=True, auto_delete=False)
            channel.queue_purge(queue)


class LiveWorker:
    """`openreel worker` in its own process."""

    def __init__(self, data_dir: Path, env: dict[str, str], models: str | None = None, concurrency: int = 1) -> None:
        self.data_dir, self.env, self.models, self.concurrency = data_dir, env, models, concurrency
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir / "worker.log"
        self.pids: list[int] = []  # every process this worker slot ran, in order

    def start(self, wait: bool = True) -> LiveWorker:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        args = ["worker", "--concurrency", str(self.concurrency)] + (["--models", self.models] if self.models else [])
        log = self.log_path.open("ab")
        env = {**os.environ, "OPENREEL_DATA_DIR": str(self.data_dir), **self.env}
        self.process = subprocess.Popen([sys.executable, "-m", "openreel.cli", *args], stdout=log,
                                        stderr=subprocess.STDOUT, env=env)
        self.pids.append(self.process.pid)
        if wait:
            self.wait_serving()
        return self

    def is_serving(self) -> bool:
        """Whether the process has said it serves (its models loaded; Celery connects right after)."""
        return self.process is not None and f"{self.lease_owner_prefix}: serving" in self.log_path.read_text(
            errors="replace")

    def wait_serving(self, timeout: float = 60) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while not self.is_serving():
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited: {self.log_path.read_text()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"worker did not start: {self.log_path.read_text()}")
            time.sleep(0.05)

    @property
    def lease_owner_prefix(self) -> str:
        assert self.process is not None
        return f"openreel@{os.uname().nodename}-{self.process.pid}"

    def signal(self, sig: int) -> None:
        assert self.process is not None
        os.kill(self.process.pid, sig)

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def stop(self, timeout: float = 60) -> int | None:
        """SIGTERM (a graceful drain) and wait; the exit code, or None if it had to be killed."""
        if self.process is None:
            return None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None
        finally:
            self.process = None


class Deployment:
    """Processes of one deployment: everything they share is in `env`."""

    def __init__(self, root: Path, database_url: str, queue_url: str | None = None, **settings: Any) -> None:
        self.root, self.database_url = root, database_url
        self.settings = {"database_url": database_url, "queue_url": queue_url or broker_url(),
                         "storage_url": f"file://{root / 'videos'}", **settings}
        self.env = {f"OPENREEL_{k.upper()}": str(v) for k, v in self.settings.items()}
        self.apis: list[LiveServer] = []
        self.workers: list[LiveWorker] = []
        done = openreel_cli("db", "upgrade", env=self.env)  # once, before any process starts
        assert done.returncode == 0, done.stderr

    def api(self) -> LiveServer:
        server = LiveServer(self.root / f"api{len(self.apis)}", workers=0, **self.settings)
        self.apis.append(server)
        return server.start()

    def worker(self, models: str | None = None, concurrency: int = 1, wait: bool = True) -> LiveWorker:
        worker = LiveWorker(self.root / f"worker{len(self.workers)}", self.env, models, concurrency)
        self.workers.append(worker)
        return worker.start(wait)

    def sql(self) -> sqlalchemy.Engine:
        return sqlalchemy.create_engine(self.database_url)

    def close(self) -> None:
        for worker in self.workers:
            worker.kill()
        for server in self.apis:
            server.stop()
