"""Sweeper: every process runs one, API replicas and workers alike. It needs no leader, and any
number may run at once: each change it makes is a conditional update that only one can win.

- Operations whose worker stopped heart-beating (crash, kill -9, lost machine, frozen past its
  lease) go back to the queue, or fail once they have used all their attempts.
- Queued operations whose message looks lost get a new one (store/dispatch.py).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from openreel.queue.base import WorkQueue
from openreel.queue.handoff import dispatch
from openreel.store.dispatch import DispatchStore
from openreel.store.sql import SqlStore

log = logging.getLogger(__name__)


class Sweeper:
    def __init__(self, store: SqlStore, queue: WorkQueue, max_attempts: int, resend_after_seconds: float) -> None:
        self.store, self.queue, self.max_attempts = store, queue, max_attempts
        self.dispatches = DispatchStore(store)
        self.resend_after = timedelta(seconds=resend_after_seconds)

    def sweep(self) -> None:
        result = self.store.requeue_expired(self.max_attempts)
        if result.requeued or result.failed:
            log.warning("sweeper: requeued %s, failed %s (expired leases)",
                        [w.operation_id for w in result.requeued], result.failed)
        resent = self.dispatches.take_undispatched(self.resend_after)
        if resent and not self.queue.in_process:
            log.info("sweeper: sending %d operation(s) to the queue again", len(resent))
        for work in [*result.requeued, *resent]:
            dispatch(self.queue, self.store, work.operation_id, work.model)
