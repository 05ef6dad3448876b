"""The W3C trace context (traceparent) of the request that created an operation, so that the
worker that runs it, in another process or on another machine, continues the same trace
(observability/tracing.py). NULL when tracing is off, and for operations made before.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("operations") as batch:
        batch.add_column(sa.Column("trace_context", sa.String(128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("operations") as batch:
        batch.drop_column("trace_context")
