"""LocalQueue: in-process wake-ups for the embedded deployment's worker threads.

Workers claim from the database either way; dispatch() only spares them waiting out their poll
interval. Losing a wake-up (e.g. a restart) is harmless: the next poll finds the work.
"""

from __future__ import annotations

import threading


class LocalQueue:
    in_process = True

    def __init__(self) -> None:
        self._work = threading.Condition()
        self._pending = 0

    def dispatch(self, operation_id: str, model: str) -> bool:
        with self._work:
            self._pending += 1
            self._work.notify()
        return True

    def wait_for_work(self, timeout: float) -> None:
        """Return when work was dispatched or after timeout, whichever comes first."""
        with self._work:
            if self._pending == 0:
                self._work.wait(timeout)
            self._pending = max(0, self._pending - 1)

    def backlog(self, model: str) -> int | None:
        return None  # wake-ups are not per model; the workers poll the store anyway

    def wake_all(self) -> None:
        with self._work:
            self._work.notify_all()

    def close(self) -> None:
        self.wake_all()
