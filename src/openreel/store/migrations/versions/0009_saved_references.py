"""A project's saved characters and styles (domain/saved_references.py).

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

from openreel.store.tables import UtcDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saved_references",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("project", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("display_name", sa.String(128), nullable=False),
        sa.Column("images", sa.JSON, nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_saved_references_project_kind", "saved_references", ["project", "kind", "id"])


def downgrade() -> None:
    op.drop_index("ix_saved_references_project_kind", "saved_references")
    op.drop_table("saved_references")
