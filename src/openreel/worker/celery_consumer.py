"""The consumer side of CeleryQueue: what `openreel worker` runs. A Celery worker consumes the
queues of the models this process serves, and runs each operation whose message it receives
through the same Worker as the embedded mode: claim in the store (lease and fencing token),
render, store, finish.

The jobs run on a pool of threads in this one process: the models' pipelines are loaded once (at
start for the models named) and stay loaded between jobs, shared by every thread, and nothing
forks after CUDA is initialised. A second GPU gets a second `openreel worker` process
(CUDA_VISIBLE_DEVICES), not a second pool. (The app still sets the spawn start method, which
only Celery's prefork pool reads, for anyone running its task under `celery worker` directly.)
Keep --concurrency at most the model's engine's job slots: a thread with no free slot holds its
message until one frees.

A worker process that dies (kill -9, a lost machine) leaves its message unacknowledged until
Redis's visibility timeout; its operation comes back sooner, through the lease and the sweepers.

On SIGTERM Celery stops consuming and waits for the running jobs; `worker_shutting_down` makes
them stop between frames and hand their operations back to the queue (released in the store and
dispatched again), so a drain takes seconds, not a whole generation.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from typing import Any

from celery import signals
from celery.exceptions import Reject

from openreel.backoff import Backoff
from openreel.queue.celery import TASK_NAME, CeleryQueue, queue_name
from openreel.runtime import Runtime
from openreel.worker.scratch import scratch_dir
from openreel.worker.worker import Worker

log = logging.getLogger(__name__)
# While the model's engine has no free job slot in this process, the message waits here.
SLOT_WAIT_SECONDS = 0.05


class CeleryConsumer:
    def __init__(self, runtime: Runtime, concurrency: int) -> None:
        if not isinstance(runtime.queue, CeleryQueue):
            raise ValueError("openreel worker needs OPENREEL_QUEUE_URL set to a Celery broker URL (redis://...)")
        self.runtime, self.concurrency = runtime, concurrency
        self.app = runtime.queue.app
        self.models = list(runtime.settings.served_models or sorted(runtime.catalog.ids()))
        self.name = f"openreel@{socket.gethostname()}-{os.getpid()}"
        self.tmp_dir = scratch_dir(runtime.settings.data_dir / "tmp")
        self._workers = threading.local()  # one Worker (lease owner id) per pool thread
        self.app.task(name=TASK_NAME, shared=False)(self._run_operation)  # this app only
        # Only this consumer's own Celery worker stopping drains it (several may share a process).
        signals.worker_shutting_down.connect(self._on_shutting_down, sender=self.name, weak=False)

    def run(self) -> None:
        """Consume until SIGTERM or SIGINT (a warm shutdown), then return."""
        # The named models' pipelines, loaded before the first message and kept.
        self.runtime.worker(self.name, self.tmp_dir).preload(self.runtime.stopping)
        log.info("%s: serving %s with %d thread(s)", self.name, ", ".join(self.models), self.concurrency)
        self.runtime.metrics.add_workers(self.concurrency)
        self.app.Worker(pool_cls="threads", concurrency=self.concurrency, loglevel="WARNING", quiet=True,
                        without_gossip=True, without_mingle=True, **self.worker_options()).start()

    def worker_options(self) -> dict[str, Any]:
        """What the Celery worker consumes, under which name."""
        return {"hostname": self.name, "queues": [queue_name(model) for model in self.models],
                "optimization": "fair"}

    def _on_shutting_down(self, **_: Any) -> None:
        self.runtime.begin_shutdown()

    def _worker(self) -> Worker:
        worker: Worker | None = getattr(self._workers, "worker", None)
        if worker is None:
            worker = self.runtime.worker(f"{self.name}-{threading.current_thread().name}", self.tmp_dir)
            self._workers.worker = worker
        return worker

    def _run_operation(self, operation_id: str, model: str) -> None:
        """One message: wait for a free job slot of the model's engine, then claim and run the
        oldest queued operation of the model (Worker.claim_dispatched); none left means this was
        a duplicate or stale message, which drops itself. Stopping, or with the store away, the
        message goes back to the broker for another worker."""
        stopping = self.runtime.stopping
        spec = self.runtime.catalog.find(model)
        if spec is None or (self.runtime.settings.served_models and model not in self.models):
            log.warning("%s: a message for model %s, which this worker does not serve: dropped", operation_id, model)
            return
        while self.runtime.engines.at_capacity([spec]) and not stopping.wait(SLOT_WAIT_SECONDS):
            pass
        worker, backoff = self._worker(), Backoff()
        while not stopping.is_set():
            try:
                claim = worker.claim_dispatched(spec.id)
            except Exception as exc:  # the store is away: wait, then try again
                delay = backoff.next_delay()
                log.warning("%s: cannot claim (%s); retrying in %.1f s", operation_id, exc, delay)
                stopping.wait(delay)
                continue
            if claim is None:
                log.debug("%s: nothing of %s left to claim (a duplicate or stale message): dropped",
                          operation_id, model)
            elif not worker.run_in_slot(claim, stopping):
                log.debug("%s: no free job slot here after all: handed back to the queue", claim.operation.name)
            return
        raise Reject(requeue=True)  # not started: back to the broker, for another worker
