"""Table rows. Kept apart from domain objects; store/codec.py maps between the two."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (JSON, BigInteger, Column, DateTime, Dialect, ForeignKey, Index, Integer, MetaData,
                        String, Table, Text, TypeDecorator)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on SQLite (no tz) and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        stamp: datetime = value
        return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)


metadata = MetaData()

api_keys = Table(
    "api_keys", metadata,
    Column("id", String(32), primary_key=True),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),
    Column("project", String(128), nullable=False),
    Column("tier", String(32), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime(), nullable=True),
)

operations = Table(
    "operations", metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(512), nullable=False, unique=True),
    Column("surface", String(16), nullable=False),
    Column("model", String(256), nullable=False),
    Column("project", String(128), nullable=False, index=True),
    Column("api_key_id", String(32), nullable=True),
    Column("state", String(16), nullable=False, index=True),
    Column("request", JSON, nullable=False),
    Column("progress_percent", Integer, nullable=False, default=0),
    Column("attempt", Integer, nullable=False, default=0),
    # Incremented on every claim; a worker's writes only land while it holds the latest token.
    Column("fencing_token", Integer, nullable=False, default=0),
    Column("lease_owner", String(128), nullable=True),
    Column("lease_expires_at", UtcDateTime(), nullable=True),
    Column("enhanced_prompt", Text, nullable=True),
    Column("error_code", Integer, nullable=True),
    Column("error_message", Text, nullable=True),
    Column("rai_reasons", JSON, nullable=True),
    Column("created_at", UtcDateTime(), nullable=False, index=True),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("started_at", UtcDateTime(), nullable=True),
    Column("finished_at", UtcDateTime(), nullable=True),
    Index("ix_operations_api_key_created", "api_key_id", "created_at"),
)

videos = Table(
    "videos", metadata,
    Column("id", String(40), primary_key=True),
    Column("operation_id", String(32), ForeignKey("operations.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("sample_index", Integer, nullable=False),
    Column("storage_key", String(1024), nullable=False),
    Column("mime_type", String(64), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)
