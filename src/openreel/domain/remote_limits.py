"""A remote API's limits on the calls an engine sends it, and the sliding-window arithmetic that
both our own quota admission and the remote-call admission count with."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

MINUTE, DAY = timedelta(minutes=1), timedelta(days=1)
# Nothing says when a remote operation ends: an operation waiting for a concurrency slot is made
# due again when one frees (store/remote_calls.py, end_remote_calls), and otherwise looks after this long.
CONCURRENCY_RETRY_SECONDS = 30.0


@dataclass(frozen=True)
class RemoteLimits:
    """What the remote allows the key it is called with (None: no limit). Every catalog entry
    with the same `key` shares one count, as entries forwarding with one remote key share its quota."""

    key: str
    requests_per_minute: int | None = None
    requests_per_day: int | None = None
    concurrent: int | None = None
    # How much longer than the remote the windows count a call: it stamps the call when it
    # arrives, a moment after it was counted here.
    margin_seconds: float = 2.0


@dataclass(frozen=True)
class RemoteAdmission:
    """The answer to "may this operation send its create call now?": yes (wait_seconds 0, and the
    call is counted), or how long until the named limit has room."""

    wait_seconds: float
    limit: str | None = None  # e.g. "2 requests per minute"
    # Waiting for a concurrency slot, which frees when an operation ends (not at a known time).
    waits_for_slot: bool = False

    @property
    def admitted(self) -> bool:
        return self.wait_seconds <= 0


def seconds_until_room(recent: Sequence[datetime], limit: int, window: timedelta, now: datetime) -> float:
    """0 when one more call fits in the sliding window that holds `recent` (oldest first);
    otherwise the seconds until the oldest counted call leaves it. A limit of 0 (an operator's
    pause) never has room: a whole window."""
    if len(recent) < limit:
        return 0.0
    if limit == 0:
        return window.total_seconds()
    return max((recent[len(recent) - limit] + window - now).total_seconds(), 0.1)
