"""Scheduling adapter: APScheduler 3 (AsyncIOScheduler) runs one job per feed and the outbox drain.

Each feed polls at its own interval (first poll right away, a little jitter so feeds on one host
don't fire together); a feed job never overlaps itself and missed runs coalesce into one. After
every poll that queued Slack messages the drain runs at once instead of waiting for its tick.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.adapters.store import FeedState, Store
from bot.engine import Engine, PollResult

log = logging.getLogger(__name__)


class Poller:
    def __init__(self, engine: Engine, store: Store, *, drain_every: float = 5.0) -> None:
        self._engine = engine
        self._store = store
        self._drain_every = drain_every
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._drain_lock = asyncio.Lock()

    async def start(self) -> None:
        for feed in await self._store.feeds():
            self.schedule(feed)
        self._scheduler.add_job(
            self.drain,
            IntervalTrigger(seconds=self._drain_every),
            id="outbox-drain",
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now(UTC),
        )
        self._scheduler.start()

    def schedule(self, feed: FeedState) -> None:
        self._scheduler.add_job(
            self.poll_one,
            IntervalTrigger(seconds=feed.spec.interval, jitter=min(30, max(1, feed.spec.interval // 10))),
            args=[feed.spec.id],
            id=f"feed:{feed.spec.id}",
            replace_existing=True,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=feed.spec.interval,
            next_run_time=datetime.now(UTC),
        )

    async def poll_one(self, feed_id: str) -> PollResult | None:
        feed = await self._store.feed(feed_id)
        if feed is None:
            return None
        try:
            result = await self._engine.poll(feed)
        except Exception:  # a bug in one feed's processing must not stop the scheduler
            log.exception("feed %s: unexpected error while polling", feed_id)
            return None
        log.info("%s", result.describe())
        if result.alerts:
            await self.drain()
        return result

    async def poll_all(self, feeds: Sequence[FeedState] | None = None) -> list[PollResult]:
        """One round over every feed: fetched concurrently (per-host caps live in the fetcher),
        triaged together in publication order."""
        feeds = feeds if feeds is not None else await self._store.feeds()
        try:
            results = await self._engine.poll_round(feeds)
        except Exception:  # a bug in one round must not stop the process
            log.exception("unexpected error while polling %d feeds", len(feeds))
            return []
        for r in results:
            log.info("%s", r.describe())
        if any(r.alerts for r in results):
            await self.drain()
        return results

    async def drain(self) -> None:
        async with self._drain_lock:
            try:
                while True:
                    result = await self._engine.drain()
                    if result.sent == 0:
                        break
            except Exception:
                log.exception("outbox drain failed; will retry on the next tick")

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
