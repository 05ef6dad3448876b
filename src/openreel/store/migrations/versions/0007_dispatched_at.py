"""When a queued operation's message was last sent to the queue, so that the sweepers of every
process can re-send the messages a broker lost (worker/sweeper.py). Existing queued operations
get NULL: due to be sent at once.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

from openreel.store.tables import UtcDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("operations") as batch:
        batch.add_column(sa.Column("dispatched_at", UtcDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("operations") as batch:
        batch.drop_column("dispatched_at")
