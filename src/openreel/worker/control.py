"""RunControl: what an engine sees of its operation (progress in, stop signals out), and the
heartbeat thread that keeps the lease alive and learns of cancellation."""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from openreel.domain.operation import MAX_PROGRESS_PHASE_CHARS
from openreel.domain.remote_limits import RemoteAdmission, RemoteLimits
from openreel.errors import ClaimLost, DeadlineExceeded, OpenreelError
from openreel.store.base import OperationStore
from openreel.store.remote_calls import RemoteCallStore
from openreel.worker.stage_times import StageTimes

log = logging.getLogger(__name__)


class ShuttingDown(Exception):
    """The worker is stopping: hand the operation back instead of finishing it."""


class OperationRecord(Protocol):
    """Where a run's engine state and remote calls are kept: the operation's row, written only
    while the claim holds (ClaimedRecord), or nowhere but memory (a local `openreel generate`)."""

    def save_engine_state(self, state: str) -> None: ...

    def admit_remote_call(self, limits: RemoteLimits) -> RemoteAdmission: ...

    def release_remote_calls(self) -> None: ...


class InMemoryRecord:
    """One process, one run: nothing to share, so every remote call is admitted (the remote's own
    429s still slow it down) and the state lives as long as the run."""

    def save_engine_state(self, state: str) -> None:
        pass

    def admit_remote_call(self, limits: RemoteLimits) -> RemoteAdmission:
        return RemoteAdmission(0.0)

    def release_remote_calls(self) -> None:
        pass


class ClaimedRecord:
    """The operation's row in the store, through the worker's claim (its fencing token)."""

    def __init__(self, store: OperationStore, op_id: str, token: int) -> None:
        self.store, self.op_id, self.token = store, op_id, token
        self.remote_calls = RemoteCallStore(store)

    def save_engine_state(self, state: str) -> None:
        self.store.save_engine_state(self.op_id, self.token, state)

    def admit_remote_call(self, limits: RemoteLimits) -> RemoteAdmission:
        return self.remote_calls.admit(self.op_id, self.token, limits)

    def release_remote_calls(self) -> None:
        self.remote_calls.release(self.op_id, self.token)


class RunControl:
    """The RunContext (engines/base.py) handed to an engine: progress in, stop signals out, and
    its saved state and remote calls kept in `record`. `on_report` lets a caller follow progress
    as it happens (the CLI's progress bar)."""

    def __init__(self, timeout_seconds: float, scratch_dir: Path, shutting_down: threading.Event | None = None,
                 on_report: Callable[[RunControl], None] | None = None, saved_state: str | None = None,
                 record: OperationRecord | None = None) -> None:
        self.saved_state = saved_state
        self.record: OperationRecord = record or InMemoryRecord()
        self.timeout_seconds = timeout_seconds
        self.deadline = time.monotonic() + timeout_seconds
        self.scratch_dir = scratch_dir
        self.fraction = 0.0
        self.phase = "starting"
        self._stop: OpenreelError | None = None
        self._shutting_down = shutting_down
        self._on_report = on_report
        self.times = StageTimes()

    @property
    def percent(self) -> int:
        return min(99, int(100 * self.fraction))  # 100 only once the outcome is recorded

    def start_clock(self) -> None:
        """Start the deadline afresh (once the model is loaded: loading weights is not generating)."""
        self.deadline = time.monotonic() + self.timeout_seconds

    def report(self, fraction: float, phase: str) -> None:
        # Never backwards: an engine whose stages overlap must not make a progress bar jump back.
        self.fraction = max(self.fraction, min(max(float(fraction), 0.0), 1.0))
        self.phase = phase[:MAX_PROGRESS_PHASE_CHARS]
        self.times.reported(self.fraction)
        if self._on_report is not None:
            self._on_report(self)

    def save_state(self, state: str) -> None:
        self.record.save_engine_state(state)
        self.saved_state = state

    def admit_remote_call(self, limits: RemoteLimits) -> RemoteAdmission:
        return self.record.admit_remote_call(limits)

    def release_remote_calls(self) -> None:
        self.record.release_remote_calls()

    def stop(self, reason: OpenreelError) -> None:
        if self._stop is None:
            self._stop = reason

    def raise_if_cancelled(self) -> None:
        if self._stop is not None:
            raise self._stop
        if self._shutting_down is not None and self._shutting_down.is_set():
            raise ShuttingDown()
        if time.monotonic() > self.deadline:
            raise DeadlineExceeded(
                f"Generation took longer than the {self.timeout_seconds:g} s deadline.")


class Heartbeat(threading.Thread):
    """Extends the lease and saves progress every interval; a refused heartbeat (cancelled, or
    the lease was lost to another worker) stops the run. A heartbeat that fails (the database is
    locked or down) is logged and tried again at the next interval: the run goes on, and its
    fenced outcome write decides later whether the claim survived the outage."""

    def __init__(self, store: OperationStore, op_id: str, token: int, control: RunControl,
                 interval: float, lease_seconds: float) -> None:
        super().__init__(name=f"heartbeat-{op_id[:8]}", daemon=True)
        self.store, self.op_id, self.token, self.control = store, op_id, token, control
        self.interval, self.lease_seconds = interval, lease_seconds
        self._done = threading.Event()
        # The run's context (its log fields, its trace): a new thread starts with none.
        self._context = contextvars.copy_context()

    def run(self) -> None:
        self._context.run(self._beat)

    def _beat(self) -> None:
        while not self._done.wait(self.interval):
            try:
                alive = self.store.heartbeat(self.op_id, self.token, self.lease_seconds, self.control.percent,
                                             self.control.phase)
            except Exception as exc:
                log.warning("heartbeat for operation %s failed (%s); retrying", self.op_id, exc)
                continue
            if not alive:
                self.control.stop(self._why_stopped())
                return

    def _why_stopped(self) -> OpenreelError:
        """Cancelled, deleted or ended otherwise, or taken over by another worker: an engine with
        a remote job cancels (or deletes) it unless another worker took over."""
        try:
            return self.store.why_not_held(self.op_id)
        except Exception:
            # Cannot tell: leaving a remote job running costs less than cancelling one that
            # another worker now polls (and the store records ended operations' jobs anyway).
            return ClaimLost("The operation was cancelled or taken over by another worker.")

    def finish(self) -> None:
        self._done.set()
        self.join()
