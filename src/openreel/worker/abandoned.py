"""AbandonedWorkSweeper: asks engines to stop the work they left running elsewhere (a remote job)
for operations that ended in a way their worker may not have followed through: cancelled or
deleted in the queue after a restart or through an API-only process, failed (a timeout while the
remote did not answer), or given up by the sweeper. Without it such a remote job would run, and
be charged, to its end. It runs in the processes that have workers, for the models they serve:
those processes hold the engines' credentials."""

from __future__ import annotations

import logging
import threading
from enum import Enum

from openreel.engines.base import WorkAbandoner
from openreel.engines.catalog import Catalog
from openreel.engines.registry import EngineRegistry
from openreel.errors import NotFound
from openreel.store.abandoned import AbandonedWork, AbandonedWorkStore
from openreel.store.clock import utcnow

log = logging.getLogger(__name__)
# With the store's backoff (10 s doubling to 10 min, jittered, and never less than TRY_SECONDS)
# the last try comes 30 to 50 minutes after the first: long enough to ride out a remote's
# outage, short of keeping a record for ever.
MAX_TRIES = 10
# How long one try may take (a cancel and a delete, each up to an entry's 60 s request timeout):
# no other process takes the record meanwhile.
TRY_SECONDS = 150.0


class Outcome(Enum):
    SETTLED = "settled"  # stopped, or it never can be: the record is forgotten
    RETRY = "retry"  # not yet: the record comes due again after its backoff


class AbandonedWorkSweeper:
    def __init__(self, work: AbandonedWorkStore, catalog: Catalog, engines: EngineRegistry,
                 models: tuple[str, ...] | None, stopping: threading.Event) -> None:
        self.work, self.catalog, self.engines = work, catalog, engines
        self.models, self.stopping = models, stopping

    def sweep(self) -> int:
        """Handle the due records one by one, until none is due or the process stops; return how
        many were settled."""
        settled = 0
        while not self.stopping.is_set() and (item := self.work.take_due(utcnow(), self.models, TRY_SECONDS)):
            if self._stop(item) is Outcome.SETTLED:
                self.work.forget(item)
                settled += 1
        return settled

    def _stop(self, item: AbandonedWork) -> Outcome:
        try:
            engine = self.engines.engine(self.catalog.get(item.model))
        except NotFound:
            log.warning("%s ended, but its model %s is no longer in the catalog: the work its engine left "
                        "running cannot be stopped", item.operation_id, item.model)
            return Outcome.SETTLED
        except Exception as exc:  # a broken entry: perhaps fixed by the next try
            return self._failed(item, exc)
        if not isinstance(engine, WorkAbandoner):
            return Outcome.SETTLED  # its engine leaves nothing running elsewhere
        try:
            engine.abandon(item.engine_state, item.delete_remote)
        except Exception as exc:
            return self._failed(item, exc)
        log.info("stopped the work %s left running (%s)", item.operation_id,
                 "cancelled and deleted" if item.delete_remote else "cancelled")
        return Outcome.SETTLED

    @staticmethod
    def _failed(item: AbandonedWork, exc: Exception) -> Outcome:
        if item.tries + 1 >= MAX_TRIES:
            log.warning("giving up stopping the work %s left running, after %d tries: %s", item.operation_id,
                        MAX_TRIES, exc)
            return Outcome.SETTLED
        log.info("could not stop the work %s left running yet (%s); trying again later", item.operation_id, exc)
        return Outcome.RETRY
