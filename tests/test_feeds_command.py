"""/feeds end to end: really signed slash commands over HTTP to the bolt app, answers captured at the
fake Slack server's response_url; admins from the config list and from ``users.info``; the SSRF guard
answered by a fake resolver; audit rows read back from the store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from bot.adapters.slack_sink import make_web_client
from bot.adapters.store import FeedOutcome, Store
from bot.core.gazetteer import Gazetteer
from bot.engine import Engine
from bot.errors import AdminLookupError
from handlers import admins
from handlers.context import Services
from tests.fakes.bolt_server import bot_settings, serve_app, slack_runtime
from tests.fakes.dns import names_resolver
from tests.fakes.feed_server import FakeFeedServer
from tests.fakes.slack_api import DEFAULT_TOKEN, FakeSlackApi
from tests.fakes.slack_requests import ask

SECRET = "test-signing-secret-0123456789"
NOW = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
CONFIG_ADMIN = "U0CFGADMIN"
WORKSPACE_ADMIN = "U0WSADMIN"
OWNER = "U0OWNER"
MEMBER = "U0MEMBER"
ADMIN_CHANNEL = "C0ADMINS"
REPLY_WITHIN = 3.0


@dataclass
class Bot:
    server: TestServer
    slack: FakeSlackApi
    store: Store
    config_feed: str
    scheduled: list[str]
    rids: int = 0

    async def feeds(self, text: str, user: str = MEMBER) -> str:
        """Send ``/feeds text`` as ``user``; returns the ephemeral reply's text."""
        self.rids += 1
        return await ask(
            self.server,
            self.slack,
            SECRET,
            "/feeds",
            text,
            rid=f"r{self.rids}",
            user=user,
            within=REPLY_WITHIN,
        )


@pytest.fixture
async def bot(
    tmp_path: Path,
    feed_server: FakeFeedServer,
    slack_api: FakeSlackApi,
    database_url: str,
    gazetteer: Gazetteer,
) -> AsyncIterator[Bot]:
    settings = bot_settings(tmp_path / "sitrep.toml", feed_server.url("feed.xml"), SECRET)
    slack_api.add_user(WORKSPACE_ADMIN, is_admin=True)
    slack_api.add_user(OWNER, is_owner=True)
    slack_api.add_user(MEMBER)
    async with slack_runtime(settings, slack_api.url, database_url, gazetteer, clock=lambda: NOW) as bot_rt:
        rt, client, specs = bot_rt.runtime, bot_rt.client, bot_rt.specs
        assert isinstance(rt.engine, Engine)
        names = names_resolver({"news.example": ["93.184.216.34"], "sneaky.example": ["10.0.0.7"]})
        scheduled: list[str] = []
        services = Services(
            store=rt.store,
            engine=rt.engine,
            clock=lambda: NOW,
            admins=frozenset({CONFIG_ADMIN}),
            admin_channel=ADMIN_CHANNEL,
            resolver=names,
            on_feed_added=lambda f: scheduled.append(f.spec.id),
        )
        async with serve_app(client, services, SECRET) as server:
            yield Bot(server, slack_api, rt.store, specs[0].id, scheduled)


async def test_list_and_status_for_everyone(bot: Bot) -> None:
    listed = await bot.feeds("list")
    url = (await bot.store.feed(bot.config_feed)).spec.url  # type: ignore[union-attr]
    assert listed == f"1 feed:\n• `levant-wire` *Levant Wire* — {url} · every 300 s · from the config file"

    empty_status = await bot.feeds("status")
    assert "new · last success never · 0 consecutive failures · 0 items seen" in empty_status
    assert "next poll at the next round (not polled yet)" in empty_status

    await bot.store.record_poll(bot.config_feed, now=NOW - timedelta(minutes=2))
    await bot.store.record_poll(
        bot.config_feed, now=NOW - timedelta(minutes=1), error="HTTP 500 <!channel> <https://evil|BBC>"
    )
    status = await bot.feeds("status")
    assert "failing · last success 2026-11-25 13:58 UTC · 1 consecutive failure · 0 items seen" in status
    assert "next poll ≈ 2026-11-25 14:04 UTC" in status  # last polled 13:59, every 300 s
    assert "last error (2026-11-25 13:59 UTC): HTTP 500 &lt;!channel&gt; &lt;https://evil|BBC&gt;" in status
    assert "<!channel>" not in status


