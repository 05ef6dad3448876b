"""WorkerPool: the embedded deployment's in-process workers and sweeper, as threads, under a
supervisor that restarts any worker thread that died and keeps sweeping through database faults."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time

from openreel.queue.local import LocalQueue
from openreel.store.sql import SqlStore
from openreel.worker.worker import Worker

log = logging.getLogger(__name__)


class Sweeper:
    """Requeues operations whose worker stopped heart-beating (crash, kill -9, lost machine)."""

    def __init__(self, store: SqlStore, queue: LocalQueue, max_attempts: int) -> None:
        self.store, self.queue, self.max_attempts = store, queue, max_attempts

    def sweep(self) -> None:
        result = self.store.requeue_expired(self.max_attempts)
        if result.requeued or result.failed:
            log.warning("sweeper: requeued %s, failed %s (expired leases)", result.requeued, result.failed)
        for op_id in result.requeued:
            self.queue.dispatch(op_id)


class WorkerPool:
    def __init__(self, workers: list[Worker], sweeper: Sweeper, sweep_interval: float,
                 queue: LocalQueue, stopping: threading.Event) -> None:
        self.workers, self.sweeper, self.sweep_interval, self.queue = workers, sweeper, sweep_interval, queue
        # Set by stop(), or earlier by the server's signal handler: no new claims from then on.
        self.stopping = stopping
        self._threads: dict[str, threading.Thread] = {}
        self._supervisor: threading.Thread | None = None

    def start(self) -> None:
        self._sweep()  # work left running by a previous process is picked up at once
        for worker in self.workers:
            self._start_worker(worker)
        self._supervisor = threading.Thread(target=self._supervise, name="worker-supervisor", daemon=True)
        self._supervisor.start()

    @property
    def live_workers(self) -> int:
        return sum(thread.is_alive() for thread in self._threads.values())

    def _start_worker(self, worker: Worker) -> None:
        thread = threading.Thread(target=self._run_worker, args=(worker,), name=f"worker-{worker.id}", daemon=True)
        self._threads[worker.id] = thread
        thread.start()

    def _run_worker(self, worker: Worker) -> None:
        try:
            worker.run_forever(self.stopping)
        except Exception:
            log.exception("worker %s died; the supervisor restarts it", worker.id)

    def _supervise(self) -> None:
        while not self.stopping.wait(self.sweep_interval):
            self._sweep()
            for worker in self.workers:
                if not self._threads[worker.id].is_alive() and not self.stopping.is_set():
                    log.warning("restarting worker %s", worker.id)
                    self._start_worker(worker)

    def _sweep(self) -> None:
        try:
            self.sweeper.sweep()
        except Exception as exc:  # the database is down: the next round tries again
            log.warning("sweep failed (%s); retrying in %.1f s", exc, self.sweep_interval)

    def stop(self, timeout: float) -> None:
        """Workers stop between frames and hand their operations back to the queue; waits at
        most `timeout` in all (threads are daemons: any still running end with the process)."""
        self.stopping.set()
        self.queue.wake_all()
        deadline = time.monotonic() + timeout
        for thread in [*self._threads.values(), *([self._supervisor] if self._supervisor else [])]:
            thread.join(max(0.0, deadline - time.monotonic()))


def worker_id(index: int) -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{index}"
