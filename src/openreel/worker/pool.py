"""WorkerPool: the embedded deployment's in-process workers, as threads, under a supervisor that
restarts any worker thread that died. The process's sweeper runs beside it (worker/sweeper.py)."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time

from openreel.queue.local import LocalQueue
from openreel.worker.worker import Worker

log = logging.getLogger(__name__)


class WorkerPool:
    def __init__(self, workers: list[Worker], queue: LocalQueue, stopping: threading.Event,
                 check_interval: float) -> None:
        self.workers, self.queue, self.check_interval = workers, queue, check_interval
        # Set by stop(), or earlier by the server's signal handler: no new claims from then on.
        self.stopping = stopping
        self._threads: dict[str, threading.Thread] = {}
        self._supervisor: threading.Thread | None = None

    def start(self) -> None:
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
            worker.run_forever(self.stopping, self.queue.wait_for_work)
        except Exception:
            log.exception("worker %s died; the supervisor restarts it", worker.id)

    def _supervise(self) -> None:
        while not self.stopping.wait(self.check_interval):
            for worker in self.workers:
                if not self._threads[worker.id].is_alive() and not self.stopping.is_set():
                    log.warning("restarting worker %s", worker.id)
                    self._start_worker(worker)

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
