"""What the engine said it drew of the prompt (a ConceptAccount as JSON: rendered and
notRendered concepts), set when the operation succeeds. NULL for engines that cannot say (a
trained model, a remote API) and for operations made before.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("operations") as batch:
        batch.add_column(sa.Column("concepts", sa.JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("operations") as batch:
        batch.drop_column("concepts")
