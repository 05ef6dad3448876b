"""Sending an operation's message, with the store as the fallback: when the broker cannot take
it, the operation is marked so that the next sweep of any process sends it (store/dispatch.py)."""

from __future__ import annotations

import logging

from openreel.queue.base import WorkQueue
from openreel.store.base import OperationStore

log = logging.getLogger(__name__)


def dispatch(queue: WorkQueue, store: OperationStore, operation_id: str, model: str) -> bool:
    """Whether the message was sent (else the operation is marked for the sweepers)."""
    if queue.dispatch(operation_id, model):
        return True
    try:
        store.mark_undispatched(operation_id)
    except Exception as exc:  # the database is away too: it is re-sent once its message looks lost
        log.warning("could not mark %s for the sweepers (%s)", operation_id, exc)
    return False
