"""The seed guide's rate-limit tiers (None: no limit)."""

from __future__ import annotations

from dataclasses import dataclass

from openreel.auth import Tier


@dataclass(frozen=True)
class TierLimits:
    requests_per_minute: int | None
    requests_per_day: int | None
    concurrent: int | None


TIER_LIMITS: dict[Tier, TierLimits] = {
    Tier.FREE: TierLimits(2, 10, 1),
    Tier.STANDARD: TierLimits(5, 50, 3),
    Tier.ELEVATED: TierLimits(20, 200, 10),
    Tier.ENTERPRISE: TierLimits(None, None, None),  # custom: set per deployment
}
