"""Usage: what one finished operation delivered and cost. One record per operation; failed,
cancelled and filtered samples deliver nothing and cost nothing, as Google charges only for
delivered video."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Usage:
    operation_id: str
    project: str
    api_key_id: str | None
    model: str
    engine: str
    state: str
    resolution: str
    samples: int  # videos delivered
    video_seconds: int  # seconds of delivered video, all samples together
    audio: bool
    queue_ms: int  # created until its (last) claim
    engine_ms: int  # its (last) claim until it finished
    cost_micros: int
    finished_at: datetime
    # What the remote API behind an upstream engine is estimated to charge (None: no remote).
    remote_cost_micros: int | None = None
