"""Scheduling adapter: APScheduler 3 (AsyncIOScheduler) runs poll rounds, digests and the outbox drain.

A poll round is one job for all feeds: every ``round_every`` seconds it reads the feeds' state once,
picks the feeds whose interval has passed since their last poll, and polls them together
(``Engine.poll_round``): their new items are triaged as one batch, so the earliest report of an
event leads it in live mode as in the replay, whichever feed answered first. A round never overlaps
the previous one; missed rounds coalesce. The digest job asks the engine every minute whether a
watchlist's digest time has come. After any round or digest that queued Slack messages a drain
starts at once in the background instead of waiting for its tick: delivery never holds up polling,
so a Slack rate limit (the SDK waits out Retry-After inside the request) or an outage only delays
the alerts, never the next round.

With replicas on one PostgreSQL database only the process holding the lease
(``bot.adapters.leadership``) runs poll rounds and digests; every ``lease_every`` seconds each
process renews the lease or tries to take it, and one that has just taken it polls at once, so
polling resumes within seconds of the leader's death. Every process drains the outbox.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.adapters.leadership import Lease, SoleLease
from bot.adapters.store import FeedState, Store
from bot.core.feed_health import next_poll
from bot.engine import DrainResult, Engine, PollResult

log = logging.getLogger(__name__)


def due_feeds(feeds: Sequence[FeedState], now: datetime) -> list[FeedState]:
    """The feeds whose interval has passed since their last poll (never polled: due); a failing
    feed waits longer after each failure, none is polled before the time its server asked for, and
    a paused feed not at all (``bot.core.feed_health``)."""
    return [
        f
        for f in feeds
        if f.paused_at is None
        and (
            (due := next_poll(f.last_polled, f.spec.interval, f.consecutive_failures, f.not_before)) is None
            or due <= now
        )
    ]


class PollObserver(Protocol):
    """Hears every round's results and every drain's (``bot.adapters.metrics.Metrics``)."""

    def round_done(self, results: Sequence[PollResult], seconds: float) -> None: ...

    def drain_done(self, result: DrainResult) -> None: ...


class Poller:
    def __init__(
        self,
        engine: Engine,
        store: Store,
        *,
        drain_every: float = 5.0,
        round_every: float = 15.0,
        digests_every: float = 60.0,
        lease: Lease | None = None,
        lease_every: float = 5.0,
        observer: PollObserver | None = None,
    ) -> None:
        self._engine = engine
        self._observer = observer
        self._store = store
        self._lease: Lease = lease or SoleLease()
        self._lease_every = lease_every
        self._drain_every = drain_every
        self._round_every = round_every
        self._digests_every = digests_every
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._drain_lock = asyncio.Lock()
        self._round_lock = asyncio.Lock()
        self._background: asyncio.Task[None] | None = None
        self._again = False
        self._jobs: set[asyncio.Task[object]] = set()

    async def start(self) -> None:
        now = datetime.now(UTC)
        jobs = (
            (self.poll_due, self._round_every, "poll-round"),
            (self.run_digests, self._digests_every, "digests"),
            (self._drain_now, self._drain_every, "outbox-drain"),
            (self.renew_lease, self._lease_every, "leader-lease"),
        )
        for job, every, name in jobs:
            self._scheduler.add_job(
                self._tracked(job),
                IntervalTrigger(seconds=every),
                id=name,
                max_instances=1,
                coalesce=True,
                next_run_time=now,
            )
        self._scheduler.start()

    @property
    def leading(self) -> bool:
        """This process runs the poll rounds and digests of its database."""
        return self._lease.is_leader

    async def renew_lease(self) -> bool:
        """Confirm or take the lease; a process that has just taken it polls at once."""
        was = self._lease.is_leader
        try:
            now = await self._lease.renew()
        except Exception:  # never let the lease job die: a follower must keep trying
            log.exception("could not renew the polling lease")
            return False
        if now and not was and self._scheduler.running:
            self._scheduler.add_job(self._tracked(self.poll_due), id="lead-poll", replace_existing=True)
        elif was and not now:
            log.warning("this process no longer leads polling; another replica will")
        return now

    def schedule(self, feed: FeedState) -> None:
        """Poll a feed just added from Slack now, rather than at the next round (the leader only:
        the leader picks it up at its next round anyway, as a feed never polled is due)."""
        if not self._lease.is_leader:
            return
        self._scheduler.add_job(
            self._tracked(self.poll_all), args=[[feed]], id=f"new-feed:{feed.spec.id}", replace_existing=True
        )

    def _tracked(self, job: Callable[..., Awaitable[object]]) -> Callable[..., Awaitable[None]]:
        """``job`` as the scheduler runs it: known to ``stop`` while it runs."""

        async def run(*args: object) -> None:
            task = asyncio.current_task()
            assert task is not None
            self._jobs.add(task)
            try:
                await job(*args)
            except asyncio.CancelledError:
                pass  # cut off by stop(): what it did not record is redone after the next start
            finally:
                self._jobs.discard(task)

        run.__name__ = run.__qualname__ = getattr(job, "__qualname__", "job")  # the scheduler's logs
        return run

    async def poll_due(self) -> list[PollResult]:
        """One scheduled round: every feed whose interval has passed, triaged together. Only the
        leader polls; a follower's round does nothing."""
        if not self._lease.is_leader:
            return []
        try:
            feeds = await self._store.feeds()
        except Exception:  # a database hiccup must not stop the scheduler; the next round retries
            log.exception("could not read the feeds for a poll round")
            return []
        due = due_feeds(feeds, self._engine_clock())
        return await self.poll_all(due) if due else []

    def _engine_clock(self) -> datetime:
        return self._engine.now()

    async def poll_all(self, feeds: Sequence[FeedState] | None = None) -> list[PollResult]:
        """One round over ``feeds`` (default: every feed not paused): fetched concurrently (per-host
        caps live in the fetcher), triaged together in publication order."""
        async with self._round_lock:
            if feeds is None:
                feeds = [f for f in await self._store.feeds() if f.paused_at is None]
            started = time.monotonic()
            try:
                results = await self._engine.poll_round(feeds)
            except Exception:  # a bug in one round must not stop the process
                log.exception("unexpected error while polling %d feeds", len(feeds))
                return []
            if self._observer is not None:
                self._observer.round_done(results, time.monotonic() - started)
        for r in results:
            log.info("%s", r.describe())
        if any(r.alerts or r.paused for r in results):
            self._drain_in_background()
        return results

    async def run_digests(self) -> None:
        if not self._lease.is_leader:
            return
        try:
            queued = await self._engine.run_digests()
        except Exception:
            log.exception("digests failed; will retry on the next tick")
            return
        if queued:
            self._drain_in_background()

    def deliver_soon(self) -> None:
        """Messages were queued outside a round (``/sitrep retry``): send them now."""
        self._drain_in_background()

    def _drain_in_background(self) -> None:
        """Start a drain without waiting for it; with one already running, run once more after it
        (it may have read the outbox before these messages were queued)."""
        if self._background is not None and not self._background.done():
            self._again = True
            return
        self._background = asyncio.create_task(self._drain_until_quiet(), name="outbox-drain")

    async def _drain_until_quiet(self) -> None:
        while True:
            self._again = False
            await self._drain_now()
            if not self._again:
                return

    @property
    def running(self) -> bool:
        """The scheduler runs its jobs (polls, digests, drains)."""
        return bool(self._scheduler.running)

    @property
    def delivering(self) -> bool:
        """A background drain is running."""
        return self._background is not None and not self._background.done()

    async def settled(self) -> None:
        """Wait until the background drain (if any) has finished."""
        while self._background is not None and not self._background.done():
            await asyncio.shield(self._background)

    async def drain(self) -> None:
        """Send what is due now and wait for any background drain: for one-shot runs and tests."""
        await self._drain_now()
        await self.settled()

    async def _drain_now(self) -> None:
        async with self._drain_lock:
            try:
                while True:
                    result = await self._engine.drain()
                    if self._observer is not None:
                        self._observer.drain_done(result)
                    if result.sent == 0:
                        break
            except Exception:
                log.exception("outbox drain failed; will retry on the next tick")

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        if self._background is not None and not self._background.done():
            self._background.cancel()  # queued messages stay in the outbox for the next start

    async def stop(self, grace: float = 10.0) -> None:
        """Stop cleanly: start nothing new, give the round, digest or drain in progress ``grace``
        seconds to finish (a post in flight is then recorded, not left for a check at the next
        start), then ``shutdown``, which cancels the rest. A round or send cut off is redone after
        the next start: each is recorded in its own transaction, and the outbox asks Slack first."""
        if self._scheduler.running:
            self._scheduler.pause()  # shutdown() would cancel the running jobs at once
        if running := self._in_flight():
            await asyncio.wait(running, timeout=grace)
        self.shutdown()
        await asyncio.sleep(0)  # AsyncIOScheduler shuts down (cancelling its jobs) on the next loop turn
        if late := self._in_flight():
            await asyncio.wait(late)

    def _in_flight(self) -> set[asyncio.Task[object]]:
        tasks: set[asyncio.Task[object]] = {t for t in self._jobs if not t.done()}
        if self._background is not None and not self._background.done():
            tasks.add(self._background)
        return tasks