async def test_admin_adds_a_feed_after_the_ssrf_check(bot: Bot) -> None:
    loopback = await bot.feeds("add http://127.0.0.1:8080/rss Local", CONFIG_ADMIN)
    assert loopback.startswith("Not added: http://127.0.0.1:8080/rss — ")
    assert "loopback" in loopback
    private = await bot.feeds("add https://sneaky.example/rss", CONFIG_ADMIN)
    assert "Not added" in private and "10.0.0.7" in private and "private" in private
    unknown = await bot.feeds("add https://nowhere.example/rss", CONFIG_ADMIN)
    assert "Not added" in unknown and "DNS lookup failed" in unknown
    scheme = await bot.feeds("add ftp://news.example/rss", CONFIG_ADMIN)
    assert "Not added" in scheme
    assert await bot.store.audit_log() == []

    added = await bot.feeds('add <https://news.example/rss> "Levant <!here> Wire"', WORKSPACE_ADMIN)
    assert added == (
        "Added feed `levant-here-wire` *Levant &lt;!here&gt; Wire* — https://news.example/rss,"
        " polled every 300 s from the next round."
    )
    feed = await bot.store.feed("levant-here-wire")
    assert feed is not None and feed.spec.origin == "slack" and feed.spec.url == "https://news.example/rss"
    assert bot.scheduled == ["levant-here-wire"]

    (entry,) = await bot.store.audit_log()
    assert (entry.user_id, entry.action, entry.subject, entry.at, entry.before) == (
        WORKSPACE_ADMIN,
        "feed.add",
        "feed:levant-here-wire",
        NOW,
        None,
    )
    assert entry.after is not None and entry.after["url"] == "https://news.example/rss"

    (note,) = await bot.slack.wait_messages(ADMIN_CHANNEL)
    assert note["text"] == (
        f"<@{WORKSPACE_ADMIN}> added feed `levant-here-wire` *Levant &lt;!here&gt; Wire*"
        " — https://news.example/rss"
    )

    again = await bot.feeds("add https://news.example/rss Another", OWNER)
    assert again == "Not added: that URL is already watched as feed levant-here-wire."
    same_name = await bot.feeds("add https://news.example/other Levant here Wire", OWNER)
    assert same_name.startswith("Added feed `levant-here-wire-2`")
    listed = await bot.feeds("list")
    assert "`levant-here-wire` *Levant &lt;!here&gt; Wire* — https://news.example/rss" in listed
    assert "from slack" in listed and listed.startswith("3 feeds:")


async def test_non_admins_are_refused_and_workspace_answers_are_cached(bot: Bot) -> None:
    for user in (MEMBER, "U0STRANGER"):  # a plain member, and a user users.info does not know
        for text in ("add https://news.example/rss", f"remove {bot.config_feed}"):
            reply = await bot.feeds(text, user)
            assert reply.startswith("Sorry, only Sitrep admins can")
            assert "config file's `admins`" in reply and "workspace admins and owners" in reply
    assert await bot.store.audit_log() == []
    assert [f.spec.id for f in await bot.store.feeds()] == [bot.config_feed]

    lookups = len(bot.slack.calls_to("users.info"))
    await bot.feeds("add https://news.example/rss", MEMBER)
    assert len(bot.slack.calls_to("users.info")) == lookups  # the member's answer is remembered

    await bot.feeds("remove nothing", CONFIG_ADMIN)
    assert len(bot.slack.calls_to("users.info")) == lookups  # config admins need no lookup


