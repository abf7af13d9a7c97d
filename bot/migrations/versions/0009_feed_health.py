"""Feed health: a server's hold, a saved permanent move, and pausing a feed that keeps failing.

* feeds.not_before: no poll before this time (the server's Retry-After on 429/503, or max-age);
* feeds.moved_to: where a 301/308 chain led; polls go there instead of ``url``;
* feeds.paused_at: paused after ``feed_pause_after`` consecutive failures, until an admin resumes it.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

from bot.adapters.schema import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feeds") as batch:
        batch.add_column(sa.Column("not_before", UTCDateTime, nullable=True))
        batch.add_column(sa.Column("moved_to", sa.Text, nullable=True))
        batch.add_column(sa.Column("paused_at", UTCDateTime, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("feeds") as batch:
        for column in ("paused_at", "moved_to", "not_before"):
            batch.drop_column(column)
