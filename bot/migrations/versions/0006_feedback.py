"""Desk feedback on alerts: who marked which incident "not relevant".

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

from bot.adapters.schema import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback",
        sa.Column("incident_key", sa.String(40), sa.ForeignKey("incidents.key"), primary_key=True),
        sa.Column("user_id", sa.String(40), primary_key=True),
        sa.Column("verdict", sa.String(20), nullable=False),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_feedback_at", "feedback", ["at"])


def downgrade() -> None:
    op.drop_index("ix_feedback_at", table_name="feedback")
    op.drop_table("feedback")
