"""RunControl: what an engine sees of its operation (progress in, stop signals out), and the
heartbeat thread that keeps the lease alive and learns of cancellation."""

from __future__ import annotations

import logging
import threading
import time

from openreel.errors import Cancelled, DeadlineExceeded, OpenreelError
from openreel.store.sql import SqlStore

log = logging.getLogger(__name__)


class ShuttingDown(Exception):
    """The worker is stopping: hand the operation back instead of finishing it."""


class RunControl:
    def __init__(self, total_frames: int, timeout_seconds: float,
                 shutting_down: threading.Event | None = None) -> None:
        self.total_frames = max(total_frames, 1)
        self.timeout_seconds = timeout_seconds
        self.deadline = time.monotonic() + timeout_seconds
        self.done_frames = 0
        self._stop: OpenreelError | None = None
        self._shutting_down = shutting_down

    @property
    def percent(self) -> int:
        return min(99, int(100 * self.done_frames / self.total_frames))

    def stop(self, reason: OpenreelError) -> None:
        if self._stop is None:
            self._stop = reason

    def raise_if_stopped(self) -> None:
        if self._stop is not None:
            raise self._stop
        if self._shutting_down is not None and self._shutting_down.is_set():
            raise ShuttingDown()
        if time.monotonic() > self.deadline:
            raise DeadlineExceeded(
                f"Generation took longer than the {self.timeout_seconds:g} s deadline.")

    def for_sample(self, sample_index: int, frames_per_sample: int) -> SampleContext:
        return SampleContext(self, sample_index * frames_per_sample)


class SampleContext:
    """The RenderContext handed to an engine for one sample."""

    def __init__(self, control: RunControl, frame_offset: int) -> None:
        self._control, self._offset = control, frame_offset

    def report(self, done_frames: int, total_frames: int) -> None:
        self._control.done_frames = self._offset + done_frames

    def raise_if_cancelled(self) -> None:
        self._control.raise_if_stopped()


class Heartbeat(threading.Thread):
    """Extends the lease and saves progress every interval; a refused heartbeat (cancelled, or
    the lease was lost to another worker) stops the run. A heartbeat that fails (the database is
    locked or down) is logged and tried again at the next interval: the run goes on, and its
    fenced outcome write decides later whether the claim survived the outage."""

    def __init__(self, store: SqlStore, op_id: str, token: int, control: RunControl,
                 interval: float, lease_seconds: float) -> None:
        super().__init__(name=f"heartbeat-{op_id[:8]}", daemon=True)
        self.store, self.op_id, self.token, self.control = store, op_id, token, control
        self.interval, self.lease_seconds = interval, lease_seconds
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(self.interval):
            try:
                alive = self.store.heartbeat(self.op_id, self.token, self.lease_seconds, self.control.percent)
            except Exception as exc:
                log.warning("heartbeat for operation %s failed (%s); retrying", self.op_id, exc)
                continue
            if not alive:
                self.control.stop(Cancelled("The operation was cancelled or taken over by another worker."))
                return

    def finish(self) -> None:
        self._done.set()
        self.join()
