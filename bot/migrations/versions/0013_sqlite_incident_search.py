"""Incident search indexed on SQLite too: an FTS5 table with the trigram tokenizer over
``incidents.search``, kept in step by triggers, serves ``LIKE '%…%'`` as pg_trgm does on PostgreSQL.

External content: the FTS table stores only its index (the text stays in ``incidents``); the
triggers add, replace and remove an incident's entry as its row changes; the migration builds the
index for the incidents already stored. Nothing happens on PostgreSQL (migration 0012 indexed it).

Revision ID: 0013
Revises: 0012
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TRIGGERS = {
    "incident_search_ai": "AFTER INSERT ON incidents BEGIN"
    " INSERT INTO incident_search(rowid, search) VALUES (new.rowid, new.search); END",
    "incident_search_ad": "AFTER DELETE ON incidents BEGIN"
    " INSERT INTO incident_search(incident_search, rowid, search) VALUES ('delete', old.rowid, old.search);"
    " END",
    "incident_search_au": "AFTER UPDATE OF search ON incidents BEGIN"
    " INSERT INTO incident_search(incident_search, rowid, search) VALUES ('delete', old.rowid, old.search);"
    " INSERT INTO incident_search(rowid, search) VALUES (new.rowid, new.search); END",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE VIRTUAL TABLE incident_search USING fts5("
        "search, content='incidents', content_rowid='rowid', tokenize='trigram')"
    )
    for name, body in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")
    op.execute("INSERT INTO incident_search(incident_search) VALUES ('rebuild')")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS incident_search")
