"""``incident_index``: what ``/incidents`` finds an incident by (its words, the gazetteer places it
lies in with their province and country, its watchlist and casualty floors), keyed by entry and
time so every lookup is one range read; filled here for every existing incident.

The places come from the gazetteer the store was opened with (``Store.open(gazetteer=…)``), else
the process's own, loaded only when there are incidents to place.

Revision ID: 0013
Revises: 0012
"""

import json

import sqlalchemy as sa
from alembic import op

from bot.adapters import incident_index
from bot.adapters.schema import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

BATCH = 2_000


def upgrade() -> None:
    op.create_table(
        "incident_index",
        sa.Column("entry", sa.String(120), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("incident_key", sa.String(40), nullable=False),
        sa.Column("watchlist", sa.String(80), nullable=False),
        sa.Column("killed", sa.Integer),
        sa.Column("wounded", sa.Integer),
        sa.PrimaryKeyConstraint(
            "entry", "at", "incident_key", postgresql_include=["watchlist", "killed", "wounded"]
        ),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_incident_index_incident", "incident_index", ["incident_key"])
    conn = op.get_bind()
    incidents = sa.table(
        "incidents",
        sa.column("key", sa.String),
        sa.column("watchlist", sa.String),
        sa.column("place", sa.String),
        sa.column("title", sa.Text),
        sa.column("terms", sa.JSON),
        sa.column("killed", sa.Integer),
        sa.column("wounded", sa.Integer),
        sa.column("updated", UTCDateTime),
        sa.column("search", sa.Text),
    )
    index = sa.table(
        "incident_index",
        *(sa.column(n) for n in ("entry", "incident_key", "watchlist", "killed", "wounded")),
        sa.column("at", UTCDateTime),
    )
    gazetteer = None
    last = ""
    while True:
        rows = conn.execute(
            sa.select(incidents).where(incidents.c.key > last).order_by(incidents.c.key).limit(BATCH)
        ).all()
        if not rows:
            break
        if gazetteer is None:
            gazetteer = op.get_context().config.attributes.get("gazetteer") if op.get_context().config else None
            gazetteer = gazetteer or incident_index.default_gazetteer()
        values = []
        for r in rows:
            terms = json.loads(r.terms) if isinstance(r.terms, str) else r.terms  # JSON read as text
            entries = incident_index.entries_of(
                gazetteer,
                watchlist=r.watchlist,
                place=r.place,
                title=r.title or "",
                terms=[str(x) for x in terms or ()],
                killed=r.killed,
                wounded=r.wounded,
                search=r.search,
            )
            values += incident_index.rows_for(
                entries, at=r.updated, key=r.key, watchlist=r.watchlist, killed=r.killed, wounded=r.wounded
            )
        if values:
            conn.execute(index.insert(), values)
        last = rows[-1].key


def downgrade() -> None:
    op.drop_index("ix_incident_index_incident", "incident_index")
    op.drop_table("incident_index")
