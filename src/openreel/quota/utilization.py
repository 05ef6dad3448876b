"""How much of its quota each project is using right now, for the metrics: per project and limit
(requests_per_minute, requests_per_day, concurrent), the highest share used among its keys.
Counted as admission counts (quota/admission.py): a ratio of 1.0 means the next create call of
that key is refused. A scrape costs three queries (use, keys, and custom limits once per key and
minute through the resolver's cache), whatever the number of keys."""

from __future__ import annotations

from datetime import datetime

from openreel.auth import Principal, Tier
from openreel.domain.remote_limits import DAY, MINUTE
from openreel.quota.limits import LimitResolver
from openreel.store.connection import Database
from openreel.store.keys import KeyStore
from openreel.store.monitoring import MonitoringStore

# The keys looked at: the most recently used of those that created work within the longest window
# (a day) or have work queued or running.
MAX_KEYS = 1000


def project_utilization(store: Database, keys: KeyStore, limits: LimitResolver,
                        now: datetime) -> dict[tuple[str, str], float]:
    """{(project, limit name): used / limit} for the limits that are set."""
    uses = MonitoringStore(store).use_by_key(now - MINUTE, now - DAY, MAX_KEYS)
    records = {record.id: record for record in keys.get_api_keys([use.key_id for use in uses])}
    ratios: dict[tuple[str, str], float] = {}
    for use in uses:
        record = records.get(use.key_id)
        if record is None or record.revoked_at is not None:
            continue
        tier = limits.for_principal(Principal(project=record.project, tier=Tier(record.tier), key_id=record.id))
        for name, used, limit in (("requests_per_minute", use.per_minute, tier.requests_per_minute),
                                  ("requests_per_day", use.per_day, tier.requests_per_day),
                                  ("concurrent", use.active, tier.concurrent)):
            if limit:
                key = (record.project, name)
                ratios[key] = max(ratios.get(key, 0.0), used / limit)
    return ratios
