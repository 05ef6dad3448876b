"""The seed guide's rate-limit tiers (None: no limit), and an operator's overrides of them."""

from __future__ import annotations

import dataclasses
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


def tier_limits(overrides: dict[str, dict[str, int | None]]) -> dict[Tier, TierLimits]:
    """The default tiers with Settings.tier_limits applied; unknown tiers or fields raise
    ValueError at start-up rather than being ignored."""
    fields = {f.name for f in dataclasses.fields(TierLimits)}
    limits = dict(TIER_LIMITS)
    for name, values in overrides.items():
        tier = Tier(name)
        unknown = set(values) - fields
        if unknown:
            raise ValueError(f"tier_limits.{name}: unknown limit(s) {sorted(unknown)}; use {sorted(fields)}")
        limits[tier] = dataclasses.replace(limits[tier], **values)
    return limits
