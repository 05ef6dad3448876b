"""The store's clock: aware UTC datetimes, the only kind the tables hold."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
