"""The engine in-process with real adapters: local feed server, fake Slack Web API, real store.

Time is injected (a settable clock) so retry back-off is tested without sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import pytest
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from sqlalchemy import text

from bot.adapters.feed_server import RssItem
from bot.adapters.fetch import Fetcher
from bot.adapters.reader import ReaderClient, ReaderSettings
from bot.adapters.slack_sink import SlackSink, make_web_client
from bot.adapters.ssrf import SsrfPolicy
from bot.adapters.store import FeedSpec, Store
from bot.core.gazetteer import Gazetteer
from bot.core.matching import Matcher
from bot.core.watchlists import Region, Watchlist
from bot.engine import Engine, EngineRules
from tests.e2e.feeds import IDLIB_FIRST, IDLIB_SECOND_OUTLET, IDLIB_TOLL_UPDATE, T0, UNRELATED, rss
from tests.e2e.test_replicas import SARAQIB
from tests.fakes.feed_server import FakeFeedServer
from tests.fakes.reader_api import FakeReaderApi, relevant_unless
from tests.fakes.slack_api import DEFAULT_TOKEN, FakeSlackApi

IDLIB = Watchlist(
    name="idlib",
    channels=("C0IDLIB0001",),
    regions=(Region("Idlib"),),
    keywords=("truce", "air raid", "strike", "killed"),
)


@dataclass
class Clock:
    now: datetime = T0 + timedelta(hours=9)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Rig:
    engine: Engine
    store: Store
    clock: Clock
    feeds: FakeFeedServer
    slack: FakeSlackApi

    async def poll(self, feed_id: str = "wire"):  # type: ignore[no-untyped-def]
        feed = await self.store.feed(feed_id)
        assert feed is not None
        return await self.engine.poll(feed)


@contextlib.asynccontextmanager
async def running_engine(
    database_url: str,
    feeds: list[FeedSpec],
    feed_server: FakeFeedServer,
    slack_api: FakeSlackApi,
    gazetteer: Gazetteer,
    reader: ReaderClient | None = None,
) -> AsyncIterator[Rig]:
    """An engine on a fresh store, watching IDLIB, posting to the fake Slack, with an optional reader."""
    store = await Store.open(database_url)
    await store.sync_feeds(feeds)
    client = make_web_client(DEFAULT_TOKEN, slack_api.url, backoff=FixedValueRetryIntervalCalculator(0.01))
    clock = Clock()
    async with Fetcher() as fetcher:
        engine = Engine(
            store=store,
            fetcher=fetcher,
            sink=SlackSink(client),
            rules=EngineRules((IDLIB,), Matcher((IDLIB,), gazetteer)),
            clock=clock,
            reader=reader,
        )
        yield Rig(engine, store, clock, feed_server, slack_api)
    await store.close()


@pytest.fixture
async def rig(
    database_url: str, feed_server: FakeFeedServer, slack_api: FakeSlackApi, gazetteer: Gazetteer
) -> AsyncIterator[Rig]:
    feeds = [
        FeedSpec("wire", feed_server.url("wire.xml"), "Levant Wire", 300),
        FeedSpec("broken", feed_server.url("_/status/500"), "Broken Wire", 300),
    ]
    async with running_engine(database_url, feeds, feed_server, slack_api, gazetteer) as r:
        yield r


def use_watchlist(rig: Rig, watchlist: Watchlist, gazetteer: Gazetteer) -> None:
    rig.engine.rules = EngineRules((watchlist,), Matcher((watchlist,), gazetteer))


async def test_three_reports_make_one_alert_with_thread_reply_for_the_toll(rig: Rig) -> None:
    rig.feeds.set_feed("wire.xml", rss(IDLIB_FIRST, UNRELATED))
    first = await rig.poll()
    assert (first.status, first.new_items, first.alerts) == ("new", 2, 1)
    assert (await rig.engine.drain()).sent == 1
    rig.feeds.set_feed("wire.xml", rss(IDLIB_FIRST, UNRELATED, IDLIB_SECOND_OUTLET, IDLIB_TOLL_UPDATE))
    await rig.poll()
    while (await rig.engine.drain()).sent:
        pass
    (alert, reply) = rig.slack.messages_in("C0IDLIB0001")
    assert reply["thread_ts"] == alert["ts"]
    assert "9 → 12" in reply["text"] or "12" in reply["text"]
    assert re.search(r"\b12 (civilians )?killed", alert["text"]) and alert["edits"] >= 1
    assert "3 reports" in str(alert["blocks"])  # one outlet (this feed) telling it three times


async def test_one_broken_feed_does_not_stop_the_others(rig: Rig) -> None:
    rig.feeds.set_feed("wire.xml", rss(IDLIB_FIRST))
    broken = await rig.poll("broken")
    good = await rig.poll("wire")
    assert broken.status == "error" and broken.error is not None and "HTTP 500" in broken.error
    assert good.status == "new"
    state = await rig.store.feed("broken")
    assert state is not None and state.last_error is not None and "500" in state.last_error


async def test_slack_outage_keeps_alert_queued_and_retries_with_backoff(rig: Rig) -> None:
    rig.feeds.set_feed("wire.xml", rss(IDLIB_FIRST))
    rig.slack.fail_next("chat.postMessage", 1, status=503)  # a post is never retried blindly by the SDK
    await rig.poll()
    result = await rig.engine.drain()
    assert (result.sent, result.retrying) == (0, 1)
    assert await rig.store.unseen("wire", ["lw-1001"]) == set()  # seen, because its alert is queued
    assert (await rig.engine.drain()).sent == 0  # not due yet: back-off, not a hot loop
    rig.clock.advance(6)
    assert (await rig.engine.drain()).sent == 1
    assert len(rig.slack.messages_in("C0IDLIB0001")) == 1


async def test_permanent_slack_error_parks_the_alert_with_reason_and_fix(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    rig.slack.channels = {"C0SOMEWHERE"}
    rig.feeds.set_feed("wire.xml", rss(IDLIB_FIRST))
    await rig.poll()
    result = await rig.engine.drain()
    assert result.parked == 1 and result.failed == 0
    assert "channel C0IDLIB0001 not found" in caplog.text and "/sitrep retry" in caplog.text
    assert await rig.store.outbox_counts() == {"parked": 1}
    (group,) = await rig.store.parked()
    assert group.problem == "channel_not_found:C0IDLIB0001" and group.count == 1


async def test_muted_watchlist_posts_nothing(rig: Rig, gazetteer: Gazetteer) -> None:
    use_watchlist(rig, replace(IDLIB, muted=True), gazetteer)
    rig.feeds.set_feed("wire.xml", rss(IDLIB_FIRST))
    result = await rig.poll()
    assert result.alerts == 0
    assert (await rig.store.incidents())[0].alerted is False


async def test_threshold_holds_the_alert_until_the_toll_reaches_it(rig: Rig, gazetteer: Gazetteer) -> None:
    use_watchlist(rig, replace(IDLIB, min_killed=10), gazetteer)
    rig.feeds.set_feed("wire.xml", rss(IDLIB_FIRST))
    assert (await rig.poll()).alerts == 0
    rig.feeds.set_feed("wire.xml", rss(IDLIB_FIRST, IDLIB_TOLL_UPDATE))
    assert (await rig.poll()).alerts == 1
    await rig.engine.drain()
    (alert,) = rig.slack.messages_in("C0IDLIB0001")
    assert alert["thread_ts"] is None and re.search(r"\b12 (civilians )?killed", alert["text"])


async def test_304_and_identical_bodies_are_return_values_not_errors(rig: Rig) -> None:
    rig.feeds.set_feed("wire.xml", rss(IDLIB_FIRST))
    assert (await rig.poll()).status == "new"
    assert (await rig.poll()).status == "not modified"
    # A server that sends no validators at all: the second identical body is not parsed again.
    await rig.store.sync_feeds([FeedSpec("plain", rig.feeds.url("_/counted"), "Plain", 300)])
    assert (await rig.poll("plain")).status == "new"
    assert (await rig.poll("plain")).status == "unchanged"


async def test_old_items_are_marked_seen_but_never_alerted(rig: Rig) -> None:
    old = replace(IDLIB_FIRST, guid="old-1", published=rig.clock.now - timedelta(days=30))
    rig.feeds.set_feed("wire.xml", rss(old))
    result = await rig.poll()
    assert (result.status, result.new_items, result.alerts) == ("new", 1, 0)
    assert await rig.store.unseen("wire", ["old-1"]) == set()
    assert await rig.store.incidents() == []


async def test_feeds_added_from_slack_go_through_the_ssrf_guard(
    database_url: str, feed_server: FakeFeedServer, slack_api: FakeSlackApi, gazetteer: Gazetteer
) -> None:
    feed_server.set_feed("wire.xml", rss(IDLIB_FIRST))
    store = await Store.open(database_url)
    await store.sync_feeds([FeedSpec("added", feed_server.url("wire.xml"), "Added", 300, origin="slack")])
    sink = SlackSink(make_web_client(DEFAULT_TOKEN, slack_api.url))
    try:
        async with Fetcher() as plain, Fetcher(guard=SsrfPolicy.parse([])) as guarded:
            rules = EngineRules((IDLIB,), Matcher((IDLIB,), gazetteer))
            unguarded = Engine(store=store, fetcher=plain, sink=sink, rules=rules, clock=Clock())
            engine = Engine(
                store=store, fetcher=plain, untrusted_fetcher=guarded, sink=sink, rules=rules, clock=Clock()
            )
            feed = await store.feed("added")
            assert feed is not None
            refused = await engine.poll(feed)
            assert refused.status == "error" and refused.error is not None
            assert "127.0.0.1" in refused.error and "loopback" in refused.error
            assert feed_server.requests_to("wire.xml") == []
            missing = await unguarded.poll(feed)
            assert missing.error is not None and "SSRF-guarded fetcher" in missing.error
    finally:
        await store.close()


async def test_a_timed_mute_ends_by_itself(rig: Rig, gazetteer: Gazetteer) -> None:
    use_watchlist(rig, replace(IDLIB, muted=True, muted_until=rig.clock.now + timedelta(hours=1)), gazetteer)
    rig.feeds.set_feed("wire.xml", rss(IDLIB_FIRST))
    assert (await rig.poll()).alerts == 0
    rig.clock.advance(3600)
    rig.feeds.set_feed("wire.xml", rss(IDLIB_FIRST, IDLIB_SECOND_OUTLET))
    assert (await rig.poll()).alerts == 1  # the next report of the same strike posts it


async def test_watchlist_changes_in_the_store_apply_at_the_next_poll(
    database_url: str, feed_server: FakeFeedServer, slack_api: FakeSlackApi, gazetteer: Gazetteer
) -> None:
    store = await Store.open(database_url)
    await store.sync_feeds([FeedSpec("wire", feed_server.url("wire.xml"), "Levant Wire", 300)])
    gaza = Watchlist("gaza", ("C0GAZA00001",), (Region("Gaza"),), ("strike",))
    await store.sync_watchlists([gaza], now=T0)
    client = make_web_client(DEFAULT_TOKEN, slack_api.url)
    async with Fetcher() as fetcher:
        engine = Engine(
            store=store,
            fetcher=fetcher,
            sink=SlackSink(client),
            rules=EngineRules((gaza,), Matcher((gaza,), gazetteer)),
            clock=Clock(),
            build_matcher=lambda chosen: Matcher(chosen, gazetteer),
        )
        assert await engine.refresh_rules() is False  # nothing changed
        await store.change_watchlist(IDLIB, action="watch.add", user_id="U1", now=T0, create=True)
        feed_server.set_feed("wire.xml", rss(IDLIB_FIRST))
        wire = await store.feed("wire")
        assert wire is not None
        # The round re-reads the watchlists before it downloads: the item is surveyed with the new
        # matcher, not recorded as naming no watched region by the old one (gaza only).
        assert (await engine.poll(wire)).alerts == 1  # the new watchlist, without a restart
        assert [w.name for w in engine.rules.watchlists] == ["gaza", "idlib"]
    await store.close()


# -- quiet items: recorded as soon as their feed is surveyed (#20's memory) -------------------

# The Idlib report's article, as a second feed of the same outlet gives it: the same link, and a
# blurb that names no watched region. Triage holds neither its text nor its survey.
IDLIB_QUIET_COPY = RssItem(
    guid="lw-web-1001",
    title="Market raid kills nine despite truce",
    description="Jets hit a crowded vegetable market on Tuesday, a monitoring group said.",
    link=IDLIB_FIRST.link,
    published=IDLIB_FIRST.published,
)


@pytest.fixture
async def two_feed_rig(
    database_url: str, feed_server: FakeFeedServer, slack_api: FakeSlackApi, gazetteer: Gazetteer
) -> AsyncIterator[Rig]:
    feeds = [
        FeedSpec("wire", feed_server.url("wire.xml"), "Levant Wire", 300),
        FeedSpec("web", feed_server.url("web.xml"), "Levant Wire", 300),
    ]
    async with running_engine(database_url, feeds, feed_server, slack_api, gazetteer) as r:
        yield r


async def poll_both(rig: Rig) -> dict[str, tuple[str, int, int]]:
    feeds = [f for f in [await rig.store.feed("wire"), await rig.store.feed("web")] if f is not None]
    return {r.feed_id: (r.status, r.new_items, r.alerts) for r in await rig.engine.poll_round(feeds)}


async def test_quiet_items_are_recorded_once_and_counted_as_new(two_feed_rig: Rig) -> None:
    rig = two_feed_rig
    rig.feeds.set_feed("wire.xml", rss(IDLIB_FIRST, UNRELATED))
    rig.feeds.set_feed("web.xml", rss(UNRELATED))
    assert await poll_both(rig) == {"wire": ("new", 2, 1), "web": ("new", 1, 0)}
    stored, _ = await rig.store.items_since(T0 - timedelta(days=1), limit=10)
    assert sorted((i.feed_id, i.title) for i in stored) == [
        ("web", UNRELATED.title),
        ("wire", UNRELATED.title),
        ("wire", IDLIB_FIRST.title),
    ]
    rig.feeds.set_feed("web.xml", rss(UNRELATED, IDLIB_QUIET_COPY))
    rig.clock.advance(600)
    assert (await poll_both(rig))["web"] == ("new", 1, 0)  # the copy only: UNRELATED is not new again


async def test_a_quiet_copy_published_first_makes_the_report_a_repeat(two_feed_rig: Rig) -> None:
    rig = two_feed_rig
    earlier = replace(IDLIB_QUIET_COPY, published=IDLIB_FIRST.published - timedelta(minutes=5))
    rig.feeds.set_feed("wire.xml", rss(IDLIB_FIRST))
    rig.feeds.set_feed("web.xml", rss(earlier))
    # The article was first seen quiet, in this very round: the report is the same article again.
    assert await poll_both(rig) == {"wire": ("new", 1, 0), "web": ("new", 1, 0)}


async def test_a_quiet_copy_published_later_leaves_the_report_news(two_feed_rig: Rig) -> None:
    rig = two_feed_rig
    later = replace(IDLIB_QUIET_COPY, published=IDLIB_FIRST.published + timedelta(minutes=5))
    rig.feeds.set_feed("wire.xml", rss(IDLIB_FIRST))
    rig.feeds.set_feed("web.xml", rss(later))
    # Recorded before triage, yet it must not count as an earlier copy: it was published after.
    assert await poll_both(rig) == {"wire": ("new", 1, 1), "web": ("new", 1, 0)}
    # In the next round the article is known, whichever feed brings it again.
    rig.feeds.set_feed("web.xml", rss(later, replace(IDLIB_FIRST, guid="lw-web-1002")))
    rig.clock.advance(600)
    assert (await poll_both(rig))["web"] == ("new", 1, 0)


# -- the reader (the language-model check of every match) -----------------------------------

IDLIB_STATEMENT = RssItem(
    guid="lw-2001",
    title="Foreign minister calls for Idlib truce to hold",
    description="Speaking in Vienna, the minister urged all sides to respect the truce in Idlib.",
    link="https://levantwire.example/2026/11/24/minister-idlib-truce",
    published=T0 + timedelta(minutes=30),
)


@pytest.fixture
async def reader_rig(
    database_url: str,
    feed_server: FakeFeedServer,
    slack_api: FakeSlackApi,
    reader_api: FakeReaderApi,
    gazetteer: Gazetteer,
) -> AsyncIterator[Rig]:
    feeds = [FeedSpec("wire", feed_server.url("wire.xml"), "Levant Wire", 300)]
    settings = ReaderSettings(url=reader_api.url, model="desk-reader", timeout=2)
    async with (
        ReaderClient(settings) as reader,
        running_engine(database_url, feeds, feed_server, slack_api, gazetteer, reader) as r,
    ):
        yield r


async def test_the_reader_withholds_a_statement_abroad_and_the_event_still_alerts(
    reader_rig: Rig, reader_api: FakeReaderApi
) -> None:
    reader_api.rule = relevant_unless("calls for")
    reader_rig.feeds.set_feed("wire.xml", rss(IDLIB_FIRST, IDLIB_STATEMENT, UNRELATED))
    result = await reader_rig.poll()
    assert (result.new_items, result.alerts, result.withheld) == (3, 1, 1)
    assert "1 match(es) withheld by the reader" in result.describe()
    await reader_rig.engine.drain()
    (alert,) = reader_rig.slack.messages_in("C0IDLIB0001")
    assert "market" in alert["text"].lower()
    asked = reader_api.user_messages()
    assert len(asked) == 2  # the two matches; the unrelated item is never put to the reader
    assert any("Headline: Foreign minister calls for Idlib truce to hold" in m for m in asked)
    # The withheld item is recorded as seen like any other: the next poll asks only about the new one.
    reader_rig.feeds.set_feed("wire.xml", rss(IDLIB_FIRST, IDLIB_STATEMENT, UNRELATED, IDLIB_SECOND_OUTLET))
    again = await reader_rig.poll()
    assert (again.new_items, again.withheld, len(reader_api.requests)) == (1, 0, 3)


async def test_with_the_reader_down_every_match_alerts_as_without_it(
    reader_rig: Rig, reader_api: FakeReaderApi
) -> None:
    reader_api.rule = relevant_unless("calls for")
    reader_api.fail_next(10, status=502)
    reader_rig.feeds.set_feed("wire.xml", rss(IDLIB_FIRST, IDLIB_STATEMENT))
    result = await reader_rig.poll()
    # The strike alerts; the statement goes to the digest by its tier, as it would without a reader.
    assert (result.alerts, result.withheld) == (1, 0)


# -- exactly once: a post whose outcome is unknown is confirmed in Slack, never repeated ------------


async def test_a_post_stored_before_the_connection_dropped_is_not_posted_again(rig: Rig) -> None:
    rig.feeds.set_feed("wire.xml", rss(IDLIB_FIRST))
    rig.slack.lose_answer("chat.postMessage", "reset")
    await rig.poll()
    assert (await rig.engine.drain()).retrying == 1  # Slack may have it: check before posting again
    assert len(rig.slack.messages_in("C0IDLIB0001")) == 1
    rig.clock.advance(6)
    assert (await rig.engine.drain()).sent == 1
    (alert,) = rig.slack.messages_in("C0IDLIB0001")
    assert await rig.store.outbox_counts() == {"sent": 1}
    assert await rig.store.posted_ts((await rig.store.incidents())[0].key, "C0IDLIB0001") == (
        "sent",
        alert["ts"],
    )
    assert len(rig.slack.calls_to("conversations.history")) == 1


async def test_a_reply_slower_than_the_client_timeout_is_confirmed_not_repeated(
    database_url: str, feed_server: FakeFeedServer, slack_api: FakeSlackApi, gazetteer: Gazetteer
) -> None:
    store = await Store.open(database_url)
    await store.sync_feeds([FeedSpec("wire", feed_server.url("wire.xml"), "Levant Wire", 300)])
    client = make_web_client(DEFAULT_TOKEN, slack_api.url, timeout=1, max_retries=0)
    clock = Clock()
    try:
        async with Fetcher() as fetcher:
            rules = EngineRules((IDLIB,), Matcher((IDLIB,), gazetteer))
            engine = Engine(store=store, fetcher=fetcher, sink=SlackSink(client), rules=rules, clock=clock)
            feed_server.set_feed("wire.xml", rss(IDLIB_FIRST, IDLIB_TOLL_UPDATE))
            slack_api.lose_answer("chat.postMessage", "slow", delay=2)
            feed = await store.feed("wire")
            assert feed is not None
            await engine.poll(feed)
            assert (await engine.drain()).retrying == 1
            clock.advance(6)
            await engine.drain()
            clock.advance(6)
            await engine.drain()
            messages = slack_api.messages_in("C0IDLIB0001")
            assert len(messages) == 1  # the alert once; its toll went into it before it was confirmed
            assert await store.outbox_counts() == {"sent": 1}
    finally:
        await store.close()


async def test_a_thread_reply_whose_answer_was_lost_is_found_in_its_thread(rig: Rig) -> None:
    rig.feeds.set_feed("wire.xml", rss(IDLIB_FIRST))
    await rig.poll()
    await rig.engine.drain()
    rig.feeds.set_feed("wire.xml", rss(IDLIB_FIRST, IDLIB_TOLL_UPDATE))
    await rig.poll()
    rig.slack.lose_answer("chat.postMessage", "reset")
    await rig.engine.drain()
    rig.clock.advance(6)
    await rig.engine.drain()
    replies = [m for m in rig.slack.messages_in("C0IDLIB0001") if m["thread_ts"]]
    assert len(replies) == 1
    assert len(rig.slack.calls_to("conversations.replies")) == 1
    assert "failed" not in await rig.store.outbox_counts()


async def test_an_unknown_outcome_that_slack_does_not_have_is_posted_again(rig: Rig) -> None:
    rig.feeds.set_feed("wire.xml", rss(IDLIB_FIRST))
    rig.slack.fail_next("chat.postMessage", 1, status=502)  # a proxy's error: stored or not, nobody knows
    await rig.poll()
    await rig.engine.drain()
    assert rig.slack.messages_in("C0IDLIB0001") == []
    rig.clock.advance(6)
    assert (await rig.engine.drain()).sent == 1
    assert len(rig.slack.messages_in("C0IDLIB0001")) == 1


async def test_a_claimed_row_is_sent_by_one_drainer_only(rig: Rig) -> None:
    rig.feeds.set_feed("wire.xml", rss(IDLIB_FIRST))
    await rig.poll()
    (row,) = await rig.store.due_outbox(rig.clock())
    until = rig.clock() + timedelta(minutes=5)
    assert await rig.store.claim_outbox(row.id, now=rig.clock(), until=until)
    assert not await rig.store.claim_outbox(row.id, now=rig.clock(), until=until)  # a second drainer
    assert (await rig.engine.drain()).sent == 0 and rig.slack.messages_in("C0IDLIB0001") == []


async def test_a_post_the_database_refused_to_record_is_confirmed_not_repeated(
    database_url: str, feed_server: FakeFeedServer, slack_api: FakeSlackApi, gazetteer: Gazetteer
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("the lock held from outside is SQLite's; PostgreSQL row claims are tested above")
    feeds = [FeedSpec("wire", feed_server.url("wire.xml"), "Levant Wire", 300)]
    # A short busy timeout (the URL's own): the lock below outlasts it without a 30 s wait.
    async with running_engine(f"{database_url}?timeout=0.5", feeds, feed_server, slack_api, gazetteer) as rig:
        await _refused_record(rig, database_url.split(":///", 1)[1])


async def _refused_record(rig: Rig, path: str) -> None:
    locks: list[sqlite3.Connection] = []

    async def lock_the_database() -> None:
        outsider = sqlite3.connect(path, isolation_level=None)
        outsider.execute("BEGIN EXCLUSIVE")  # held past the store's busy timeout: its write fails
        locks.append(outsider)

    rig.feeds.set_feed("wire.xml", rss(IDLIB_FIRST))
    await rig.poll()
    rig.slack.after_call["chat.postMessage"] = lock_the_database
    with pytest.raises(Exception, match="locked"):
        await rig.engine.drain()
    locks[0].rollback()
    locks[0].close()
    assert len(rig.slack.messages_in("C0IDLIB0001")) == 1
    for _ in range(3):
        await rig.engine.drain()  # the claim still holds: nobody posts it again
        rig.clock.advance(200)
    assert len(rig.slack.messages_in("C0IDLIB0001")) == 1
    assert await rig.store.outbox_counts() == {"sent": 1}


async def test_two_processes_draining_one_database_post_each_alert_once(
    rig: Rig, database_url: str, slack_api: FakeSlackApi, gazetteer: Gazetteer
) -> None:
    rig.feeds.set_feed("wire.xml", rss(IDLIB_FIRST))
    await rig.poll()
    rig.feeds.set_feed("wire.xml", rss(IDLIB_FIRST, IDLIB_TOLL_UPDATE))
    await rig.poll()  # a post and a thread reply queued
    slack_api.lose_answer("chat.postMessage", "slow", delay=0.3, n=4)  # Slack latency, answers arrive
    second = await Store.open(database_url)  # a second process: its own connections, same database
    try:
        client = make_web_client(DEFAULT_TOKEN, slack_api.url)
        async with Fetcher() as fetcher:
            rules = EngineRules((IDLIB,), Matcher((IDLIB,), gazetteer))
            sink = SlackSink(client)
            other = Engine(store=second, fetcher=fetcher, sink=sink, rules=rules, clock=rig.clock)
            for _ in range(3):
                await asyncio.gather(rig.engine.drain(), other.drain())
    finally:
        await second.close()
    messages = slack_api.messages_in("C0IDLIB0001")
    assert len([m for m in messages if not m["thread_ts"]]) == 1
    assert len([m for m in messages if m["thread_ts"]]) <= 1
    assert await rig.store.outbox_counts() in ({"sent": 1}, {"sent": 2})


async def test_a_rate_limited_channel_never_holds_up_another_channels_alerts(
    rig: Rig, gazetteer: Gazetteer
) -> None:
    """One alert for two channels; Slack rate-limits the first (429, Retry-After 1.5, twice). The
    second channel's alert lands while the first still waits out Retry-After; then the first lands,
    once."""
    two = replace(IDLIB, channels=("C0LIMITED01", "C0FREE00001"))
    use_watchlist(rig, two, gazetteer)
    rig.slack.rate_limit_channel("C0LIMITED01", 2, retry_after="1.5")
    rig.feeds.set_feed("wire.xml", rss(IDLIB_FIRST))
    await rig.poll()
    drain = asyncio.create_task(rig.engine.drain())
    (free,) = await rig.slack.wait_messages("C0FREE00001", within=10)
    assert not drain.done() and rig.slack.messages_in("C0LIMITED01") == []
    result = await drain
    assert result.sent == 2
    assert len(rig.slack.messages_in("C0LIMITED01")) == 1
    limited_calls = [
        c for c in rig.slack.calls_to("chat.postMessage") if c.params["channel"] == "C0LIMITED01"
    ]
    assert len(limited_calls) == 3  # two 429s waited out, then the post
    assert free["text"] == rig.slack.messages_in("C0LIMITED01")[0]["text"]


async def test_a_message_another_drainer_holds_is_never_overtaken_in_its_channel(rig: Rig) -> None:
    """Replicas drain one outbox: while another holds a channel's first message, this drainer sends
    none of that channel's later ones, so a desk reads its alerts in the order they were queued."""
    rig.feeds.set_feed("wire.xml", rss(IDLIB_FIRST, SARAQIB))
    await rig.poll()
    first, second = await rig.store.due_outbox(rig.clock.now)
    assert first.channel == second.channel
    assert await rig.store.claim_outbox(
        first.id, now=rig.clock.now, until=rig.clock.now + timedelta(seconds=300)
    )
    result = await rig.engine.drain()
    assert result.sent == 0 and rig.slack.messages_in("C0IDLIB0001") == []
    rig.clock.advance(301)  # the other drainer died; its claim ran out
    while (await rig.engine.drain()).sent:
        pass
    texts = [m["text"] for m in rig.slack.messages_in("C0IDLIB0001")]
    assert len(texts) == 2 and "Saraqib" in texts[1]


