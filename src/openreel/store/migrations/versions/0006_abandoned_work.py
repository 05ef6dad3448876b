"""Work an engine left running elsewhere (a remote job) for operations that ended in a way their
worker may not have followed through (cancelled or deleted in the queue, failed, given up by the
sweeper), for a worker process to ask the engine to stop (store/abandoned.py).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

from openreel.store.tables import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "abandoned_work",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("operation_id", sa.String(32), nullable=False, index=True),
        sa.Column("model", sa.String(256), nullable=False),
        sa.Column("engine_state", sa.Text, nullable=False),
        sa.Column("delete_remote", sa.Boolean, nullable=False),
        sa.Column("tries", sa.Integer, nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("next_try_at", UtcDateTime(), nullable=False, index=True),
    )


def downgrade() -> None:
    op.drop_table("abandoned_work")
