"""Quota admission for create calls: concurrent operations, requests per minute, requests per day,
per API key, counted from the operations table so limits hold across restarts and replicas.
The counts are read inside the same locked transaction that inserts the operation
(SqlStore.admission), so simultaneous creates admit exactly what the limits allow.

Refusals are 429 RESOURCE_EXHAUSTED with a google.rpc.QuotaFailure naming the limit and a
google.rpc.RetryInfo saying when a retry can succeed (api/errors.py adds the matching Retry-After
header). The limits are the caller's tier's with an operator's custom limits over them
(quota/limits.py). Bad requests are refused before this check and never count. A server whose
queue is full answers 503 UNAVAILABLE instead (load shedding).
"""

from __future__ import annotations

from datetime import datetime

from openreel.auth import Principal
from openreel.domain.remote_limits import DAY, MINUTE, seconds_until_room
from openreel.errors import ResourceExhausted, ServiceUnavailable
from openreel.protocol.rpc import retry_info
from openreel.quota.tiers import TierLimits
from openreel.store.sql import Admission

# A concurrency slot frees when an operation finishes; clients are asked to look again soon.
CONCURRENCY_RETRY_SECONDS = 2.0
QUEUE_FULL_RETRY_SECONDS = 5.0


def _refuse(principal: Principal, limit_name: str, limit: int, retry_seconds: float) -> ResourceExhausted:
    subject = f"apikey:{principal.key_id}"
    # The limit may be the tier's or an operator's custom one (quota/limits.py): name both.
    description = f"{limit_name} limit of {limit} for this key ({principal.tier.value} tier or custom limits)"
    return ResourceExhausted(
        f"Quota exceeded: {description}. Retry in {retry_seconds:.1f} s. GET /v1/quota shows the key's "
        "limits and use.",
        details=[{"@type": "type.googleapis.com/google.rpc.QuotaFailure",
                  "violations": [{"subject": subject, "description": description}]},
                 retry_info(retry_seconds)])


def admit(store: Admission, principal: Principal, now: datetime, max_queued: int, limits: TierLimits) -> None:
    """Raise if this create call must be refused; otherwise return. Nothing is recorded here:
    the operation the caller then inserts through the same Admission is what later calls count."""
    if store.count_queued() >= max_queued:
        raise ServiceUnavailable(f"The service is at capacity ({max_queued} operations queued). Retry later.",
                                 details=[retry_info(QUEUE_FULL_RETRY_SECONDS)])
    if principal.key_id is None:
        return
    if limits.concurrent is not None and store.count_active(principal.key_id) >= limits.concurrent:
        raise _refuse(principal, "concurrent operations", limits.concurrent, CONCURRENCY_RETRY_SECONDS)
    for window, limit, name in ((MINUTE, limits.requests_per_minute, "requests per minute"),
                                (DAY, limits.requests_per_day, "requests per day")):
        if limit is None:
            continue
        wait = seconds_until_room(store.created_since(principal.key_id, now - window), limit, window, now)
        if wait > 0:
            raise _refuse(principal, name, limit, wait)
