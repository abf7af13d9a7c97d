"""Parked alerts: outbox.problem says why Slack refused a parked message, and groups them.

A parked row has status "parked" and keeps its message; ``problem`` is its cause
(``bot.core.parking.problem_key``), so an admin is told once per cause and ``/sitrep retry``
re-queues them together.

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
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("problem", sa.String(120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("problem")
