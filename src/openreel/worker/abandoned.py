"""AbandonedWorkSweeper: asks engines to stop the work they left running elsewhere (a remote job)
for operations that ended while no worker ran them: cancelled or deleted in the queue after a
restart, or given up by the sweeper. Without it such a remote job would run, and be charged, to
its end. It runs in every process that has workers, since those have the engines' credentials."""

from __future__ import annotations

import logging

from openreel.engines.base import WorkAbandoner
from openreel.engines.catalog import Catalog
from openreel.engines.registry import EngineRegistry
from openreel.errors import NotFound
from openreel.store.abandoned import AbandonedWork, AbandonedWorkStore
from openreel.store.sql import utcnow

log = logging.getLogger(__name__)
BATCH = 20
# With the store's backoff (10 s doubling to 10 min) the last try comes about 40 minutes after
# the first: long enough to ride out a remote's outage, short of keeping a record for ever.
MAX_TRIES = 10


class AbandonedWorkSweeper:
    def __init__(self, work: AbandonedWorkStore, catalog: Catalog, engines: EngineRegistry) -> None:
        self.work, self.catalog, self.engines = work, catalog, engines

    def sweep(self) -> int:
        """Handle what is due; return how many records were settled (stopped, or given up)."""
        settled = 0
        for item in self.work.take_due(utcnow(), BATCH):
            if self._stop(item):
                self.work.forget(item.id)
                settled += 1
        return settled

    def _stop(self, item: AbandonedWork) -> bool:
        """Whether the record is settled; False leaves it for its next try."""
        try:
            engine = self.engines.engine(self.catalog.get(item.model))
        except NotFound:
            log.warning("%s was cancelled or deleted, but its model %s is no longer in the catalog: the work "
                        "its engine left running cannot be stopped", item.operation_id, item.model)
            return True
        except Exception as exc:  # a broken entry: perhaps fixed by the next try
            return self._failed(item, exc)
        if not isinstance(engine, WorkAbandoner):
            return True  # its engine leaves nothing running elsewhere
        try:
            engine.abandon(item.engine_state, item.delete_remote)
        except Exception as exc:
            return self._failed(item, exc)
        log.info("stopped the work %s left running (%s)", item.operation_id,
                 "cancelled and deleted" if item.delete_remote else "cancelled")
        return True

    @staticmethod
    def _failed(item: AbandonedWork, exc: Exception) -> bool:
        if item.tries + 1 >= MAX_TRIES:
            log.warning("giving up stopping the work %s left running, after %d tries: %s", item.operation_id,
                        MAX_TRIES, exc)
            return True
        log.info("could not stop the work %s left running yet (%s); trying again later", item.operation_id, exc)
        return False
