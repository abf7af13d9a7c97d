"""Incidents as events, tiers and digests.

* items.story: the article's story key, so a re-issued item is not a new report;
* incidents: the event signature, each report's claim, why it pinged, severity, why it was held;
* item_tiers: what became of every item for every watchlist it names (push, digest, drop, why);
* digests and digest_items: items waiting for a watchlist's digest, and the digests delivered;
* outbox: digest messages (no incident; a digest id and the part of a long digest).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

from bot.adapters.schema import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("story", sa.String(24), nullable=True))
    op.create_index("ix_items_story", "items", ["story"])
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("event", sa.JSON, nullable=True))
        batch.add_column(sa.Column("claims", sa.JSON, nullable=True))
        batch.add_column(sa.Column("why", sa.JSON, nullable=True))
        batch.add_column(sa.Column("severity", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("held", sa.String(200), nullable=True))
    op.create_index("ix_incidents_watchlist_first_seen", "incidents", ["watchlist", "first_seen"])
    op.create_table(
        "item_tiers",
        sa.Column("feed_id", sa.String(100), primary_key=True),
        sa.Column("item_id", sa.String(512), primary_key=True),
        sa.Column("watchlist", sa.String(80), primary_key=True),
        sa.Column("tier", sa.String(10), nullable=False),
        sa.Column("reasons", sa.Text, nullable=False),
        sa.Column("incident_key", sa.String(40), nullable=True),
        sa.Column("at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_item_tiers_watchlist_at", "item_tiers", ["watchlist", "at"])
    op.create_table(
        "digests",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("watchlist", sa.String(80), nullable=False),
        sa.Column("period_start", UTCDateTime, nullable=False),
        sa.Column("period_end", UTCDateTime, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("messages", sa.Integer, nullable=False),
    )
    op.create_index("ix_digests_watchlist_end", "digests", ["watchlist", "period_end"])
    op.create_table(
        "digest_items",
        sa.Column("watchlist", sa.String(80), primary_key=True),
        sa.Column("feed_id", sa.String(100), primary_key=True),
        sa.Column("item_id", sa.String(512), primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("link", sa.Text),
        sa.Column("outlet", sa.String(200), nullable=False),
        sa.Column("published", UTCDateTime, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("story", sa.String(300), nullable=False),
        sa.Column("added_at", UTCDateTime, nullable=False),
        sa.Column("digest_id", sa.Integer, sa.ForeignKey("digests.id"), nullable=True),
    )
    op.create_index("ix_digest_items_pending", "digest_items", ["watchlist", "digest_id", "published"])
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("incident_key", existing_type=sa.String(40), nullable=True)
        batch.add_column(sa.Column("digest_id", sa.Integer, nullable=True))
        batch.add_column(sa.Column("part", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("part")
        batch.drop_column("digest_id")
        batch.alter_column("incident_key", existing_type=sa.String(40), nullable=False)
    op.drop_index("ix_digest_items_pending", table_name="digest_items")
    op.drop_table("digest_items")
    op.drop_index("ix_digests_watchlist_end", table_name="digests")
    op.drop_table("digests")
    op.drop_index("ix_item_tiers_watchlist_at", table_name="item_tiers")
    op.drop_table("item_tiers")
    op.drop_index("ix_incidents_watchlist_first_seen", table_name="incidents")
    with op.batch_alter_table("incidents") as batch:
        for column in ("held", "severity", "why", "claims", "event"):
            batch.drop_column(column)
    op.drop_index("ix_items_story", table_name="items")
    with op.batch_alter_table("items") as batch:
        batch.drop_column("story")
