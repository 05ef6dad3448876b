"""Background sweeps (retention, abandoned remote work) run on a thread of their own."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


def run_every(sweep: Callable[[], object], interval_seconds: float, stopping: threading.Event, what: str) -> None:
    """Sweep now and then every interval until stopping; a failed sweep (the database or the
    storage away) is logged and tried again next time."""
    while True:
        try:
            sweep()
        except Exception as exc:
            log.warning("%s sweep failed (%s); retrying in %.0f s", what, exc, interval_seconds)
        if stopping.wait(interval_seconds):
            return
