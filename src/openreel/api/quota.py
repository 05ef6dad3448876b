"""GET /{version}/quota: the calling key's limits, its use, and when each window's count falls.

Served under every Gemini version (/v1beta/quota, /v1/quota), beside the routes clients already
call. It reads the counts admission reads, without the admission lock, so it costs no writer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from openreel.api.deps import PrincipalDep, RuntimeDep, gemini_version
from openreel.auth import Tier
from openreel.quota.status import WindowUse, quota_status

router = APIRouter(tags=["Quota"])
Version = Annotated[str, Depends(gemini_version)]


class _Wire(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class ConcurrentQuota(_Wire):
    limit: int | None = Field(description="Operations queued or running at once; null: no limit.")
    used: int


class WindowQuota(_Wire):
    limit: int | None = Field(description="Create calls accepted in the window; null: no limit.")
    used: int
    window: str = Field(description="The sliding window's length, as a google.protobuf.Duration: 60s, 86400s.")
    reset_time: datetime | None = Field(
        description="When the oldest counted call leaves the window and `used` falls by one; null when none "
                    "is counted. At the limit, a create call succeeds from then on.")

    @classmethod
    def of(cls, use: WindowUse) -> WindowQuota:
        return cls(limit=use.limit, used=use.used, window=f"{use.window.total_seconds():.0f}s",
                   reset_time=use.resets_at)


class QuotaStatusResponse(_Wire):
    project: str
    key_id: str | None = Field(description="null for a keyless caller (OPENREEL_REQUIRE_API_KEY=false).")
    tier: Tier
    concurrent: ConcurrentQuota
    requests_per_minute: WindowQuota
    requests_per_day: WindowQuota


@router.get("/{version}/quota")
def get_quota(version: Version, principal: PrincipalDep, runtime: RuntimeDep) -> QuotaStatusResponse:
    """The caller's effective limits (tier, then its project's and its key's custom limits) and use."""
    limits = runtime.operations.rate_limits(principal)
    with runtime.store.admission(locked=False) as counts:
        status = quota_status(counts, principal, limits, datetime.now(UTC))
    return QuotaStatusResponse(
        project=principal.project, key_id=principal.key_id, tier=principal.tier,
        concurrent=ConcurrentQuota(limit=status.concurrent_limit, used=status.concurrent_used),
        requests_per_minute=WindowQuota.of(status.per_minute), requests_per_day=WindowQuota.of(status.per_day))
