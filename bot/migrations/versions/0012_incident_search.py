"""Incident search in SQL: ``incidents.search`` holds place, title and terms normalised, filled for
every existing incident here. On PostgreSQL a trigram index (pg_trgm) serves its ``LIKE '%…%'``;
where the extension cannot be created (no right to), the search still works, unindexed.

Revision ID: 0012
Revises: 0011
"""

import json

import sqlalchemy as sa
from alembic import op

from bot.core.incident_query import search_text

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

BATCH = 2_000


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("search", sa.Text, nullable=True))
    conn = op.get_bind()
    incidents = sa.table(
        "incidents",
        sa.column("key", sa.String),
        sa.column("place", sa.String),
        sa.column("title", sa.Text),
        sa.column("terms", sa.JSON),
        sa.column("search", sa.Text),
    )
    last = ""
    while True:
        rows = conn.execute(
            sa.select(incidents.c.key, incidents.c.place, incidents.c.title, incidents.c.terms)
            .where(incidents.c.key > last)
            .order_by(incidents.c.key)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        for key, place, title, terms in rows:
            if isinstance(terms, str):  # a JSON column read back as text by some drivers
                terms = json.loads(terms)
            conn.execute(
                incidents.update()
                .where(incidents.c.key == key)
                .values(search=search_text(place=place, title=title or "", incident_terms=terms or ()))
            )
        last = rows[-1][0]
    if conn.dialect.name == "postgresql":
        nested = conn.begin_nested()  # a refused CREATE EXTENSION must not undo the migration
        try:
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
            nested.commit()
        except sa.exc.DBAPIError:
            nested.rollback()
            return
        op.create_index(
            "ix_incidents_search_trgm",
            "incidents",
            ["search"],
            postgresql_using="gin",
            postgresql_ops={"search": "gin_trgm_ops"},
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_incidents_search_trgm")
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("search")
