"""The engine: one poll of one feed, and one drain of the outbox. Adapters in, results out.

This is where the pure core (parsing, matching, figures, triage) meets the adapters (fetcher,
store, alert sink). It never raises for one bad feed or one failed Slack call: each outcome is a
return value with a human-readable reason, logged here and kept on the feed's status row.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.adapters.fetch import Fetcher, NotModified
from bot.adapters.sink import AlertSink
from bot.adapters.store import FeedState, OutboxRow, Store
from bot.core.casualties import extract_casualties
from bot.core.clustering import DEFAULT_POLICY, ClusterPolicy
from bot.core.feed_parsing import parse_feed
from bot.core.triage import TextMatcher, triage
from bot.core.watchlists import Watchlist
from bot.errors import DeliveryError, FeedError, StoreError

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class PollResult:
    feed_id: str
    status: str  # "new", "nothing new", "not modified", "unchanged", "error"
    items: int = 0
    new_items: int = 0
    alerts: int = 0
    error: str | None = None

    def describe(self) -> str:
        if self.error:
            return f"{self.feed_id}: error: {self.error}"
        if self.status == "new":
            return (
                f"{self.feed_id}: {self.new_items} new of {self.items} items, "
                f"{self.alerts} Slack message(s) queued"
            )
        return f"{self.feed_id}: {self.status}"


@dataclass(frozen=True, slots=True)
class DrainResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    waiting: int = 0


@dataclass(frozen=True, slots=True)
class EngineRules:
    """Watchlists and the matcher built for them; swapped as a whole when watchlists change."""

    watchlists: tuple[Watchlist, ...]
    matcher: TextMatcher


class Engine:
    def __init__(
        self,
        *,
        store: Store,
        fetcher: Fetcher,
        sink: AlertSink,
        rules: EngineRules,
        clock: Clock,
        cluster_policy: ClusterPolicy = DEFAULT_POLICY,
        retry_backoff: Sequence[int] = (5, 15, 60, 300, 900),
        max_attempts: int = 50,
    ) -> None:
        self._store = store
        self._fetcher = fetcher
        self._sink = sink
        self.rules = rules
        self._clock = clock
        self._policy = cluster_policy
        self._backoff = tuple(retry_backoff)
        self._max_attempts = max_attempts
        self._triage_lock = asyncio.Lock()

    async def poll(self, feed: FeedState) -> PollResult:
        """Fetch, parse, triage and record one feed. Never raises for feed or network trouble."""
        fid = feed.spec.id
        now = self._clock()
        try:
            fetched = await self._fetcher.fetch(fid, feed.spec.url, feed.validators)
            if isinstance(fetched, NotModified):
                await self._store.record_poll(fid, now=now, validators=fetched.validators)
                return PollResult(fid, "not modified")
            validators = fetched.validators
            if fetched.unchanged:
                await self._store.record_poll(fid, now=now, validators=validators)
                return PollResult(fid, "unchanged")
            parsed = parse_feed(
                fid, fetched.body, base_url=fetched.url, content_type=fetched.content_type, now=now
            )
            for reason in parsed.skipped:
                log.warning("feed %s: skipped an entry: %s", fid, reason)
            # Feeds are fetched concurrently, but triage reads the open incidents and writes new
            # ones: run it one feed at a time, or two outlets' reports of one strike polled at
            # the same moment would each start an incident.
            async with self._triage_lock:
                fresh_ids = await self._store.unseen(fid, [i.id for i in parsed.items])
                fresh = [i for i in parsed.items if i.id in fresh_ids]
                if not fresh:
                    await self._store.record_poll(fid, now=now, validators=validators)
                    return PollResult(fid, "nothing new", items=len(parsed.items))
                names = {f.spec.id: f.spec.name for f in await self._store.feeds()}
                plan = triage(
                    fresh,
                    watchlists=self.rules.watchlists,
                    matcher=self.rules.matcher,
                    extract=extract_casualties,
                    open_incidents=await self._store.open_incidents(
                        min(i.published for i in fresh) - self._policy.window
                    ),
                    source_names=names,
                    now=now,
                    policy=self._policy,
                )
                await self._store.record_poll(fid, now=now, validators=validators, plan=plan)
            return PollResult(fid, "new", len(parsed.items), len(fresh), len(plan.outbox))
        except FeedError as e:
            log.warning("feed %s: %s", fid, e.reason)
            await self._record_error(fid, now, e.reason)
            return PollResult(fid, "error", error=e.reason)

    async def _record_error(self, fid: str, now: datetime, reason: str) -> None:
        try:
            await self._store.record_poll(fid, now=now, error=reason)
        except StoreError as e:
            log.error("feed %s: could not record its error in the database: %s", fid, e)

    async def drain(self, limit: int = 50) -> DrainResult:
        """Send due outbox entries to Slack in order. Failures stay queued with a backoff."""
        now = self._clock()
        sent = retrying = failed = waiting = 0
        for row in await self._store.due_outbox(now, limit):
            outcome = await self._deliver(row, now)
            if outcome == "sent":
                sent += 1
            elif outcome == "retry":
                retrying += 1
            elif outcome == "failed":
                failed += 1
            else:
                waiting += 1
        return DrainResult(sent, retrying, failed, waiting)

    async def _deliver(self, row: OutboxRow, now: datetime) -> str:
        thread_ts: str | None = None
        if row.kind != "post":
            status, thread_ts = await self._store.posted_ts(row.incident_key, row.channel)
            if status in ("failed", "missing"):
                await self._store.mark_failed(row.id, error=f"the first alert was never posted ({status})")
                return "failed"
            if thread_ts is None:
                return "waiting"  # the post is still queued; keep order
        try:
            if row.kind == "edit":
                assert thread_ts is not None
                await self._sink.update(row.channel, thread_ts, row.message)
                ts: str | None = thread_ts
            else:
                ts = await self._sink.post(row.channel, row.message, thread_ts=thread_ts)
        except DeliveryError as e:
            if not e.retryable or row.attempts + 1 >= self._max_attempts:
                log.error("alert %s to %s failed for good: %s", row.id, row.channel, e.reason)
                await self._store.mark_failed(row.id, error=e.reason)
                return "failed"
            delay = self._backoff[min(row.attempts, len(self._backoff) - 1)]
            log.warning("alert %s to %s: %s; retrying in %d s", row.id, row.channel, e.reason, delay)
            await self._store.mark_retry(
                row.id, error=e.reason, next_attempt_at=now + timedelta(seconds=delay)
            )
            return "retry"
        await self._store.mark_sent(row.id, ts=ts, now=self._clock())
        return "sent"
