"""Tiers and digests end to end: local feed server, real store (SQLite, and PostgreSQL when set),
the engine, and the fake Slack Web API driven by the real slack_sdk. Time is injected."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from bot.adapters.feed_server import RssItem
from bot.adapters.fetch import Fetcher
from bot.adapters.slack_sink import SlackSink, make_web_client
from bot.adapters.store import FeedSpec, Store
from bot.core.gazetteer import Gazetteer
from bot.core.incidents.places import PlaceHints
from bot.core.matching import Matcher
from bot.core.watchlists import Region, Watchlist
from bot.engine import Engine, EngineRules
from tests.e2e.feeds import rss
from tests.fakes.feed_server import FakeFeedServer
from tests.fakes.slack_api import DEFAULT_TOKEN, FakeSlackApi

DAY = datetime(2026, 3, 4, tzinfo=UTC)
CHANNEL = "C0IDLIB0001"
IDLIB = Watchlist(
    "idlib",
    (CHANNEL,),
    (Region("Idlib"),),
    ("strike", "killed", "truce", "aid", "shelling"),
    digest=("07:00", "19:00"),
    timezone="UTC",
)


def news(n: int, title: str, description: str, hour: float) -> RssItem:
    return RssItem(
        guid=f"n{n}",
        title=title,
        description=description,
        link=f"https://levantwire.example/{n}",
        published=DAY + timedelta(hours=hour),
    )


STRIKE = news(1, "Air strikes on Idlib market kill 9 civilians", "Jets hit a market in Idlib city.", 5.0)
STATEMENT = news(2, "Foreign minister urges all sides to respect the Idlib truce", "Speaking in Vienna.", 5.2)
FEATURE = news(3, "Why the truce in Idlib keeps failing", "An explainer on the aid routes.", 5.4)
LATER = news(4, "UN envoy calls for aid access to Idlib", "The envoy spoke in Geneva.", 6.5)


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Desk:
    engine: Engine
    store: Store
    clock: Clock
    slack: FakeSlackApi

    async def poll(self) -> None:
        await self.engine.poll_round(await self.store.feeds())

    async def deliver(self) -> None:
        while (await self.engine.drain()).sent:
            pass


@contextlib.asynccontextmanager
async def desk(
    database_url: str,
    feed_server: FakeFeedServer,
    slack_api: FakeSlackApi,
    gazetteer: Gazetteer,
    watchlist: Watchlist = IDLIB,
    *,
    at: datetime,
) -> AsyncIterator[Desk]:
    store = await Store.open(database_url)
    await store.sync_feeds([FeedSpec("wire", feed_server.url("wire.xml"), "Levant Wire", 300)])
    client = make_web_client(DEFAULT_TOKEN, slack_api.url, backoff=FixedValueRetryIntervalCalculator(0.01))
    rules = EngineRules(
        (watchlist,),
        Matcher((watchlist,), gazetteer),
        gazetteer,
        PlaceHints.from_gazetteer(gazetteer, (watchlist,)),
    )
    clock = Clock(at)
    try:
        async with Fetcher() as fetcher:
            engine = Engine(store=store, fetcher=fetcher, sink=SlackSink(client), rules=rules, clock=clock)
            yield Desk(engine, store, clock, slack_api)
    finally:
        await store.close()


def digests(slack: FakeSlackApi) -> list[dict]:  # type: ignore[type-arg]
    return [m for m in slack.messages_in(CHANNEL) if "digest" in m["text"]]


async def test_digest_items_wait_in_the_store_and_go_out_at_the_scheduled_time(
    database_url: str, feed_server: FakeFeedServer, slack_api: FakeSlackApi, gazetteer: Gazetteer
) -> None:
    async with desk(
        database_url, feed_server, slack_api, gazetteer, at=DAY + timedelta(hours=5, minutes=30)
    ) as d:
        assert await d.engine.run_digests() == 0  # the first run marks where the first period starts
        feed_server.set_feed("wire.xml", rss(STRIKE, STATEMENT, FEATURE))
        await d.poll()
        await d.deliver()
        (alert,) = slack_api.messages_in(CHANNEL)  # only the strike pings
        assert "9 civilians killed" in alert["text"]
        assert "Why it pinged: new event" in str(alert["blocks"])
        counts = await d.store.tier_counts(DAY)
        assert counts["idlib"] == {"push": 1, "digest": 2}
        d.clock.now = DAY + timedelta(hours=7, minutes=1)
        assert await d.engine.run_digests() == 1
        await d.deliver()
        (digest,) = digests(slack_api)
        shown = str(digest["blocks"])
        assert "Air strikes on Idlib market kill 9 civilians" in shown  # the period's incident, by place
        assert "Foreign minister urges" in shown and "Why the truce in Idlib keeps failing" in shown
        assert "levantwire.example/2" in shown and "levantwire.example/3" in shown
        d.clock.now += timedelta(minutes=5)
        assert await d.engine.run_digests() == 0  # not twice
        assert await d.store.digests.pending("idlib", until=d.clock.now) == []


async def test_a_restart_mid_period_loses_and_repeats_no_digest_item(
    database_url: str, feed_server: FakeFeedServer, slack_api: FakeSlackApi, gazetteer: Gazetteer
) -> None:
    async with desk(
        database_url, feed_server, slack_api, gazetteer, at=DAY + timedelta(hours=5, minutes=30)
    ) as d:
        await d.engine.run_digests()
        feed_server.set_feed("wire.xml", rss(STRIKE, STATEMENT, FEATURE))
        await d.poll()
        await d.deliver()
    # The process stops and starts again on the same database before the digest is due.
    feed_server.set_feed("wire.xml", rss(STRIKE, STATEMENT, FEATURE, LATER))
    async with desk(
        database_url, feed_server, slack_api, gazetteer, at=DAY + timedelta(hours=6, minutes=45)
    ) as d:
        await d.poll()
        d.clock.now = DAY + timedelta(hours=7, minutes=1)
        await d.engine.run_digests()
        await d.deliver()
        (digest,) = digests(slack_api)
        shown = str(digest["blocks"])
        for n in (2, 3, 4):
            assert shown.count(f"levantwire.example/{n}|") == 1
        d.clock.now = DAY + timedelta(hours=19, minutes=1)
        assert await d.engine.run_digests() == 0  # nothing new since: a quiet period posts nothing
        await d.deliver()
        assert len(digests(slack_api)) == 1


async def test_quiet_hours_hold_all_but_severe_events_for_the_digest(
    database_url: str, feed_server: FakeFeedServer, slack_api: FakeSlackApi, gazetteer: Gazetteer
) -> None:
    quiet = replace(IDLIB, quiet_hours="22:00-07:00")
    minor = news(
        5, "Shelling hits farmland near Idlib, wounding two", "Two farmers were wounded in Idlib.", 1.0
    )
    severe = news(
        6, "Air strike on Idlib hospital kills 40", "At least 40 people were killed in Idlib city.", 1.5
    )
    async with desk(database_url, feed_server, slack_api, gazetteer, quiet, at=DAY + timedelta(hours=2)) as d:
        await d.engine.run_digests()
        feed_server.set_feed("wire.xml", rss(minor, severe))
        await d.poll()
        await d.deliver()
        (alert,) = slack_api.messages_in(CHANNEL)
        assert "40" in alert["text"] and "toll of 10 or more" in str(alert["blocks"])
        d.clock.now = DAY + timedelta(hours=7, minutes=1)
        await d.engine.run_digests()
        await d.deliver()
        (digest,) = digests(slack_api)
        assert "Shelling hits farmland" in str(digest["blocks"]) and "not pinged: quiet hours" in str(
            digest["blocks"]
        )


async def test_the_hourly_limit_sends_the_overflow_to_the_digest(
    database_url: str, feed_server: FakeFeedServer, slack_api: FakeSlackApi, gazetteer: Gazetteer
) -> None:
    capped = replace(IDLIB, max_posts_per_hour=1)
    first = news(7, "Air strike kills 3 in Saraqib, Idlib", "Three people were killed in Saraqib.", 5.0)
    second = news(8, "Shelling kills 2 in Ariha, Idlib", "Two people were killed in Ariha.", 5.1)
    async with desk(
        database_url, feed_server, slack_api, gazetteer, capped, at=DAY + timedelta(hours=5, minutes=20)
    ) as d:
        await d.engine.run_digests()
        feed_server.set_feed("wire.xml", rss(first, second))
        await d.poll()
        await d.deliver()
        assert len(slack_api.messages_in(CHANNEL)) == 1
        d.clock.now = DAY + timedelta(hours=7, minutes=1)
        await d.engine.run_digests()
        await d.deliver()
        (digest,) = digests(slack_api)
        assert "Ariha" in str(digest["blocks"]) and "limit of 1 alerts an hour" in str(digest["blocks"])


async def test_a_long_digest_continues_in_its_thread(
    database_url: str, feed_server: FakeFeedServer, slack_api: FakeSlackApi, gazetteer: Gazetteer
) -> None:
    statements = [
        news(
            100 + n,
            f"Minister {n} urges calm over the Idlib truce",
            f"Statement number {n} on aid.",
            5 + n / 1000,
        )
        for n in range(300)
    ]
    async with desk(database_url, feed_server, slack_api, gazetteer, at=DAY + timedelta(hours=4)) as d:
        await d.engine.run_digests()
        feed_server.set_feed("wire.xml", rss(*statements))
        d.clock.now = DAY + timedelta(hours=6, minutes=30)
        await d.poll()
        d.clock.now = DAY + timedelta(hours=7, minutes=1)
        await d.engine.run_digests()
        await d.deliver()
        first, *rest = digests(slack_api)
        assert first["thread_ts"] is None and rest
        assert all(m["thread_ts"] == first["ts"] for m in rest)
        listed = "".join(str(m["blocks"]) for m in (first, *rest))
        assert all(f"levantwire.example/{100 + n}|" in listed for n in range(300))
