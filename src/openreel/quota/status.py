"""What a caller's quota looks like right now: each limit, how much of it is used, and when each
window's count next falls. Counted exactly as admission counts (quota/admission.py), through the
same Admission queries, so what this reports is what the next create call will meet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from openreel.auth import Principal
from openreel.domain.remote_limits import DAY, MINUTE
from openreel.quota.tiers import TierLimits
from openreel.store.sql import Admission


@dataclass(frozen=True)
class WindowUse:
    limit: int | None  # None: no limit
    used: int
    window: timedelta
    # When the oldest counted request leaves the window, so `used` falls by one; None when
    # nothing is counted. At the limit (not over it), this is when a create call can succeed again.
    resets_at: datetime | None


@dataclass(frozen=True)
class QuotaStatus:
    principal: Principal
    concurrent_limit: int | None
    concurrent_used: int
    per_minute: WindowUse
    per_day: WindowUse


def quota_status(counts: Admission, principal: Principal, limits: TierLimits, now: datetime) -> QuotaStatus:
    """The caller's quota at `now`. A keyless caller (OPENREEL_REQUIRE_API_KEY=false) is never
    limited, and its use is not counted: its status shows no limits and no use."""
    if principal.key_id is None:
        return QuotaStatus(principal, None, 0, WindowUse(None, 0, MINUTE, None), WindowUse(None, 0, DAY, None))
    key_id = principal.key_id

    def window_use(window: timedelta, limit: int | None) -> WindowUse:
        recent = counts.created_since(key_id, now - window)
        return WindowUse(limit, len(recent), window, recent[0] + window if recent else None)

    return QuotaStatus(principal, limits.concurrent, counts.count_active(key_id),
                       window_use(MINUTE, limits.requests_per_minute), window_use(DAY, limits.requests_per_day))