async def test_a_rate_limit_that_outlasts_the_clients_waits_is_retried_when_slack_says(rig: Rig) -> None:
    """Four 429s in a row (the client waits out three): the alert is tried again after Slack's
    Retry-After, not after the growing back-off, and the attempt does not count towards parking."""
    rig.feeds.set_feed("wire.xml", rss(IDLIB_FIRST))
    await rig.poll()
    rig.slack.fail_next("chat.postMessage", 4, status=429, retry_after="0.1")
    assert (await rig.engine.drain()).retrying == 1
    (row,) = await rig.store.due_outbox(rig.clock.now + timedelta(seconds=1))
    assert row.attempts == 0
    assert await rig.store.due_outbox(rig.clock.now + timedelta(seconds=0.5)) == []
    rig.clock.advance(1)
    assert (await rig.engine.drain()).sent == 1


async def test_a_toll_folded_into_a_queued_post_is_what_goes_out_even_if_the_drain_read_it_before(
    rig: Rig,
) -> None:
    """The race the 429-storm sweep found: a drain reads the queued post, a poll round then folds
    the toll update into it (the post had not gone out, so no reply is queued), and the drain sends
    it. What goes out is the post as it is when claimed, with the new toll, not the old copy."""
    rig.feeds.set_feed("wire.xml", rss(IDLIB_FIRST))
    await rig.poll()
    (stale,) = await rig.store.due_outbox(rig.clock.now)  # the drain's read
    rig.feeds.set_feed("wire.xml", rss(IDLIB_FIRST, IDLIB_TOLL_UPDATE))
    await rig.poll()  # folds the update into the still queued post
    assert [r.id for r in await rig.store.due_outbox(rig.clock.now)] == [stale.id]
    # the race's second half: the drain delivers the row it read
    assert await rig.engine._deliver(stale, rig.clock.now) == "sent"
    (post,) = rig.slack.messages_in("C0IDLIB0001")
    assert re.search(r"\b12 (civilians )?killed", post["text"]), post["text"]


