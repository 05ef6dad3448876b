"""WorkerPool: the embedded deployment's in-process workers and sweeper, as threads."""

from __future__ import annotations

import logging
import os
import socket
import threading

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
                 queue: LocalQueue) -> None:
        self.workers, self.sweeper, self.sweep_interval, self.queue = workers, sweeper, sweep_interval, queue
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        self.sweeper.sweep()  # work left running by a previous process is picked up at once
        for worker in self.workers:
            thread = threading.Thread(target=worker.run_forever, args=(self._stopping,),
                                      name=f"worker-{worker.id}", daemon=True)
            thread.start()
            self._threads.append(thread)
        sweeper = threading.Thread(target=self._sweep_forever, name="sweeper", daemon=True)
        sweeper.start()
        self._threads.append(sweeper)

    def _sweep_forever(self) -> None:
        while not self._stopping.wait(self.sweep_interval):
            try:
                self.sweeper.sweep()
            except Exception:
                log.exception("sweep failed")

    def stop(self, timeout: float = 10.0) -> None:
        """Workers stop between frames and hand their operations back to the queue."""
        self._stopping.set()
        self.queue.wake_all()
        for thread in self._threads:
            thread.join(timeout)


def worker_id(index: int) -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{index}"
