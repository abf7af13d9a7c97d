"""``/incidents`` through ``incident_index`` on each backend: places found through the gazetteer,
keyset pages that neither skip nor repeat, totals that stop counting, and migration 0013's backfill."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.adapters import incident_index
from bot.adapters.store import Store, migrate
from bot.core.figures import Casualties, Category, Headline
from bot.core.gazetteer import Gazetteer
from bot.core.incident_query import search_text
from bot.core.incident_search import resolve_terms
from bot.core.incidents import Incident, Source
from bot.core.triage import Plan

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def incident(n: int, *, place: str = "Idlib", at: datetime | None = None, **changes: object) -> Incident:
    when = at or NOW - timedelta(minutes=n)
    base = Incident(
        key=f"i{n:03d}",
        watchlist="idlib",
        place=place,
        title=f"Shelling hits {place.split(',')[0]} (report {n})",
        summary="",
        casualties=Casualties(killed=Headline(Category.KILLED, n % 7)),
        terms=("shelling",),
        sources=(Source("wire", f"g{n}", "Wire", f"https://wire.example/{n}", when),),
        tokens=frozenset(),
        first_seen=when,
        updated=when,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture
async def store(database_url: str, gazetteer: Gazetteer) -> AsyncIterator[Store]:
    s = await Store.open(database_url, gazetteer=gazetteer)
    try:
        yield s
    finally:
        await s.close()


async def keys(store: Store, text: str | tuple[str, ...] = (), **kw: object) -> list[str]:
    args: dict[str, object] = {"since": NOW - timedelta(days=30), "text": text, "limit": 50, **kw}
    found = await store.search_incidents(**args)  # type: ignore[arg-type]
    return [i.key for i in found.incidents]


async def test_places_are_found_by_any_spelling_script_and_region(store: Store) -> None:
    rows = (
        incident(1, place="Saraqib, Idlib"),
        incident(2, place="Maarat al-Numan, Idlib"),
        incident(3, place="Idlib"),
        incident(4, place="Kherson", watchlist="ukraine", terms=("Kherson",)),
        incident(5, place="Geneva", title="Truce talks", terms=(), watchlist="talks"),
    )
    await store.record_poll("wire", now=NOW, plan=Plan(incidents=rows))
    assert await keys(store, "Idleb") == ["i001", "i002", "i003"]  # towns inside the region too
    assert await keys(store, "إدلب") == ["i001", "i002", "i003"]
    assert await keys(store, "سراقب") == ["i001"]
    assert await keys(store, "syria") == ["i001", "i002", "i003"]
    assert await keys(store, ("maarat", "al", "numan")) == ["i002"]
    assert await keys(store, ("idlib", "shelling")) == ["i001", "i002", "i003"]
    assert await keys(store, "ukraine") == ["i004"]
    assert await keys(store, "idlib", watchlist="ukraine") == []
    assert await keys(store, "truce") == ["i005"]
    assert await keys(store, "switzerland") == ["i005"]


async def test_an_updated_incident_is_found_under_its_new_place_and_time(store: Store) -> None:
    first = incident(1, place="Saraqib, Idlib")
    await store.record_poll("wire", now=NOW, plan=Plan(incidents=(first,)))
    moved = replace(first, place="Kherson", terms=("Kherson",), updated=NOW, title="Strike on Kherson")
    await store.record_poll("wire", now=NOW, plan=Plan(incidents=(moved,)))
    assert await keys(store, "kherson") == ["i001"]
    assert await keys(store, "saraqib") == []
    assert await keys(store, since=NOW - timedelta(seconds=1)) == ["i001"]


@pytest.mark.parametrize("text", [(), ("idlib",), ("shelling",)])
async def test_keyset_pages_neither_skip_nor_repeat(store: Store, text: tuple[str, ...]) -> None:
    # 45 incidents, many sharing a time to the microsecond: the key breaks the tie.
    rows = tuple(
        incident(n, place="Saraqib, Idlib" if n % 2 else "Idlib", at=NOW - timedelta(minutes=n // 4))
        for n in range(45)
    )
    await store.record_poll("wire", now=NOW, plan=Plan(incidents=rows))
    since = NOW - timedelta(days=1)
    expected = [r.key for r in sorted(rows, key=lambda r: (r.updated, r.key), reverse=True)]
    seen: list[str] = []
    found = await store.search_incidents(since=since, text=text, limit=7)
    totals = [found.total]
    pages = 1
    while True:
        seen += [i.key for i in found.incidents]
        if found.next is None:
            break
        if pages == 2:  # news arrives between two pages: it neither shifts nor joins the pages
            newer = incident(99, at=NOW + timedelta(minutes=5))
            await store.record_poll("wire", now=NOW, plan=Plan(incidents=(newer,)))
        found = await store.search_incidents(since=since, text=text, limit=7, after=found.next)
        totals.append(found.total)
        pages += 1
    assert seen == expected
    assert pages == 7 and totals[0] == 45 and totals[-1] == 3  # 6 pages of 7, then the last 3
    # A "More" button from before cursors carried an offset: the store walks there (counting the
    # incident that arrived meanwhile, as an offset must — which is why buttons now carry cursors).
    old = await store.search_incidents(since=since, text=text, limit=7, offset=14)
    assert [i.key for i in old.incidents] == ["i099", *expected][14:21]


async def test_a_total_stops_counting_at_the_cap(store: Store, database_url: str) -> None:
    await store.record_poll("wire", now=NOW, plan=Plan(incidents=tuple(incident(n) for n in range(12))))
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            terms = resolve_terms(["idlib"], store.gazetteer)
            found = await incident_index.search(
                conn, since=NOW - timedelta(days=1), terms=terms, limit=4, cap=5
            )
            assert (found.total, found.more_than, len(found.incidents)) == (5, True, 4)
            exact = await incident_index.search(
                conn, since=NOW - timedelta(days=1), terms=terms, limit=4, cap=50
            )
            assert (exact.total, exact.more_than) == (12, False)
            # The filters ride on the driver's rows; a floor picks its range, the exact floor filters.
            floor = await incident_index.search(conn, since=NOW - timedelta(days=1), min_killed=5, limit=20)
            assert sorted(i.key for i in floor.incidents) == ["i005", "i006"]
    finally:
        await engine.dispose()


async def test_migration_0013_indexes_incidents_stored_before_it(
    database_url: str, gazetteer: Gazetteer
) -> None:
    engine = create_async_engine(database_url)
    async with engine.begin() as conn:
        await conn.run_sync(migrate, None, "0012")
        for key, place, killed in (("old-1", "Saraqib, Idlib", 12), ("old-2", "Kherson", None)):
            await conn.execute(
                text(
                    "INSERT INTO incidents (key, watchlist, place, title, summary, killed, headlines, terms,"
                    " sources, tokens, first_seen, updated, alerted, severity, search) VALUES (:key, 'w',"
                    " :place, 'Shelling hits the market', '', :killed, '[]', '[\"shelling\"]', '[]', '[]',"
                    " :now, :now, false, 0, :search)"
                ),
                {
                    "key": key,
                    "place": place,
                    "killed": killed,
                    "now": NOW,
                    "search": search_text(
                        place=place, title="Shelling hits the market", incident_terms=["shelling"]
                    ),
                },
            )
    await engine.dispose()
    store = await Store.open(database_url, gazetteer=gazetteer)  # migrates to head: 0013 fills the index
    try:
        assert await keys(store, "سراقب") == ["old-1"]
        assert await keys(store, "idleb") == ["old-1"]
        assert await keys(store, "shelling") == ["old-2", "old-1"]  # one time: the key decides
        assert await keys(store, min_killed=10) == ["old-1"]
        assert await keys(store, "kherson", watchlist="w") == ["old-2"]
    finally:
        await store.close()