async def test_remove(bot: Bot) -> None:
    removed = await bot.feeds(f"remove {bot.config_feed}", CONFIG_ADMIN)
    assert removed.startswith(f"Removed feed `{bot.config_feed}` *Levant Wire*")
    assert await bot.store.feed(bot.config_feed) is None  # and a restart will not bring it back
    missing = await bot.feeds("remove <!channel>", CONFIG_ADMIN)
    assert missing == "Not removed: `&lt;!channel&gt;` — there is no feed &lt;!channel&gt;."

    await bot.feeds("add https://news.example/rss Desk feed", CONFIG_ADMIN)
    removed = await bot.feeds("remove desk-feed", OWNER)
    assert removed == "Removed feed `desk-feed` *Desk feed* — https://news.example/rss."
    assert await bot.store.feeds() == []

    log = await bot.store.audit_log("feed:desk-feed")
    assert [(e.action, e.user_id) for e in log] == [("feed.remove", OWNER), ("feed.add", CONFIG_ADMIN)]
    assert log[0].before == log[1].after and log[0].after is None
    notes = await bot.slack.wait_messages(ADMIN_CHANNEL, 3)
    assert notes[2]["text"] == f"<@{OWNER}> removed feed `desk-feed` *Desk feed* — https://news.example/rss"

    # The change stands when the announcement fails; the admin is told.
    bot.slack.fail_next("chat.postMessage", error="channel_not_found")
    unannounced = await bot.feeds("add https://news.example/rss Desk feed", CONFIG_ADMIN)
    assert unannounced.endswith("(could not announce it in the admin channel: channel_not_found)")
    assert await bot.store.feed("desk-feed") is not None and len(await bot.store.audit_log()) == 4


async def test_bad_input_gets_the_reason_and_usage(bot: Bot) -> None:
    usage = "Usage: `/feeds list` · `/feeds status` · `/feeds add URL [name]` · `/feeds remove ID`"
    assert (await bot.feeds("")).startswith(usage)
    assert (await bot.feeds("help")).startswith(usage)
    cases = [
        ("frobnicate", MEMBER, "unknown subcommand `frobnicate`"),
        ("<!channel>", MEMBER, "unknown subcommand `&lt;!channel&gt;`"),
        ('add "unclosed', CONFIG_ADMIN, "a quote is not closed"),
        ("add", CONFIG_ADMIN, "`add` needs the feed's URL"),
        ("remove", CONFIG_ADMIN, "`remove` takes one feed ID"),
        ("remove a b", CONFIG_ADMIN, "`remove` takes one feed ID"),
        ("resume", CONFIG_ADMIN, "`resume` takes one feed ID"),
        ("list " + "x " * 40, MEMBER, "at most 30"),
        ("add https://news.example/" + "a" * 300, CONFIG_ADMIN, "longer than 300 characters"),
        ("add https://news.example/rss " + ("w" * 80 + " ") * 3, CONFIG_ADMIN, "at most 200"),
    ]
    for text, user, reason in cases:
        reply = await bot.feeds(text, user)
        assert reason in reply and usage in reply, (text, reply)
    assert await bot.store.audit_log() == []


