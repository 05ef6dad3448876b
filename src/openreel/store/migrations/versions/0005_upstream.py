"""What an engine that forwards to a remote API needs to survive restarts and respect the remote's
limits: the engine's saved state on the operation (the remote operation's name), when a deferred
operation may be claimed again and why it waits, the remote calls counted against the remote's
limits, and the remote cost estimate on usage records.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from openreel.store.tables import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("operations") as batch:
        batch.add_column(sa.Column("engine_state", sa.Text, nullable=True))
        batch.add_column(sa.Column("not_before", UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("wait_reason", sa.String(200), nullable=True))
        batch.add_column(sa.Column("waiting_on", sa.String(256), nullable=True))
    op.create_table(
        "remote_calls",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("limit_key", sa.String(256), nullable=False),
        sa.Column("operation_id", sa.String(32), nullable=False, index=True),
        sa.Column("sent_at", UtcDateTime(), nullable=False),
        sa.Column("released_at", UtcDateTime(), nullable=True),
    )
    op.create_index("ix_remote_calls_key_sent", "remote_calls", ["limit_key", "sent_at"])
    with op.batch_alter_table("usage_records") as batch:
        batch.add_column(sa.Column("remote_cost_micros", sa.BigInteger, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("usage_records") as batch:
        batch.drop_column("remote_cost_micros")
    op.drop_index("ix_remote_calls_key_sent", "remote_calls")
    op.drop_table("remote_calls")
    with op.batch_alter_table("operations") as batch:
        batch.drop_column("waiting_on")
        batch.drop_column("wait_reason")
        batch.drop_column("not_before")
        batch.drop_column("engine_state")
