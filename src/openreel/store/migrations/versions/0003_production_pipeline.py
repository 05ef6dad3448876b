"""The production pipeline: key expiry and custom limits, retention, usage records, idempotency
keys, project signing secrets, webhooks and their delivery outbox.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from openreel.store.tables import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("expires_at", UtcDateTime(), nullable=True))
    with op.batch_alter_table("operations") as batch:
        batch.add_column(sa.Column("files_expire_at", UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("files_expired_at", UtcDateTime(), nullable=True))
        batch.create_index("ix_operations_files_expire_at", ["files_expire_at"])
    op.create_table(
        "custom_limits",
        sa.Column("subject", sa.String(160), primary_key=True),
        sa.Column("limits", sa.JSON, nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "usage_records",
        sa.Column("operation_id", sa.String(32), primary_key=True),
        sa.Column("project", sa.String(128), nullable=False),
        sa.Column("api_key_id", sa.String(32), nullable=True),
        sa.Column("model", sa.String(256), nullable=False),
        sa.Column("engine", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("resolution", sa.String(8), nullable=False),
        sa.Column("samples", sa.Integer, nullable=False),
        sa.Column("video_seconds", sa.Integer, nullable=False),
        sa.Column("audio", sa.Integer, nullable=False),
        sa.Column("queue_ms", sa.BigInteger, nullable=False),
        sa.Column("engine_ms", sa.BigInteger, nullable=False),
        sa.Column("cost_micros", sa.BigInteger, nullable=False),
        sa.Column("finished_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_usage_project_finished", "usage_records", ["project", "finished_at"])
    op.create_table(
        "idempotency_keys",
        sa.Column("project", sa.String(128), primary_key=True),
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("body_sha256", sa.String(64), nullable=False),
        sa.Column("operation_id", sa.String(32), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False, index=True),
    )
    op.create_table(
        "project_secrets",
        sa.Column("project", sa.String(128), primary_key=True),
        sa.Column("signing_secret", sa.String(128), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "webhooks",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("project", sa.String(128), nullable=False, index=True),
        sa.Column("uri", sa.Text, nullable=False),
        sa.Column("subscribed_events", sa.JSON, nullable=False),
        sa.Column("state", sa.String(40), nullable=False),
        sa.Column("signing_secret", sa.String(128), nullable=False),
        sa.Column("previous_secret", sa.String(128), nullable=True),
        sa.Column("previous_secret_expires_at", UtcDateTime(), nullable=True),
        sa.Column("consecutive_failures", sa.Integer, nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("project", sa.String(128), nullable=False),
        sa.Column("operation_id", sa.String(32), nullable=True, index=True),
        sa.Column("webhook_id", sa.String(32), nullable=True, index=True),
        sa.Column("uri", sa.Text, nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=True, index=True),
        sa.Column("last_status_code", sa.Integer, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "webhook_attempts",
        sa.Column("delivery_id", sa.String(40), sa.ForeignKey("webhook_deliveries.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("attempt", sa.Integer, primary_key=True),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("status_code", sa.Integer, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("duration_ms", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    for table in ("webhook_attempts", "webhook_deliveries", "webhooks", "project_secrets", "idempotency_keys",
                  "usage_records", "custom_limits"):
        op.drop_table(table)
    with op.batch_alter_table("operations") as batch:
        batch.drop_index("ix_operations_files_expire_at")
        batch.drop_column("files_expired_at")
        batch.drop_column("files_expire_at")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("expires_at")
