"""Usage reports: records as JSON with totals, optionally grouped by model or by day. The CLI
(`openreel usage --json`) and the HTTP usage endpoint print the same shape, in snake_case like
billing exports usually are (`total_cost_usd`, `records`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from openreel.billing.pricing import usd
from openreel.domain.usage import Usage
from openreel.protocol.rpc import rfc3339

GroupBy = Literal["model", "day"]
SINCE_RULE = "a date (2026-12-01), an RFC 3339 time (2026-12-01T09:30:00Z) or a span back from now (12h, 7d)"
_SPAN = re.compile(r"([0-9]{1,6})([hd])")


def parse_since(text: str, now: datetime) -> datetime:
    """The start of a report: a date (midnight UTC), an RFC 3339 time, or a span back from now;
    raises ValueError with SINCE_RULE."""
    text = text.strip()
    try:
        if span := _SPAN.fullmatch(text):
            return now - timedelta(hours=int(span[1]) * (24 if span[2] == "d" else 1))
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        # In UTC here, so that a time at the edge of the calendar fails now, not in the database.
        return (moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValueError(f"{text!r} is not {SINCE_RULE}") from None


def record_json(usage: Usage, video_urls: list[str]) -> dict[str, Any]:
    return {
        "operation": usage.operation_id, "project": usage.project, "api_key_id": usage.api_key_id,
        "model": usage.model, "engine": usage.engine, "state": usage.state, "resolution": usage.resolution,
        "samples": usage.samples, "video_seconds": usage.video_seconds, "audio": usage.audio,
        "queue_seconds": usage.queue_ms / 1000, "engine_seconds": usage.engine_ms / 1000,
        "cost_usd": usd(usage.cost_micros), "finished_at": rfc3339(usage.finished_at), "videos": video_urls,
    } | _remote_cost(usage, "remote_cost_usd")


def usage_report(project: str, since: datetime | None, records: list[Usage], by: GroupBy | None,
                 video_urls: Callable[[Usage], list[str]]) -> dict[str, Any]:
    """One JSON object: total_cost_usd, records (one per operation) and, with `by`, groups."""
    body: dict[str, Any] = {
        "project": project, "since": None if since is None else rfc3339(since),
        "total_cost_usd": usd(sum(r.cost_micros for r in records)),
        "total_video_seconds": sum(r.video_seconds for r in records),
        "operations": len(records),
        "records": [record_json(r, video_urls(r)) for r in records],
    }
    remote = [r.remote_cost_micros for r in records if r.remote_cost_micros is not None]
    if remote:
        body["total_remote_cost_usd"] = usd(sum(remote))
    if by is not None:
        groups: dict[str, list[Usage]] = {}
        for record in records:
            key = record.model if by == "model" else record.finished_at.date().isoformat()
            groups.setdefault(key, []).append(record)
        body["groups"] = [{by: key, "operations": len(rs), "videos": sum(r.samples for r in rs),
                           "video_seconds": sum(r.video_seconds for r in rs),
                           "cost_usd": usd(sum(r.cost_micros for r in rs))} for key, rs in sorted(groups.items())]
    return body


def usage_metadata(usage: Usage) -> dict[str, Any]:
    """The usage an operation's metadata and its webhook payloads carry (camelCase, as the wire)."""
    return {"videoSeconds": usage.video_seconds, "samples": usage.samples, "resolution": usage.resolution,
            "audio": usage.audio, "queueSeconds": usage.queue_ms / 1000, "engineSeconds": usage.engine_ms / 1000,
            "costUsd": usd(usage.cost_micros), "engine": usage.engine} | _remote_cost(usage, "remoteCostUsd")


def _remote_cost(usage: Usage, name: str) -> dict[str, float]:
    """The remote API's estimated charge, for an operation an upstream engine forwarded."""
    return {} if usage.remote_cost_micros is None else {name: usd(usage.remote_cost_micros)}
