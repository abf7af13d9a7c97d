"""Initial schema: feeds, items (seen), incidents, incident_items, outbox.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from bot.adapters.schema import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feeds",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("url", sa.Text, nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("interval", sa.Integer, nullable=False),
        sa.Column("origin", sa.String(20), nullable=False),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
        sa.Column("body_sha256", sa.String(64)),
        sa.Column("last_polled", UTCDateTime),
        sa.Column("last_success", UTCDateTime),
        sa.Column("last_error", sa.Text),
        sa.Column("last_error_at", UTCDateTime),
        sa.Column("consecutive_failures", sa.Integer, nullable=False),
        sa.Column("items_seen", sa.Integer, nullable=False),
    )
    op.create_table(
        "items",
        sa.Column("feed_id", sa.String(100), primary_key=True),
        sa.Column("item_id", sa.String(512), primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("link", sa.Text),
        sa.Column("published", UTCDateTime, nullable=False),
        sa.Column("published_estimated", sa.Boolean, nullable=False),
        sa.Column("first_seen", UTCDateTime, nullable=False),
    )
    op.create_index("ix_items_published", "items", ["published"])
    op.create_table(
        "incidents",
        sa.Column("key", sa.String(40), primary_key=True),
        sa.Column("watchlist", sa.String(80), nullable=False),
        sa.Column("place", sa.String(200)),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("killed", sa.Integer),
        sa.Column("wounded", sa.Integer),
        sa.Column("displaced", sa.Integer),
        sa.Column("missing", sa.Integer),
        sa.Column("headlines", sa.JSON, nullable=False),
        sa.Column("terms", sa.JSON, nullable=False),
        sa.Column("sources", sa.JSON, nullable=False),
        sa.Column("tokens", sa.JSON, nullable=False),
        sa.Column("first_seen", UTCDateTime, nullable=False),
        sa.Column("updated", UTCDateTime, nullable=False),
        sa.Column("alerted", sa.Boolean, nullable=False),
    )
    op.create_index("ix_incidents_updated", "incidents", ["updated"])
    op.create_index("ix_incidents_watchlist_updated", "incidents", ["watchlist", "updated"])
    op.create_table(
        "incident_items",
        sa.Column("incident_key", sa.String(40), sa.ForeignKey("incidents.key"), primary_key=True),
        sa.Column("feed_id", sa.String(100), primary_key=True),
        sa.Column("item_id", sa.String(512), primary_key=True),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("incident_key", sa.String(40), sa.ForeignKey("incidents.key"), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("next_attempt_at", UTCDateTime, nullable=False),
        sa.Column("sent_at", UTCDateTime),
        sa.Column("ts", sa.String(40)),
    )
    op.create_index("ix_outbox_status_next", "outbox", ["status", "next_attempt_at"])
    op.create_index("ix_outbox_incident_channel", "outbox", ["incident_key", "channel"])


def downgrade() -> None:
    for table in ("outbox", "incident_items", "incidents", "items", "feeds"):
        op.drop_table(table)
