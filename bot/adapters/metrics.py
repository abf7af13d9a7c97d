"""Prometheus metrics: what the engine's results say, counted, and served as ``GET /metrics``.

The core and the engine count nothing themselves. The scheduler hands every round's
``PollResult`` list and every ``DrainResult`` to an observer (``bot.scheduler.PollObserver``);
``Metrics`` is that observer. It owns one ``CollectorRegistry`` per process (never
prometheus_client's global default registry), so two runtimes in one test process never share
counts. The outbox depth is read from the store when Prometheus scrapes, so it is never stale.

Every metric name and label is listed in docs/OPERATIONS.md, *Metrics*; keep the two in step.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import choose_encoder

from bot.engine import DrainResult, PollResult
from bot.errors import StoreError

log = logging.getLogger(__name__)

OutboxCounts = Callable[[], Awaitable[Mapping[str, int]]]

# Rounds poll every due feed at once: a local feed answers in milliseconds, a slow one is cut off by
# the fetcher's timeout (30 s), and a round stuck behind the database shows up in the top buckets.
ROUND_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0)
# Statuses an outbox row can have; each is shown (0 when empty) so a dashboard never loses a series.
OUTBOX_STATUSES = ("pending", "sending", "sent", "failed", "parked")


def _outcome(status: str) -> str:
    """A PollResult status as a label value: "nothing new" → "nothing_new"."""
    return status.replace(" ", "_")


class Metrics:
    """Sitrep's metrics in a registry of their own; an observer of poll rounds and drains."""

    def __init__(
        self, *, outbox_counts: OutboxCounts | None = None, leading: Callable[[], bool] | None = None
    ) -> None:
        """``outbox_counts`` reads the outbox's rows per status (``Store.outbox_counts``) at scrape
        time; ``leading`` says whether this process holds the polling lease (default: always)."""
        self.registry = CollectorRegistry(auto_describe=True)
        self._outbox_counts = outbox_counts
        r = self.registry
        self.polls = Counter(
            "sitrep_polls", "Feed polls, by feed and outcome", ["feed", "outcome"], registry=r
        )
        self.fetch_errors = Counter(
            "sitrep_fetch_errors", "Polls that could not fetch or parse the feed", ["feed"], registry=r
        )
        self.items = Counter(
            "sitrep_items", "New items seen (not seen before), by feed", ["feed"], registry=r
        )
        self.matches = Counter(
            "sitrep_matches", "New items that matched a watchlist (one per item and watchlist)", ["feed"],
            registry=r,
        )  # fmt: skip
        self.tiers = Counter(
            "sitrep_tiers",
            "Triage decisions on matched items, by watchlist and tier (push, digest, drop)",
            ["watchlist", "tier"],
            registry=r,
        )
        self.withheld = Counter(
            "sitrep_reader_withheld", "Matches the reader answered NOT RELEVANT", ["feed"], registry=r
        )
        self.alerts_queued = Counter(
            "sitrep_alerts_queued", "Slack messages queued in the outbox by poll rounds", ["feed"], registry=r
        )
        self.alerts = Counter(
            "sitrep_alerts",
            "Outbox delivery attempts by outcome: posted, parked (refused for good, kept for"
            " /sitrep retry), failed, retry, waiting",
            ["outcome"],
            registry=r,
        )
        self.outbox = Gauge(
            "sitrep_outbox_messages", "Outbox rows by status, read at scrape time", ["status"], registry=r
        )
        self.round_seconds = Histogram(
            "sitrep_poll_round_duration_seconds",
            "Wall time of one poll round (fetch, parse, triage and record of every due feed)",
            buckets=ROUND_BUCKETS,
            registry=r,
        )
        self.leader = Gauge(
            "sitrep_leader", "1 while this process polls and triages (holds the lead), else 0", registry=r
        )
        self.leader.set_function(lambda: 1.0 if leading is None or leading() else 0.0)
        for outcome in ("posted", "parked", "failed", "retry", "waiting"):
            self.alerts.labels(outcome)
        for status in OUTBOX_STATUSES:
            self.outbox.labels(status)

    # -- observer (bot.scheduler.PollObserver) -------------------------------------------------

    def round_done(self, results: Sequence[PollResult], seconds: float) -> None:
        self.round_seconds.observe(seconds)
        for r in results:
            self.polls.labels(r.feed_id, _outcome(r.status)).inc()
            if r.status == "error":
                self.fetch_errors.labels(r.feed_id).inc()
            if r.new_items:
                self.items.labels(r.feed_id).inc(r.new_items)
            if r.tiers:
                self.matches.labels(r.feed_id).inc(len(r.tiers))
            for watchlist, tier in r.tiers:
                self.tiers.labels(watchlist, tier).inc()
            if r.withheld:
                self.withheld.labels(r.feed_id).inc(r.withheld)
            if r.alerts:
                self.alerts_queued.labels(r.feed_id).inc(r.alerts)

    def drain_done(self, result: DrainResult) -> None:
        for outcome, n in (
            ("posted", result.sent),
            ("parked", result.parked),
            ("failed", result.failed),
            ("retry", result.retrying),
            ("waiting", result.waiting),
        ):
            if n:
                self.alerts.labels(outcome).inc(n)

    # -- exposition ------------------------------------------------------------------------------

    async def refresh(self) -> None:
        """Read what is counted in the database rather than in this process (the outbox depth)."""
        if self._outbox_counts is None:
            return
        try:
            counts = await self._outbox_counts()
        except StoreError as e:  # a scrape must still answer; /healthz says the database is down
            log.warning("metrics: could not read the outbox: %s", e)
            return
        for status in {*OUTBOX_STATUSES, *counts}:
            self.outbox.labels(status).set(counts.get(status, 0))

    async def exposition(self, accept: str = "") -> tuple[bytes, str]:
        """The registry in the format the scraper's ``Accept`` asks for (Prometheus text or
        OpenMetrics), and its content type."""
        await self.refresh()
        encode, content_type = choose_encoder(accept)
        return encode(self.registry), content_type

    async def handle(self, request: web.Request) -> web.Response:
        """``GET /metrics`` for an aiohttp application."""
        body, content_type = await self.exposition(request.headers.get("Accept", ""))
        return web.Response(body=body, headers={"Content-Type": content_type})


HealthCheck = Callable[[], Awaitable[dict[str, Any]]]


def ops_application(metrics: Metrics, health: HealthCheck) -> web.Application:
    """``GET /metrics`` and ``GET /healthz`` alone: the listener for modes without a Slack web server
    (Socket Mode, demo), or beside it on a private port (``METRICS_PORT``)."""

    async def healthz(_: web.Request) -> web.Response:
        body = await health()
        return web.json_response(body, status=200 if body.get("ok") else 503)

    app = web.Application()
    app.router.add_get("/metrics", metrics.handle)
    app.router.add_get("/healthz", healthz)
    return app