async def test_a_paused_feed_shows_in_status_and_an_admin_resumes_it(bot: Bot) -> None:
    feed = bot.config_feed
    paused = FeedOutcome(feed, error="HTTP 404 Not Found", pause=True)
    await bot.store.record_round([paused], None, now=NOW - timedelta(hours=1))
    status = await bot.feeds("status")
    assert "1 paused after repeated failures, not polled until an admin resumes them" in status
    assert f"(`/feeds resume ID`): `{feed}`" in status
    assert "*paused* since 2026-11-25 13:00 UTC" in status
    assert f"next poll never until resumed (`/feeds resume {feed}`)" in status
    assert "*paused*" in await bot.feeds("list")

    refused = await bot.feeds(f"resume {feed}", MEMBER)
    assert refused.startswith("Sorry, only Sitrep admins can resume feeds")
    missing = await bot.feeds("resume nothing", CONFIG_ADMIN)
    assert missing == "Not resumed: `nothing` — there is no feed nothing."
    bot.scheduled.clear()
    resumed = await bot.feeds(f"resume {feed}", CONFIG_ADMIN)
    assert resumed.startswith(f"Resumed feed `{feed}` *Levant Wire*")
    assert resumed.endswith("it is polled again from the next round.")
    assert bot.scheduled == [feed]  # polled at once, not after its interval
    state = await bot.store.feed(feed)
    assert state is not None and state.paused_at is None and state.consecutive_failures == 0
    assert "paused" not in await bot.feeds("status")
    again = await bot.feeds(f"resume {feed}", CONFIG_ADMIN)
    assert again == f"Not resumed: `{feed}` — feed {feed} is not paused."
    (entry, pause) = await bot.store.audit_log(f"feed:{feed}")
    assert (entry.action, entry.user_id, pause.action, pause.user_id) == (
        "feed.resume",
        CONFIG_ADMIN,
        "feed.pause",
        "sitrep",
    )
    (note,) = await bot.slack.wait_messages(ADMIN_CHANNEL)
    assert note["text"].startswith(f"<@{CONFIG_ADMIN}> resumed feed `{feed}` *Levant Wire*")


async def test_status_shows_a_servers_hold_and_list_a_saved_move(bot: Bot) -> None:
    feed = bot.config_feed
    url = (await bot.store.feed(feed)).spec.url  # type: ignore[union-attr]
    held = FeedOutcome(feed, hold=NOW + timedelta(hours=2), moved=(url, "https://news.example/new.xml"))
    await bot.store.record_round([held], None, now=NOW)
    status = await bot.feeds("status")
    assert "next poll ≈ 2026-11-25 16:00 UTC (the server asked us to wait" in status
    listed = await bot.feeds("list")
    assert f"— {url} → moved permanently to https://news.example/new.xml · every 300 s" in listed


async def test_workspace_admin_answers_expire_after_ten_minutes(slack_api: FakeSlackApi) -> None:
    client = make_web_client(DEFAULT_TOKEN, slack_api.url)
    slack_api.add_user(WORKSPACE_ADMIN, is_admin=True)
    clock = [1000.0]
    check = admins.AdminCheck(frozenset({CONFIG_ADMIN}), clock=lambda: clock[0])
    assert await check.is_admin(CONFIG_ADMIN, client)
    assert await check.is_admin(WORKSPACE_ADMIN, client)
    slack_api.add_user(WORKSPACE_ADMIN, is_admin=False)  # demoted in Slack
    clock[0] += 599
    assert await check.is_admin(WORKSPACE_ADMIN, client)  # still the cached answer
    clock[0] += 2
    assert not await check.is_admin(WORKSPACE_ADMIN, client)
    slack_api.fail_next("users.info", error="ratelimited")
    with pytest.raises(AdminLookupError):  # Slack could not say: neither yes nor no, and not cached
        await check.is_admin("U0NEW", client)
    slack_api.add_user("U0NEW", is_owner=True)
    assert await check.is_admin("U0NEW", client)
    assert len(slack_api.calls_to("users.info")) == 4


@pytest.mark.parametrize("status", [502, 504])
async def test_an_admin_is_told_to_retry_when_slack_answers_with_a_page_not_json(
    bot: Bot, status: int
) -> None:
    # users.info answered by a proxy's HTML error page: the admin check used to crash on it (no reply
    # at all) or refuse a real admin as "not an admin".
    bot.slack.fail_next("users.info", 4, status=status)
    reply = await bot.feeds("remove levant-wire", user=WORKSPACE_ADMIN)
    assert "could not check with Slack whether you are an admin" in reply
    assert f"HTTP {status}" in reply and "nothing was changed" in reply
    assert "only Sitrep admins" not in reply
    assert await bot.store.feed(bot.config_feed) is not None
    assert await bot.store.audit_log() == []


async def test_a_user_slack_does_not_know_is_refused(bot: Bot) -> None:
    reply = await bot.feeds("remove levant-wire", user="U0GHOST")
    assert "only Sitrep admins" in reply
