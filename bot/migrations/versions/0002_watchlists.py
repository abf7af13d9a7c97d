"""Watchlists in the database: mirrored from the config file, editable from Slack later.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from bot.adapters.schema import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "watchlists",
        sa.Column("name", sa.String(80), primary_key=True),
        sa.Column("definition", sa.JSON, nullable=False),
        sa.Column("origin", sa.String(20), nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("watchlists")
