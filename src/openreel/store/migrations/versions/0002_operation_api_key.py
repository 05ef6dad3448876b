"""Operations remember the API key that created them (quota windows are per key).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("operations") as batch:
        batch.add_column(sa.Column("api_key_id", sa.String(32), nullable=True))
        batch.create_index("ix_operations_api_key_created", ["api_key_id", "created_at"])


def downgrade() -> None:
    with op.batch_alter_table("operations") as batch:
        batch.drop_index("ix_operations_api_key_created")
        batch.drop_column("api_key_id")
