"""Feed health end to end in-process: the local feed server misbehaving, the real store (SQLite and
PostgreSQL), the engine and the fake Slack Web API. Time is a settable clock; nothing sleeps.

Covers the server's holds (Retry-After on 429/503, Cache-Control max-age), saved 301/308 moves
and pausing a feed after ``feed_pause_after`` failures with one notice in the admin channel."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from bot.adapters.fetch import Fetcher
from bot.adapters.slack_sink import SlackSink, make_web_client
from bot.adapters.ssrf import SsrfPolicy
from bot.adapters.store import FeedOutcome, FeedSpec, FeedState, Store
from bot.core.gazetteer import Gazetteer
from bot.core.matching import Matcher
from bot.engine import Engine, EngineRules, PollResult
from bot.scheduler import due_feeds
from tests.e2e.feeds import IDLIB_FIRST, rss
from tests.fakes.feed_server import FakeFeedServer
from tests.fakes.slack_api import DEFAULT_TOKEN, FakeSlackApi
from tests.test_engine import IDLIB, Clock

ADMINS = "C0ADMINS"


@dataclass
class Rig:
    engine: Engine
    store: Store
    clock: Clock
    feeds: FakeFeedServer
    slack: FakeSlackApi

    async def add(self, feed_id: str, path: str, *, interval: int = 300, origin: str = "config") -> None:
        await self.store.sync_feeds([FeedSpec(feed_id, self.feeds.url(path), feed_id, interval, origin)])

    async def state(self, feed_id: str) -> FeedState:
        feed = await self.store.feed(feed_id)
        assert feed is not None
        return feed

    async def poll(self, feed_id: str) -> PollResult:
        return await self.engine.poll(await self.state(feed_id))

    async def due(self, feed_id: str) -> bool:
        return feed_id in [f.spec.id for f in due_feeds(await self.store.feeds(), self.clock.now)]


@contextlib.asynccontextmanager
async def engine_rig(
    database_url: str,
    feed_server: FakeFeedServer,
    slack_api: FakeSlackApi,
    gazetteer: Gazetteer,
    **options: Any,
) -> AsyncIterator[Rig]:
    store = await Store.open(database_url)
    client = make_web_client(DEFAULT_TOKEN, slack_api.url)
    clock = Clock()
    try:
        async with Fetcher() as fetcher, Fetcher(guard=SsrfPolicy.parse(["127.0.0.1"])) as guarded:
            engine = Engine(
                store=store,
                fetcher=fetcher,
                untrusted_fetcher=guarded,
                sink=SlackSink(client),
                rules=EngineRules((IDLIB,), Matcher((IDLIB,), gazetteer)),
                clock=clock,
                **options,
            )
            yield Rig(engine, store, clock, feed_server, slack_api)
    finally:
        await store.close()


@pytest.fixture
async def rig(
    database_url: str, feed_server: FakeFeedServer, slack_api: FakeSlackApi, gazetteer: Gazetteer
) -> AsyncIterator[Rig]:
    feed_server.set_feed("wire.xml", rss(IDLIB_FIRST))
    async with engine_rig(
        database_url, feed_server, slack_api, gazetteer, pause_after=3, admin_channel=ADMINS
    ) as r:
        yield r


# -- holds -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 503])
async def test_retry_after_on_429_or_503_keeps_the_feed_unpolled_until_then(rig: Rig, status: int) -> None:
    await rig.add("busy", f"_/status/{status}?retry-after=1800")
    result = await rig.poll("busy")
    assert result.status == "error" and result.error == f"HTTP {status} " + (
        "Too Many Requests" if status == 429 else "Service Unavailable"
    )
    held = await rig.state("busy")
    assert held.not_before == rig.clock.now + timedelta(seconds=1800)
    rig.clock.advance(1799)
    assert not await rig.due("busy")  # the interval (300 s) and the back-off passed; the hold has not
    rig.clock.advance(1)
    assert await rig.due("busy")


async def test_an_http_date_retry_after_is_honoured_and_garbage_is_ignored(rig: Rig) -> None:
    when = rig.clock.now + timedelta(hours=1)
    date = when.strftime("%a, %d %b %Y %H:%M:%S GMT")
    await rig.add("dated", f"_/status/503?retry-after={date}")
    await rig.poll("dated")
    assert (await rig.state("dated")).not_before == when
    await rig.add("garbled", "_/status/429?retry-after=later-maybe")
    await rig.poll("garbled")
    assert (await rig.state("garbled")).not_before is None  # the back-off alone decides


async def test_max_age_longer_than_the_interval_delays_the_next_poll_and_a_success_clears_it(
    rig: Rig,
) -> None:
    await rig.add("cached", "_/cache?cc=public, max-age=3600")
    assert (await rig.poll("cached")).status == "new"
    assert (await rig.state("cached")).not_before == rig.clock.now + timedelta(hours=1)
    rig.clock.advance(600)
    assert not await rig.due("cached")
    await rig.add("short", "_/cache?cc=max-age=30")  # shorter than the 300 s interval: ignored
    await rig.poll("short")
    assert (await rig.state("short")).not_before is None
    rig.clock.advance(3000)
    assert await rig.due("cached")
    await rig.store.sync_feeds([FeedSpec("cached", rig.feeds.url("wire.xml"), "cached", 300)])
    await rig.poll("cached")  # no Cache-Control this time: the hold is gone
    assert (await rig.state("cached")).not_before is None


# -- moves -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("codes", ["301", "308", "301,308"])
async def test_a_permanent_move_is_saved_audited_and_polled_directly(rig: Rig, codes: str) -> None:
    await rig.add("wire", f"_/moved/{codes}?to=wire.xml")
    old = rig.feeds.url(f"_/moved/{codes}?to=wire.xml")
    assert (await rig.poll("wire")).status == "new"
    state = await rig.state("wire")
    assert state.moved_to == rig.feeds.url("wire.xml") and state.fetch_url == state.moved_to
    assert state.spec.url == old  # the feed's own URL (the config file's) is kept
    (entry,) = await rig.store.audit_log("feed:wire")
    assert (entry.user_id, entry.action) == ("sitrep", "feed.move")
    assert (entry.before, entry.after) == ({"url": old}, {"url": rig.feeds.url("wire.xml")})

    first_hops = len(rig.feeds.requests_to(f"_/moved/{codes.split(',')[0]}"))
    assert (await rig.poll("wire")).status == "not modified"
    assert len(rig.feeds.requests_to(f"_/moved/{codes.split(',')[0]}")) == first_hops  # straight there
    assert len(await rig.store.audit_log("feed:wire")) == 1  # nothing moved again


@pytest.mark.parametrize("codes", ["302", "307", "301,302"])
async def test_a_temporary_redirect_is_followed_but_not_saved(rig: Rig, codes: str) -> None:
    await rig.add("wire", f"_/moved/{codes}?to=wire.xml")
    assert (await rig.poll("wire")).status == "new"
    assert (await rig.state("wire")).moved_to is None
    assert await rig.store.audit_log() == []


async def test_a_permanent_move_to_a_dead_end_is_not_saved(rig: Rig) -> None:
    await rig.add("wire", "_/moved/301?to=gone.xml")
    assert (await rig.poll("wire")).status == "error"
    assert (await rig.state("wire")).moved_to is None


async def test_the_config_file_keeps_a_saved_move_until_its_own_url_changes(rig: Rig) -> None:
    await rig.add("wire", "_/moved/301?to=wire.xml")
    await rig.poll("wire")
    await rig.add("wire", "_/moved/301?to=wire.xml")  # a restart: the same config line
    assert (await rig.state("wire")).moved_to == rig.feeds.url("wire.xml")
    await rig.add("wire", "elsewhere.xml")  # the admin edited the file: the file wins
    state = await rig.state("wire")
    assert state.moved_to is None and state.fetch_url == rig.feeds.url("elsewhere.xml")


async def test_a_saved_move_of_a_slack_feed_is_still_guarded_on_every_fetch(rig: Rig) -> None:
    await rig.add("desk", "wire.xml", origin="slack")
    assert (await rig.poll("desk")).status == "new"  # 127.0.0.1 is allowed by this rig's [fetch]
    # Saved earlier, to an address the guard refuses (say the allow list has changed since).
    await rig.store.record_round(
        [FeedOutcome("desk", moved=(rig.feeds.url("wire.xml"), "http://10.0.0.7/rss"))],
        None,
        now=rig.clock.now,
    )
    refused = await rig.poll("desk")
    assert refused.status == "error" and refused.error is not None and "10.0.0.7" in refused.error


async def test_a_moved_url_cannot_be_added_again_as_another_feed(rig: Rig) -> None:
    await rig.add("wire", "_/moved/308?to=wire.xml")
    await rig.poll("wire")
    spec = FeedSpec("again", rig.feeds.url("wire.xml"), "Again", 300, origin="slack")
    refusal = await rig.store.add_feed(spec, user_id="U1", now=rig.clock.now)
    assert refusal == "that URL is already watched as feed wire (the feed moved there)"


# -- pausing ---------------------------------------------------------------------------------------


async def test_after_n_failures_the_feed_pauses_and_the_admin_channel_is_told_once(rig: Rig) -> None:
    await rig.add("dead", "_/status/404")
    for _ in range(2):
        assert not (await rig.poll("dead")).paused
    stale = await rig.state("dead")  # as a second poller might still see it
    third = await rig.poll("dead")
    assert third.paused and third.describe() == "dead: error: HTTP 404 Not Found (paused)"
    state = await rig.state("dead")
    assert state.paused_at == rig.clock.now and state.consecutive_failures == 3
    assert not await rig.due("dead")
    rig.clock.advance(86_400 * 30)
    assert not await rig.due("dead")  # paused: never due, however long

    await rig.engine.poll(stale)  # a poll from a stale state: the feed is paused already
    assert await rig.store.outbox_counts() == {"pending": 1}
    assert (await rig.engine.drain()).sent == 1
    (note,) = rig.slack.messages_in(ADMINS)
    assert "Feed `dead`" in note["text"] and "paused after 3 consecutive failures" in note["text"]
    assert "Last error: HTTP 404 Not Found" in note["text"] and "`/feeds resume dead`" in note["text"]
    actions = [e.action for e in await rig.store.audit_log("feed:dead")]
    assert actions == ["feed.pause"]


async def test_the_pause_notice_waits_out_a_slack_outage_in_the_outbox(rig: Rig) -> None:
    await rig.add("dead", "_/status/500")
    for _ in range(3):
        await rig.poll("dead")
    rig.slack.fail_next("chat.postMessage", 1, status=503)
    assert (await rig.engine.drain()).sent == 0
    rig.clock.advance(60)
    assert (await rig.engine.drain()).sent == 1
    assert len(rig.slack.messages_in(ADMINS)) == 1  # delivered once, not lost, not doubled


async def test_a_resumed_feed_is_polled_again_from_zero_failures(rig: Rig) -> None:
    await rig.add("flaky", "_/status/500")
    for _ in range(3):
        await rig.poll("flaky")
    assert await rig.store.resume_feed("wire", user_id="U1", now=rig.clock.now) == "there is no feed wire"
    assert await rig.store.resume_feed("flaky", user_id="U1", now=rig.clock.now) is None
    state = await rig.state("flaky")
    assert state.paused_at is None and state.consecutive_failures == 0
    assert state.last_error == "HTTP 500 Internal Server Error"  # on show until a poll succeeds
    rig.clock.advance(300)
    assert await rig.due("flaky")
    again = await rig.store.resume_feed("flaky", user_id="U1", now=rig.clock.now)
    assert again == "feed flaky is not paused"
    (resumed, _) = await rig.store.audit_log("feed:flaky")
    assert (resumed.action, resumed.user_id, resumed.after) == ("feed.resume", "U1", {"paused_at": None})


async def test_without_an_admin_channel_a_feed_still_pauses(
    database_url: str, feed_server: FakeFeedServer, slack_api: FakeSlackApi, gazetteer: Gazetteer
) -> None:
    async with engine_rig(database_url, feed_server, slack_api, gazetteer, pause_after=1) as rig:
        await rig.add("dead", "_/status/404")
        assert (await rig.poll("dead")).paused
        assert (await rig.state("dead")).paused_at is not None
        assert await rig.store.outbox_counts() == {}
