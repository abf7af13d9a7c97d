"""Group commits of quiet items: callers that arrive together share a transaction, and each gets
its own answer, or the failure, back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, text

from bot.adapters.group_record import GroupRecorder
from bot.adapters.store import Store
from bot.core.items import FeedItem
from bot.errors import StoreError

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def items(feed: str, *numbers: int) -> list[tuple[FeedItem, str]]:
    return [
        (FeedItem(feed, f"g{n}", f"Title {n}", "Body", f"https://x.example/{feed}/{n}", NOW), f"s-{feed}-{n}")
        for n in numbers
    ]


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    s = await Store.open(database_url)
    yield s
    await s.close()


def count_transactions(store: Store) -> list[int]:
    """One entry per transaction the store commits from now on."""
    commits: list[int] = []
    event.listen(store._engine.sync_engine, "commit", lambda _conn: commits.append(1))
    return commits


async def test_callers_arriving_together_share_one_transaction(store: Store) -> None:
    recorder = GroupRecorder(store)
    commits = count_transactions(store)
    answers = await asyncio.gather(*(recorder.record(items(f"f{k}", 1, 2), now=NOW) for k in range(20)))
    assert answers == [{(f"f{k}", "g1"), (f"f{k}", "g2")} for k in range(20)]
    # The first caller's turn takes what is queued by then: everyone else, in this case.
    assert len(commits) <= 2
    assert await recorder.record(items("f0", 1, 3), now=NOW) == {("f0", "g3")}


async def test_a_group_never_exceeds_max_rows_nor_mixes_moments(store: Store) -> None:
    recorder = GroupRecorder(store, max_rows=3)
    commits = count_transactions(store)
    later = NOW + timedelta(minutes=1)
    calls: list[Sequence[tuple[FeedItem, str]]] = [items("a", 1, 2), items("b", 1, 2), items("c", 1)]
    answers = await asyncio.gather(
        *(recorder.record(c, now=NOW) for c in calls), recorder.record(items("d", 1), now=later)
    )
    assert [len(a) for a in answers] == [2, 2, 1, 1]
    assert len(commits) == 3  # a+ (b would pass 3 rows) | b, c | d at its own moment


async def test_a_failed_transaction_fails_every_caller_in_it(store: Store) -> None:
    recorder = GroupRecorder(store)
    async with store._engine.begin() as conn:  # break the table the store writes to
        await conn.execute(text("ALTER TABLE items RENAME TO items_gone"))
    results = await asyncio.gather(
        recorder.record(items("a", 1), now=NOW),
        recorder.record(items("b", 1), now=NOW),
        return_exceptions=True,
    )
    # Every caller hears of it (the engine then keeps those items for the round), none waits forever.
    assert [type(r) for r in results] == [StoreError, StoreError]


async def test_a_cancelled_caller_leaves_the_others_their_answers(store: Store) -> None:
    recorder = GroupRecorder(store)
    first = asyncio.create_task(recorder.record(items("a", 1), now=NOW))
    second = asyncio.create_task(recorder.record(items("b", 1), now=NOW))
    await asyncio.sleep(0)  # both queued; the first holds the turn
    first.cancel()
    assert await second == {("b", "g1")}
    assert first.cancelled() or first.result() == {("a", "g1")}
