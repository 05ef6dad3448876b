"""The pool's supervisor restarts a worker thread that died anyway (a bug that escaped every
handler), and keeps doing so until the pool is stopped; a stopped pool starts nothing."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from openreel.engines.catalog import Catalog
from openreel.engines.registry import EngineRegistry
from openreel.observability.metrics import Metrics
from openreel.queue.local import LocalQueue
from openreel.safety.filter import SafetyFilter
from openreel.storage.local import LocalStorage
from openreel.store.sql import SqlStore
from openreel.worker.pool import WorkerPool
from openreel.worker.worker import Worker
from tests.inprocess import explicit_settings


class CrashingWorker(Worker):
    """A real worker whose loop dies the first `crashes` times it is started, as a bug would."""

    def __init__(self, crashes: int, *args: object) -> None:
        super().__init__(*args)  # type: ignore[arg-type]
        self.crashes, self.starts = crashes, 0

    def run_forever(self, stopping: threading.Event, wait_for_work: Callable[[float], None]) -> None:
        self.starts += 1
        if self.starts <= self.crashes:
            raise RuntimeError("a bug that escaped every handler")
        super().run_forever(stopping, wait_for_work)


def test_a_dead_worker_thread_is_restarted_until_the_pool_stops(tmp_path: Path) -> None:
    settings = explicit_settings(tmp_path, lease_seconds=1, poll_interval_seconds=0.05)
    store = SqlStore(settings.resolved_database_url)
    store.migrate()
    queue = LocalQueue()
    metrics = Metrics()
    worker = CrashingWorker(2, "w0", store, LocalStorage(tmp_path / "videos"), queue, Catalog.load(None),
                            EngineRegistry(), settings, tmp_path / "tmp", None, metrics,
                            SafetyFilter.from_settings(settings, metrics), None)
    pool = WorkerPool([worker], queue, threading.Event(), check_interval=0.05)
    pool.start()
    try:
        deadline = time.monotonic() + 30
        while not (worker.starts >= 3 and pool.live_workers == 1):
            assert time.monotonic() < deadline, f"restarted {worker.starts - 1} time(s)"
            time.sleep(0.02)
    finally:
        pool.stop(timeout=5)
    assert pool.live_workers == 0
    starts = worker.starts
    time.sleep(0.2)
    assert worker.starts == starts  # nothing restarted after stop
    store.close()
