"""Items recorded for many feeds in one transaction: a group commit.

A cold poll round surveys 1,000 feeds one after another and records each feed's quiet items (those
that name no watched region) as soon as it is surveyed (``bot.engine``). One transaction per feed
cost 1,000 commits a round, seconds on SQLite, where each commit syncs the write-ahead log. Here
feeds that arrive while a transaction commits wait and go together in the next one, so a round
takes as many transactions as the store needs turns, and a lone feed is recorded at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.adapters.store import Store
from bot.core.items import FeedItem

Keyed = tuple[FeedItem, str]
"""An item and its story key."""


@dataclass(frozen=True, slots=True, eq=False)  # each caller is itself, whatever its items
class _Waiting:
    items: Sequence[Keyed]
    now: datetime
    answer: asyncio.Future[set[tuple[str, str]]]


class GroupRecorder:
    """``Store.record_items`` for concurrent callers, in as few transactions as their timing allows."""

    def __init__(self, store: Store, *, max_rows: int = 10_000) -> None:
        """``max_rows``: at most this many items in one transaction (one feed's items are never split)."""
        self._store = store
        self._max_rows = max_rows
        self._waiting: list[_Waiting] = []
        self._turn = asyncio.Lock()

    async def record(self, items: Sequence[Keyed], *, now: datetime) -> set[tuple[str, str]]:
        """Record ``items`` as seen at ``now``; the keys of those not seen before. Raises what
        ``Store.record_items`` raises (``StoreError``) for every caller of the failed transaction."""
        mine = _Waiting(items, now, asyncio.get_running_loop().create_future())
        self._waiting.append(mine)
        try:
            while not mine.answer.done():
                async with self._turn:
                    if not mine.answer.done():
                        await self._record_next()
            return mine.answer.result()
        finally:
            if mine in self._waiting:  # cancelled before its turn came: nobody wants its answer
                self._waiting.remove(mine)

    async def _record_next(self) -> None:
        """Record the callers waiting longest: those of the first one's ``now``, up to ``max_rows``."""
        first = self._waiting[0]
        batch: list[_Waiting] = []
        rows = 0
        for w in self._waiting:
            if w.now == first.now and (not batch or rows + len(w.items) <= self._max_rows):
                batch.append(w)
                rows += len(w.items)
        self._waiting = [w for w in self._waiting if w not in batch]
        try:
            new = await self._store.record_items([i for w in batch for i in w.items], now=first.now)
        except asyncio.CancelledError:
            # The caller whose turn this was is cancelled; the others are not: back in the queue.
            self._waiting[:0] = [w for w in batch if not w.answer.done()]
            raise
        except Exception as e:
            for w in batch:
                if not w.answer.done():
                    w.answer.set_exception(e)
            return
        for w in batch:
            if not w.answer.done():
                w.answer.set_result({i.key for i, _ in w.items if i.key in new})
