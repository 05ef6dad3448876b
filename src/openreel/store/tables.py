"""Table rows. Kept apart from domain objects; store/codec.py maps between the two."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (JSON, BigInteger, Boolean, Column, DateTime, Dialect, ForeignKey, Index, Integer, MetaData,
                        String, Table, Text, TypeDecorator)

from openreel.domain.operation import MAX_PROGRESS_PHASE_CHARS, MAX_WAIT_REASON_CHARS


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
    Column("expires_at", UtcDateTime(), nullable=True),
)

# An operator's limits for one project ("project:P") or one key ("key:ID"), over its tier's:
# {"requests_per_minute": 600, "concurrent": null}; a limit set to null means none at all, a
# limit left out keeps the tier's.
custom_limits = Table(
    "custom_limits", metadata,
    Column("subject", String(160), primary_key=True),
    Column("limits", JSON, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
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
    Column("progress_phase", String(MAX_PROGRESS_PHASE_CHARS), nullable=False, default="", server_default=""),
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
    # Retention: when the operation's videos, thumbnails and inputs go, and when they went.
    Column("files_expire_at", UtcDateTime(), nullable=True, index=True),
    Column("files_expired_at", UtcDateTime(), nullable=True),
    # What the engine saved for a later attempt of this operation (a remote operation's name).
    Column("engine_state", Text, nullable=True),
    # A deferred operation (its engine must wait for a remote's limits) is not claimed before
    # this time; wait_reason says why it waits.
    Column("not_before", UtcDateTime(), nullable=True),
    Column("wait_reason", String(MAX_WAIT_REASON_CHARS), nullable=True),
    Column("waiting_on", String(256), nullable=True),  # the remote limit key it waits for
    # When the queue was last told about this queued operation; NULL: it must be told (its
    # message could not be sent). The sweepers re-send messages that look lost (store/dispatch.py).
    Column("dispatched_at", UtcDateTime(), nullable=True),
    # The creating request's traceparent (observability/tracing.py); NULL when tracing is off.
    Column("trace_context", String(128), nullable=True),
    # What the engine said it drew of the prompt: {"rendered": [...], "notRendered": [...]}.
    Column("concepts", JSON, nullable=True),
    Index("ix_operations_api_key_created", "api_key_id", "created_at"),
)

# A project's saved characters and styles (domain/saved_references.py); their images live in
# storage under references/{id}/, listed here as [{"key", "mimeType"}].
saved_references = Table(
    "saved_references", metadata,
    Column("id", String(32), primary_key=True),
    Column("project", String(128), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("display_name", String(128), nullable=False),
    Column("images", JSON, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Index("ix_saved_references_project_kind", "project", "kind", "id"),
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

# One row per finished operation, written in the transaction that finishes it.
usage_records = Table(
    "usage_records", metadata,
    Column("operation_id", String(32), primary_key=True),
    Column("project", String(128), nullable=False),
    Column("api_key_id", String(32), nullable=True),
    Column("model", String(256), nullable=False),
    Column("engine", String(64), nullable=False),
    Column("state", String(16), nullable=False),
    Column("resolution", String(8), nullable=False),
    Column("samples", Integer, nullable=False),
    Column("video_seconds", Integer, nullable=False),
    Column("audio", Integer, nullable=False),
    Column("queue_ms", BigInteger, nullable=False),
    Column("engine_ms", BigInteger, nullable=False),
    # Micro-dollars: exact sums, no float drift.
    Column("cost_micros", BigInteger, nullable=False),
    # What the remote API behind an upstream engine is estimated to charge for it (null: no remote).
    Column("remote_cost_micros", BigInteger, nullable=True),
    Column("finished_at", UtcDateTime(), nullable=False),
    Index("ix_usage_project_finished", "project", "finished_at"),
)

# One row per request an engine sent to a remote API (a create call), counted against the remote's
# limits (requests per minute and per day, concurrent operations) by every worker of every process.
# released_at: when the remote operation it made stopped counting as running (or the call made none).
remote_calls = Table(
    "remote_calls", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("limit_key", String(256), nullable=False),
    Column("operation_id", String(32), nullable=False, index=True),
    Column("sent_at", UtcDateTime(), nullable=False),
    Column("released_at", UtcDateTime(), nullable=True),
    Index("ix_remote_calls_key_sent", "limit_key", "sent_at"),
)

# Work an engine left running elsewhere (a remote job) for an operation that ended in a way its
# worker may not have followed through (cancelled or deleted in the queue, failed, given up by
# the sweeper): a worker process asks the engine to stop it (Engine.abandon). next_try_at: when
# it is due (again); tries: how many times it was taken, counted as it is taken.
abandoned_work = Table(
    "abandoned_work", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("operation_id", String(32), nullable=False, index=True),
    Column("model", String(256), nullable=False),
    Column("engine_state", Text, nullable=False),
    Column("delete_remote", Boolean, nullable=False),
    Column("tries", Integer, nullable=False, default=0),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("next_try_at", UtcDateTime(), nullable=False, index=True),
)

# Idempotency-Key on create: the same key and body within a day gives the same operation.
idempotency_keys = Table(
    "idempotency_keys", metadata,
    Column("project", String(128), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("body_sha256", String(64), nullable=False),
    Column("operation_id", String(32), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False, index=True),
)

# The signing secret of a project's per-request webhooks (webhookConfig, webhook_url).
project_secrets = Table(
    "project_secrets", metadata,
    Column("project", String(128), primary_key=True),
    Column("signing_secret", String(128), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

# The Gemini API's webhooks resource, per project.
webhooks = Table(
    "webhooks", metadata,
    Column("id", String(32), primary_key=True),
    Column("project", String(128), nullable=False, index=True),
    Column("uri", Text, nullable=False),
    Column("subscribed_events", JSON, nullable=False),
    Column("state", String(40), nullable=False),
    Column("signing_secret", String(128), nullable=False),
    # Kept for a day after a rotation; deliveries carry a signature for each.
    Column("previous_secret", String(128), nullable=True),
    Column("previous_secret_expires_at", UtcDateTime(), nullable=True),
    Column("consecutive_failures", Integer, nullable=False, default=0),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

# The outbox: one row per event and endpoint, written with the change that caused it.
webhook_deliveries = Table(
    "webhook_deliveries", metadata,
    Column("id", String(40), primary_key=True),  # the webhook-id header: msg_...
    Column("project", String(128), nullable=False),
    Column("operation_id", String(32), nullable=True, index=True),
    Column("webhook_id", String(32), nullable=True, index=True),  # null: a per-request webhook
    Column("uri", Text, nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("state", String(16), nullable=False),  # pending, delivered, failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime(), nullable=True, index=True),
    Column("last_status_code", Integer, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

webhook_attempts = Table(
    "webhook_attempts", metadata,
    Column("delivery_id", String(40), ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), primary_key=True),
    Column("attempt", Integer, primary_key=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("error", Text, nullable=True),
    Column("duration_ms", Integer, nullable=False),
)
