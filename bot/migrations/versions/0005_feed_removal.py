"""Feeds removed from Slack stay removed: a tombstone the config file does not resurrect.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from bot.adapters.schema import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feeds") as batch:
        batch.add_column(sa.Column("removed_at", UTCDateTime, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("feeds") as batch:
        batch.drop_column("removed_at")
