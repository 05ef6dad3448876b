"""Sweeper: every process runs one, API replicas and workers alike. It needs no leader, and any
number may run at once: each change it makes is a conditional update that only one can win.

- Operations whose worker stopped heart-beating (crash, kill -9, lost machine, frozen past its
  lease) go back to the queue, or fail once they have used all their attempts.
- With a broker, queued operations whose message is missing or looks lost get a new one
  (store/dispatch.py): never sent (the broker was away), deferred and now due, or sent longer
  than `resend_after` ago while their model's queue is empty (so a backlog piles up no copies).
  The embedded workers poll the store instead, and need none of that.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from openreel.observability.metrics import Metrics
from openreel.queue.base import WorkQueue
from openreel.queue.handoff import dispatch
from openreel.store.base import OperationStore
from openreel.store.dispatch import DispatchStore, QueuedWork

log = logging.getLogger(__name__)


class Sweeper:
    def __init__(self, store: OperationStore, queue: WorkQueue, max_attempts: int, resend_after_seconds: float,
                 metrics: Metrics) -> None:
        self.store, self.queue, self.max_attempts = store, queue, max_attempts
        self.metrics = metrics
        self.dispatches = DispatchStore(store)
        self.resend_after = timedelta(seconds=resend_after_seconds)

    def sweep(self) -> None:
        result = self.store.requeue_expired(self.max_attempts)
        if result.requeued or result.failed:
            log.warning("sweeper: requeued %s, failed %s (expired leases)",
                        [w.operation_id for w in result.requeued], result.failed)
            # Each expired lease is taken by one sweeper only (a conditional update): counted once.
            self.metrics.error("worker_lost", len(result.requeued) + len(result.failed))
        # Sent before anything else can fail: these are committed as QUEUED already.
        if not self._send(result.requeued) or self.queue.in_process:
            return
        quiet = [m for m in self.dispatches.stale_models(self.resend_after) if not self.queue.backlog(m)]
        resent = self.dispatches.take_undispatched(self.resend_after, resend_models=quiet)
        if resent:
            log.info("sweeper: sending %d operation(s) to the queue again", len(resent))
        self._send(resent)

    def _send(self, works: list[QueuedWork]) -> bool:
        """Dispatch each; at the first the broker refuses, leave it and the rest to a later sweep
        (marked in the store) rather than wait out the broker once per operation."""
        for index, work in enumerate(works):
            if not dispatch(self.queue, self.store, work.operation_id, work.model):
                for left in works[index + 1:]:
                    self.store.mark_undispatched(left.operation_id)
                return False
        return True