async def test_quiet_items_that_cannot_be_recorded_early_are_not_lost(two_feed_rig: Rig) -> None:
    rig = two_feed_rig
    rig.feeds.set_feed("wire.xml", rss(IDLIB_FIRST, UNRELATED))
    rig.feeds.set_feed("web.xml", rss(UNRELATED))
    async with rig.store._engine.begin() as conn:  # the items table is gone: every write to it fails
        await conn.execute(text("ALTER TABLE items RENAME TO items_away"))
    statuses = {k: v[0] for k, v in (await poll_both(rig)).items()}
    assert statuses == {"wire": "database error", "web": "database error"}
    async with rig.store._engine.begin() as conn:
        await conn.execute(text("ALTER TABLE items_away RENAME TO items"))
    rig.clock.advance(600)
    # Nothing was marked seen: the next round finds every item new, and the report alerts.
    assert await poll_both(rig) == {"wire": ("new", 2, 1), "web": ("new", 1, 0)}


async def test_a_round_wider_than_its_turns_polls_every_feed(
    database_url: str, feed_server: FakeFeedServer, slack_api: FakeSlackApi, gazetteer: Gazetteer
) -> None:
    # One turn for three feeds: each waits for the one before it, cold (turn before the download)
    # and warm (a conditional request takes a turn only when a body comes back).
    store = await Store.open(database_url)
    specs = [FeedSpec(f"f{n}", feed_server.url(f"f{n}.xml"), f"Outlet {n}", 300) for n in range(3)]
    await store.sync_feeds(specs)
    for n in range(3):
        feed_server.set_feed(f"f{n}.xml", rss(replace(UNRELATED, guid=f"u{n}")))
    clock = Clock()
    async with Fetcher() as fetcher:
        engine = Engine(
            store=store,
            fetcher=fetcher,
            sink=SlackSink(make_web_client(DEFAULT_TOKEN, slack_api.url)),
            rules=EngineRules((IDLIB,), Matcher((IDLIB,), gazetteer)),
            clock=clock,
            in_flight=1,
        )
        feeds = [f for f in [await store.feed(s.id) for s in specs] if f is not None]
        assert [(r.status, r.new_items) for r in await engine.poll_round(feeds)] == [("new", 1)] * 3
        feed_server.set_feed("f1.xml", rss(replace(UNRELATED, guid="u1"), IDLIB_FIRST))
        clock.advance(600)
        feeds = [f for f in [await store.feed(s.id) for s in specs] if f is not None]
        assert [(r.status, r.new_items, r.alerts) for r in await engine.poll_round(feeds)] == [
            ("not modified", 0, 0),
            ("new", 1, 1),
            ("not modified", 0, 0),
        ]
    await store.close()
