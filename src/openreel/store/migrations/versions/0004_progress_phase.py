"""What a running operation is doing, beside how far it has got ("denoising step 3 of 30").

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("operations") as batch:
        batch.add_column(sa.Column("progress_phase", sa.String(80), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("operations") as batch:
        batch.drop_column("progress_phase")
