"""A remote API's limits on the calls an engine sends it, and the sliding-window arithmetic that
both our own quota admission and the remote-call admission count with."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

MINUTE, DAY = timedelta(minutes=1), timedelta(days=1)
# Nothing says when a remote operation ends: an engine waiting for a concurrency slot looks again
# after this long.
CONCURRENCY_RETRY_SECONDS = 5.0


@dataclass(frozen=True)
class RemoteLimits:
    """What the remote allows the key it is called with (None: no limit). Every catalog entry
    with the same `key` shares one count, as entries forwarding with one remote key share its quota."""

    key: str
    requests_per_minute: int | None = None
    requests_per_day: int | None = None
    concurrent: int | None = None


@dataclass(frozen=True)
class RemoteAdmission:
    """The answer to "may this operation send its create call now?": yes (wait_seconds 0, and the
    call is counted), or how long until the named limit has room."""

    wait_seconds: float
    limit: str | None = None  # e.g. "2 requests per minute"

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
