"""The database schema (SQLAlchemy Core). Alembic migrations in ``bot/migrations`` create it.

Times are stored as timezone-aware UTC; SQLite hands them back naive, so ``UTCDateTime`` puts
the zone back on the way out.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    TypeDecorator,
)


class UTCDateTime(TypeDecorator[datetime]):
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; Sitrep stores UTC only")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

feeds = Table(
    "feeds",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("url", Text, nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("interval", Integer, nullable=False),
    Column("origin", String(20), nullable=False, default="config"),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("body_sha256", String(64)),
    Column("last_polled", UTCDateTime),
    Column("last_success", UTCDateTime),
    Column("last_error", Text),
    Column("last_error_at", UTCDateTime),
    Column("consecutive_failures", Integer, nullable=False, default=0),
    Column("items_seen", Integer, nullable=False, default=0),
    Column("removed_at", UTCDateTime),  # removed from Slack: kept so the config file cannot bring it back
    Column("not_before", UTCDateTime),  # the server asked for no poll before (Retry-After, max-age)
    Column("moved_to", Text),  # a saved 301/308 move: polled there instead of url
    Column("paused_at", UTCDateTime),  # paused after feed_pause_after failures, until /feeds resume
)

items = Table(
    "items",
    metadata,
    Column("feed_id", String(100), primary_key=True),
    Column("item_id", String(512), primary_key=True),
    Column("title", Text, nullable=False),
    Column("summary", Text, nullable=False),
    Column("link", Text),
    Column("published", UTCDateTime, nullable=False),
    Column("published_estimated", Boolean, nullable=False, default=False),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("story", String(24)),  # bot.core.incidents.stories.story_key: a re-issued item is no news
    Index("ix_items_published", "published"),
    Index("ix_items_story", "story"),
)

POSTGRES_ONLY_INDEXES = frozenset({"ix_incidents_search_trgm"})
"""Indexes the migrations build on PostgreSQL alone (no such index type on SQLite)."""

incidents = Table(
    "incidents",
    metadata,
    Column("key", String(40), primary_key=True),
    Column("watchlist", String(80), nullable=False),
    Column("place", String(200)),
    Column("title", Text, nullable=False),
    Column("summary", Text, nullable=False),
    Column("killed", Integer),
    Column("wounded", Integer),
    Column("displaced", Integer),
    Column("missing", Integer),
    Column("headlines", JSON, nullable=False),
    Column("terms", JSON, nullable=False),
    Column("sources", JSON, nullable=False),
    Column("tokens", JSON, nullable=False),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("updated", UTCDateTime, nullable=False),
    Column("alerted", Boolean, nullable=False, default=False),
    Column("event", JSON),  # the lead report's EventSignature
    Column("claims", JSON),  # each report's own figures and who gave them
    Column("why", JSON),  # why the first alert pinged
    Column("severity", Integer, nullable=False, default=0),
    Column("held", String(200)),  # why it was not posted (digest instead), or NULL
    # place, title and terms normalised (bot.core.incident_query.search_text): what /incidents
    # searches, in SQL; PostgreSQL indexes it with pg_trgm (migration 0012)
    Column("search", Text),
    Index("ix_incidents_updated", "updated"),
    Index("ix_incidents_watchlist_updated", "watchlist", "updated"),
    Index("ix_incidents_watchlist_first_seen", "watchlist", "first_seen"),
    # PostgreSQL only (migration 0012; where pg_trgm could be created): serves LIKE '%…%' on search
    Index(
        "ix_incidents_search_trgm",
        "search",
        postgresql_using="gin",
        postgresql_ops={"search": "gin_trgm_ops"},
    ).ddl_if(dialect="postgresql"),
)

incident_index = Table(
    "incident_index",
    metadata,
    # What /incidents finds an incident by (bot.core.incident_search): "w:<word>", "p:<place key>",
    # "l:<watchlist>", "k:<floor>", "x:<floor>", "*". Keyed by entry then time, so every lookup is
    # one range read newest first; watchlist and figures ride along so filters need no other read.
    Column("entry", String(120), nullable=False),
    Column("at", UTCDateTime, nullable=False),  # the incident's ``updated``
    Column("incident_key", String(40), nullable=False),
    Column("watchlist", String(80), nullable=False),
    Column("killed", Integer),
    Column("wounded", Integer),
    # On PostgreSQL the key's index carries the filter columns too, so a range read with a
    # watchlist or a casualty floor is an index-only scan (SQLite's table is its key already).
    PrimaryKeyConstraint(
        "entry", "at", "incident_key", postgresql_include=["watchlist", "killed", "wounded"]
    ),
    Index("ix_incident_index_incident", "incident_key"),  # an updated incident's entries are replaced
    sqlite_with_rowid=False,  # the primary key is the table: a range read touches nothing else
)

incident_items = Table(
    "incident_items",
    metadata,
    Column("incident_key", String(40), ForeignKey("incidents.key"), primary_key=True),
    Column("feed_id", String(100), primary_key=True),
    Column("item_id", String(512), primary_key=True),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_key", String(40), ForeignKey("incidents.key")),  # NULL for a digest
    Column("kind", String(10), nullable=False),
    Column("channel", String(40), nullable=False),
    Column("message", Text, nullable=False),
    Column("status", String(12), nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime),
    Column("ts", String(40)),
    Column("facts", JSON),  # bot.core.triage.MessageFacts: watchlist, figures shown, links reported
    Column("digest_id", Integer),  # a digest's messages: its id, and the part (0: the top-level post)
    Column("part", Integer, nullable=False, default=0),
    Column("problem", String(120)),  # a parked row's cause (bot.core.parking.problem_key)
    Index("ix_outbox_status_next", "status", "next_attempt_at"),
    Index("ix_outbox_incident_channel", "incident_key", "channel"),
)

watchlists = Table(
    "watchlists",
    metadata,
    Column("name", String(80), primary_key=True),
    Column("definition", JSON, nullable=False),
    Column("origin", String(20), nullable=False),  # "config": mirrors the config file; "slack": edited there
    Column("updated_at", UTCDateTime, nullable=False),
    Column("removed_at", UTCDateTime),  # removed from Slack: kept so the config file cannot bring it back
)

signed_requests = Table(
    "signed_requests",
    metadata,
    # A Slack request signature (v0=<64 hex>) accepted once; a second delivery of it is a replay.
    Column("signature", String(100), primary_key=True),
    Column("expires_at", UTCDateTime, nullable=False),
    Index("ix_signed_requests_expires", "expires_at"),
)

audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("user_id", String(40), nullable=False),
    Column("action", String(40), nullable=False),  # e.g. "feed.add", "feed.remove"
    Column("subject", String(200), nullable=False),  # what changed, e.g. "feed:levant-wire"
    Column("before", JSON),  # None when the thing did not exist before
    Column("after", JSON),  # None when the thing no longer exists
    Index("ix_audit_subject_id", "subject", "id"),
)

feedback = Table(
    "feedback",
    metadata,
    Column("incident_key", String(40), ForeignKey("incidents.key"), primary_key=True),
    Column("user_id", String(40), primary_key=True),  # one mark per person per incident
    Column("verdict", String(20), nullable=False),  # "not_relevant"
    Column("channel", String(40), nullable=False),  # where the alert was marked
    Column("at", UTCDateTime, nullable=False),
    Index("ix_feedback_at", "at"),
)

item_tiers = Table(
    "item_tiers",
    metadata,
    Column("feed_id", String(100), primary_key=True),
    Column("item_id", String(512), primary_key=True),
    Column("watchlist", String(80), primary_key=True),
    Column("tier", String(10), nullable=False),  # push, digest, drop
    Column("reasons", Text, nullable=False),
    Column("incident_key", String(40)),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_item_tiers_watchlist_at", "watchlist", "at"),
)

digests = Table(
    "digests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("watchlist", String(80), nullable=False),
    Column("period_start", UTCDateTime, nullable=False),
    Column("period_end", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("messages", Integer, nullable=False),  # 0: the period had nothing (quiet)
    Index("ix_digests_watchlist_end", "watchlist", "period_end"),
)

digest_items = Table(
    "digest_items",
    metadata,
    Column("watchlist", String(80), primary_key=True),
    Column("feed_id", String(100), primary_key=True),
    Column("item_id", String(512), primary_key=True),
    Column("title", Text, nullable=False),
    Column("link", Text),
    Column("outlet", String(200), nullable=False),
    Column("published", UTCDateTime, nullable=False),
    Column("reason", Text, nullable=False),
    Column("story", String(300), nullable=False),
    Column("added_at", UTCDateTime, nullable=False),
    Column("digest_id", Integer, ForeignKey("digests.id")),  # NULL until a digest delivered it
    Index("ix_digest_items_pending", "watchlist", "digest_id", "published"),
)
