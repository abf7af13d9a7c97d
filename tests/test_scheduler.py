"""Poll rounds: which feeds are due, and a round triages all due feeds together."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.adapters.feed_server import RssItem
from bot.adapters.fetch import Validators
from bot.adapters.store import FeedSpec, FeedState
from bot.core.gazetteer import Gazetteer
from bot.scheduler import Poller, due_feeds
from tests.e2e.feeds import rss
from tests.fakes.feed_server import FakeFeedServer
from tests.fakes.slack_api import FakeSlackApi
from tests.test_digests import CHANNEL, DAY, desk

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


def state(feed_id: str, interval: int, last: datetime | None) -> FeedState:
    return FeedState(
        FeedSpec(feed_id, f"https://{feed_id}.example/rss", feed_id, interval),
        Validators(),
        last,
        last,
        None,
        None,
        0,
        0,
    )


def test_a_failing_feed_waits_longer_after_each_failure() -> None:
    def failing(feed_id: str, failures: int) -> FeedState:
        last = NOW - timedelta(seconds=100)
        return FeedState(FeedSpec(feed_id, f"https://{feed_id}.example/rss", feed_id, 60), Validators(),
                         last, None, "HTTP 404", last, failures, 0)  # fmt: skip

    feeds = [failing("once", 1), failing("twice", 2), failing("often", 5)]
    assert [f.spec.id for f in due_feeds(feeds, NOW)] == ["once"]  # 60 s; 120 s; 16 min
    assert [f.spec.id for f in due_feeds(feeds, NOW + timedelta(seconds=20))] == ["once", "twice"]


def test_a_server_hold_is_respected_and_a_paused_feed_is_never_due() -> None:
    last = NOW - timedelta(seconds=600)
    held = replace(state("held", 300, last), not_before=NOW + timedelta(seconds=1))
    new_held = replace(state("new-held", 300, None), not_before=NOW + timedelta(minutes=5))
    released = replace(state("released", 300, last), not_before=NOW)
    paused = replace(state("paused", 300, None), paused_at=NOW - timedelta(days=1))
    feeds = [held, new_held, released, paused]
    assert [f.spec.id for f in due_feeds(feeds, NOW)] == ["released"]
    later = [f.spec.id for f in due_feeds(feeds, NOW + timedelta(minutes=5))]
    assert later == ["held", "new-held", "released"]


def test_a_feed_is_due_when_its_interval_has_passed_or_it_was_never_polled() -> None:
    feeds = [
        state("never", 300, None),
        state("due", 300, NOW - timedelta(seconds=300)),
        state("fresh", 300, NOW - timedelta(seconds=299)),
        state("slow", 3600, NOW - timedelta(minutes=30)),
    ]
    assert [f.spec.id for f in due_feeds(feeds, NOW)] == ["never", "due"]


async def test_a_round_polls_due_feeds_together_and_the_earliest_report_leads(
    database_url: str, feed_server: FakeFeedServer, slack_api: FakeSlackApi, gazetteer: Gazetteer
) -> None:
    early = RssItem("a1", "Air strikes on Idlib market kill 9 civilians", "Jets hit a market in Idlib city.",
                    "https://wire-a.example/1", DAY + timedelta(hours=5))  # fmt: skip
    late = RssItem("b1", "Nine killed as jets strike Idlib market", "Jets struck a market in Idlib city.",
                   "https://wire-b.example/1", DAY + timedelta(hours=5, minutes=20))  # fmt: skip
    feed_server.set_feed("a.xml", rss(early))
    feed_server.set_feed("b.xml", rss(late))
    async with desk(
        database_url, feed_server, slack_api, gazetteer, at=DAY + timedelta(hours=5, minutes=30)
    ) as d:
        await d.store.sync_feeds(
            [
                FeedSpec("b", feed_server.url("b.xml"), "Wire B", 300),
                FeedSpec("a", feed_server.url("a.xml"), "Wire A", 300),
            ]
        )
        poller = Poller(d.engine, d.store)
        results = await poller.poll_due()
        assert {r.feed_id for r in results} >= {"a", "b"}
        await poller.settled()
        (alert,) = slack_api.messages_in(CHANNEL)
        assert "wire-a.example/1" in alert["text"]  # the earlier report leads, whichever feed came first
        assert "2 sources" in str(alert["blocks"])
        assert await poller.poll_due() == []  # nothing is due again before its interval


async def test_a_rate_limited_slack_never_holds_up_the_next_poll_round(
    database_url: str, feed_server: FakeFeedServer, slack_api: FakeSlackApi, gazetteer: Gazetteer
) -> None:
    first = RssItem("a1", "Air strikes on Idlib market kill 9 civilians", "Jets hit a market in Idlib city.",
                    "https://wire-a.example/1", DAY + timedelta(hours=5))  # fmt: skip
    later = RssItem("c1", "Shelling hits Saraqib, killing 4", "Artillery struck Saraqib in Idlib province.",
                    "https://wire-c.example/1", DAY + timedelta(hours=5, minutes=10))  # fmt: skip
    feed_server.set_feed("a.xml", rss(first))
    feed_server.set_feed("c.xml", rss(later))
    async with desk(
        database_url, feed_server, slack_api, gazetteer, at=DAY + timedelta(hours=5, minutes=30)
    ) as d:
        await d.store.sync_feeds([FeedSpec("a", feed_server.url("a.xml"), "Wire A", 300)])
        poller = Poller(d.engine, d.store)
        slack_api.fail_next("chat.postMessage", 2, status=429, retry_after=2)  # the SDK waits 2 s, twice
        assert "a" in {r.feed_id for r in await poller.poll_due()}
        assert poller.delivering  # the round returned while Slack still holds the alert back
        await d.store.sync_feeds(
            [FeedSpec("a", feed_server.url("a.xml"), "Wire A", 300),
             FeedSpec("c", feed_server.url("c.xml"), "Wire C", 300)]
        )  # fmt: skip
        assert [r.feed_id for r in await poller.poll_due()] == ["c"]  # the next round is not held up
        assert poller.delivering and slack_api.messages_in(CHANNEL) == []
        await poller.settled()
        texts = [m["text"] for m in slack_api.messages_in(CHANNEL)]
        assert len(texts) == 2 and any("wire-a.example/1" in t for t in texts)
        poller.shutdown()


@pytest.mark.postgres
async def test_only_the_leading_replica_polls_and_a_follower_takes_over_at_once(
    database_url: str, feed_server: FakeFeedServer, slack_api: FakeSlackApi, gazetteer: Gazetteer
) -> None:
    """Two replicas on one PostgreSQL database: the follower neither polls, nor runs digests, nor
    polls a feed just added; when the leader lets go it takes the lease and polls straight away."""
    if not database_url.startswith("postgresql"):
        pytest.skip("replicas share a PostgreSQL database; SQLite allows one poller")
    strike = RssItem("a1", "Air strikes on Idlib market kill 9 civilians", "Jets hit a market in Idlib city.",
                     "https://wire-a.example/1", DAY + timedelta(hours=5))  # fmt: skip
    feed_server.set_feed("wire.xml", rss(strike))
    at = DAY + timedelta(hours=5, minutes=30)
    async with (
        desk(database_url, feed_server, slack_api, gazetteer, at=at) as one,
        desk(database_url, feed_server, slack_api, gazetteer, at=at) as two,
    ):
        leader = Poller(one.engine, one.store, lease=await one.store.take_lease())
        follower = Poller(two.engine, two.store, lease=await two.store.take_lease())
        assert leader.leading and not follower.leading
        assert await follower.poll_due() == []
        await follower.run_digests()
        follower.schedule((await two.store.feeds())[0])
        assert feed_server.requests_to("wire.xml") == []
        assert await two.store.digests.last_period_end("idlib") is None

        await one.store.close()  # the leader stops (its lease goes with its connection)
        assert await follower.renew_lease() and follower.leading
        assert [r.feed_id for r in await follower.poll_due()] == ["wire"]
        await follower.settled()
        assert len(slack_api.messages_in(CHANNEL)) == 1
