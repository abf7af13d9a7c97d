"""The replay guard's memory in the database: each accepted Slack request signature until it expires.

In memory it was lost at every restart, and each replica had its own: a captured request could be
sent again to another replica, or after a restart, within Slack's five-minute window.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

from bot.adapters.schema import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signed_requests",
        sa.Column("signature", sa.String(100), primary_key=True),
        sa.Column("expires_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_signed_requests_expires", "signed_requests", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_signed_requests_expires", table_name="signed_requests")
    op.drop_table("signed_requests")
