"""Migration 0012 fills ``incidents.search`` for incidents stored before it, and search finds them."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.adapters.store import Store, migrate

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


async def test_incidents_stored_before_the_search_column_are_found_after_it(database_url: str) -> None:
    engine = create_async_engine(database_url)
    async with engine.begin() as conn:
        await conn.run_sync(migrate, None, "0011")
        await conn.execute(
            text(
                "INSERT INTO incidents (key, watchlist, place, title, summary, headlines, terms, sources,"
                " tokens, first_seen, updated, alerted, severity) VALUES (:key, 'idlib', :place, :title,"
                " '', '[]', :terms, '[]', '[]', :now, :now, false, 0)"
            ),
            {
                "key": "old-1",
                "place": "Ma'arrat al-Nu'man",
                "title": "Shelling hits the town's market",
                "terms": '["shelling"]',
                "now": NOW,
            },
        )
    await engine.dispose()
    store = await Store.open(database_url)  # migrates to head: 0012 fills the column
    try:
        found = await store.search_incidents(since=NOW.replace(year=2025), text="al numan", limit=10)
        assert found.total == 1 and found.incidents[0].key == "old-1"
        assert (await store.search_incidents(since=NOW.replace(year=2025), text="Homs", limit=10)).total == 0
    finally:
        await store.close()
