"""Desk feedback in the store, on SQLite and (when TEST_DATABASE_URL is set) PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from bot.adapters import schema
from bot.adapters.feedback import Tally
from bot.adapters.store import FeedSpec, Store
from bot.core.incidents import Source
from bot.core.triage import Plan
from tests.adapters.test_store import NOW, incident


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    s = await Store.open(database_url)
    await s.sync_feeds([FeedSpec("wire", "https://wire.example/rss", "Levant Wire", 300)])
    rows = (
        incident("a"),
        replace(incident("b"), first_seen=NOW - timedelta(days=3), title="Second strike"),
        replace(incident("c"), first_seen=NOW - timedelta(days=40)),  # before the window
        replace(incident("d"), alerted=False),  # held back by a threshold: not an alert
        replace(incident("e"), watchlist="gaza"),
        replace(incident("f"), sources=(Source("wire", "guid-9", "Levant Wire", None, NOW),)),
    )
    await s.record_poll("wire", now=NOW, plan=Plan(incidents=rows))
    yield s
    await s.close()


async def test_a_mark_counts_once_per_person(store: Store) -> None:
    first = await store.feedback.mark("a", user_id="U1", channel="C1", now=NOW)
    assert first is not None and (first.marked, first.changed, first.marks) == (True, True, 1)
    assert (first.watchlist, first.title) == ("idlib", "Strike")
    again = await store.feedback.mark("a", user_id="U1", channel="C1", now=NOW)
    assert again is not None and (again.marked, again.changed, again.marks) == (True, False, 1)
    other = await store.feedback.mark("a", user_id="U2", channel="C2", now=NOW)
    assert other is not None and other.marks == 2


async def test_a_double_click_records_one_mark(store: Store) -> None:
    results = await asyncio.gather(
        *(store.feedback.mark("a", user_id="U1", channel="C1", now=NOW) for _ in range(5))
    )
    assert all(r is not None and r.marked and r.marks == 1 for r in results)
    assert sum(1 for r in results if r is not None and r.changed) == 1


async def test_withdrawing_a_mark(store: Store) -> None:
    await store.feedback.mark("a", user_id="U1", channel="C1", now=NOW)
    await store.feedback.mark("a", user_id="U2", channel="C1", now=NOW)
    gone = await store.feedback.unmark("a", user_id="U1")
    assert gone is not None and (gone.marked, gone.changed, gone.marks) == (False, True, 1)
    nothing = await store.feedback.unmark("a", user_id="U1")
    assert nothing is not None and (nothing.changed, nothing.marks) == (False, 1)


async def test_unknown_incident_is_none_not_an_error(store: Store) -> None:
    assert await store.feedback.mark("forged", user_id="U1", channel="C1", now=NOW) is None
    assert await store.feedback.unmark("forged", user_id="U1") is None


async def test_tally_counts_alerts_in_the_window(store: Store) -> None:
    for key, user in (("a", "U1"), ("a", "U2"), ("c", "U1"), ("d", "U1"), ("e", "U1")):
        await store.feedback.mark(key, user_id=user, channel="C1", now=NOW)
    # a, b and f are idlib alerts in the window; c is older, d was never posted, e is gaza's.
    assert await store.feedback.tallies(since=NOW - timedelta(days=30)) == {
        "idlib": Tally(alerts=3, marked=1),
        "gaza": Tally(alerts=1, marked=1),
    }


async def test_marked_incidents_as_labels(store: Store) -> None:
    await store.feedback.mark("b", user_id="U1", channel="C1", now=NOW - timedelta(hours=2))
    await store.feedback.mark("a", user_id="U2", channel="C2", now=NOW - timedelta(hours=1))
    await store.feedback.mark("b", user_id="U3", channel="C2", now=NOW)
    await store.feedback.mark("e", user_id="U1", channel="C9", now=NOW)
    marked = await store.feedback.marked(watchlist="idlib")
    assert [(m.incident_key, m.users, m.channels) for m in marked] == [
        ("b", ("U1", "U3"), ("C1", "C2")),
        ("a", ("U2",), ("C2",)),
    ]
    assert marked[0].link == "https://x.example/1" and marked[0].title == "Second strike"
    assert marked[0].first_marked == NOW - timedelta(hours=2)
    recent = await store.feedback.marked(since=NOW - timedelta(minutes=90))
    assert [m.incident_key for m in recent] == ["a", "e"]  # b's first mark is older


async def test_schema_and_migrations_agree(database_url: str) -> None:
    """The tables the code queries are the tables the migrations build, on either backend."""
    await (await Store.open(database_url)).close()
    engine = create_async_engine(database_url)

    def diff(conn: Connection) -> list[object]:
        def include(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
            elsewhere = conn.dialect.name != "postgresql"
            return not (type_ == "index" and elsewhere and name in schema.POSTGRES_ONLY_INDEXES)

        context = MigrationContext.configure(conn, opts={"include_object": include})
        return list(compare_metadata(context, schema.metadata))

    try:
        async with engine.connect() as conn:
            changes = await conn.run_sync(diff)
    finally:
        await engine.dispose()
    assert [c for c in changes if "alembic_version" not in repr(c)] == []
