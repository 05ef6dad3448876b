"""How much of its quota each project is using right now, for the metrics: per project and limit
(requests_per_minute, requests_per_day, concurrent), the highest share used among its keys.
Counted through the same queries admission uses (quota/status.py), so a ratio of 1.0 means the
next create call of that key is refused."""

from __future__ import annotations

from datetime import datetime, timedelta

from openreel.auth import Principal, Tier
from openreel.quota.limits import LimitResolver
from openreel.quota.status import quota_status
from openreel.store.keys import KeyStore
from openreel.store.sql import SqlStore

# The keys looked at: those that created work within the longest window (a day) or have work
# running. A bound, so that one scrape stays a bounded number of queries.
LOOKBACK = timedelta(days=1)
MAX_KEYS = 1000


def project_utilization(store: SqlStore, keys: KeyStore, limits: LimitResolver,
                        now: datetime) -> dict[tuple[str, str], float]:
    """{(project, limit name): used / limit} for the limits that are set."""
    ratios: dict[tuple[str, str], float] = {}
    with store.admission(locked=False) as counts:
        for key_id in counts.keys_in_use(now - LOOKBACK, MAX_KEYS):
            record = keys.get_api_key(key_id)
            if record is None or record.revoked_at is not None:
                continue
            principal = Principal(project=record.project, tier=Tier(record.tier), key_id=record.id)
            status = quota_status(counts, principal, limits.for_principal(principal), now)
            for name, used, limit in (("requests_per_minute", status.per_minute.used, status.per_minute.limit),
                                      ("requests_per_day", status.per_day.used, status.per_day.limit),
                                      ("concurrent", status.concurrent_used, status.concurrent_limit)):
                if limit:
                    key = (record.project, name)
                    ratios[key] = max(ratios.get(key, 0.0), used / limit)
    return ratios
