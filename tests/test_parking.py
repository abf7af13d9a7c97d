"""Alerts Slack refuses for good are parked, the admin channel is told once, and `/sitrep retry`
sends them after the fix: nothing lost, nothing twice (#17).

The whole bot runs in-process on the composition root's runtime, against the fake Slack Web API
and the local feed server; commands are really signed HTTP requests.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from bot.adapters.store import Store
from bot.core.gazetteer import Gazetteer
from bot.core.parking import ParkedGroup, fix_for, parked_lines, problem_key
from bot.engine import Engine
from config.settings import load_settings
from handlers.context import Services
from handlers.home import home_view
from tests.e2e.feeds import IDLIB_FIRST, IDLIB_TOLL_UPDATE, T0, config_toml, rss
from tests.e2e.test_replicas import SARAQIB
from tests.fakes.bolt_server import serve_app, slack_runtime
from tests.fakes.feed_server import FakeFeedServer
from tests.fakes.slack_api import DEFAULT_TOKEN, FakeSlackApi
from tests.fakes.slack_requests import ask

SECRET = "parking-signing-secret-0123456789"
CHANNEL = "C0IDLIB0001"
ADMIN_CHANNEL = "C0ADMINS"
ADMIN = "U0CFGADMIN"
MEMBER = "U0MEMBER"
NOW = T0 + timedelta(hours=9)


@dataclass
class Desk:
    server: TestServer
    slack: FakeSlackApi
    feeds: FakeFeedServer
    store: Store
    engine: Engine
    rids: int = 0

    async def sitrep(self, text: str, user: str = MEMBER) -> str:
        self.rids += 1
        return await ask(self.server, self.slack, SECRET, "/sitrep", text, rid=f"r{self.rids}", user=user)

    async def poll_and_deliver(self) -> None:
        feed = (await self.store.feeds())[0]
        await self.engine.poll(feed)
        await self.deliver()

    async def deliver(self) -> None:
        while True:
            result = await self.engine.drain()
            if not (result.sent or result.parked):
                return

    def posts(self, channel: str) -> list[dict]:  # type: ignore[type-arg]
        return [m for m in self.slack.messages_in(channel) if m.get("thread_ts") is None]


@pytest.fixture
async def desk(
    tmp_path: Path,
    feed_server: FakeFeedServer,
    slack_api: FakeSlackApi,
    database_url: str,
    gazetteer: Gazetteer,
) -> AsyncIterator[Desk]:
    config = tmp_path / "sitrep.toml"
    config.write_text(
        f'admin_channel = "{ADMIN_CHANNEL}"\nadmins = ["{ADMIN}"]\n'
        + config_toml(feed_server.url("wire.xml")),
        encoding="utf-8",
    )
    settings = load_settings(str(config), {"SLACK_BOT_TOKEN": DEFAULT_TOKEN, "SLACK_SIGNING_SECRET": SECRET})
    slack_api.add_user(MEMBER)
    async with slack_runtime(settings, slack_api.url, database_url, gazetteer, clock=lambda: NOW) as bot:
        engine = bot.runtime.engine
        assert isinstance(engine, Engine)
        services = Services(
            store=bot.runtime.store,
            engine=engine,
            clock=lambda: NOW,
            admins=frozenset({ADMIN}),
            admin_channel=ADMIN_CHANNEL,
        )
        async with serve_app(bot.client, services, SECRET) as server:
            yield Desk(server, slack_api, feed_server, bot.runtime.store, engine)


async def test_alerts_refused_while_the_token_is_revoked_are_sent_after_the_fix(desk: Desk) -> None:
    """A revoked token: every post, thread reply, edit and the admin notice itself is refused.
    All are parked; the admin is told once (the notice waits too); after the fix one `/sitrep retry`
    sends each exactly once, the reply in its parent's thread."""
    desk.slack.token = "xoxb-the-new-one"  # Slack no longer accepts ours
    desk.feeds.set_feed("wire.xml", rss(IDLIB_FIRST, SARAQIB))
    await desk.poll_and_deliver()
    desk.feeds.set_feed("wire.xml", rss(IDLIB_FIRST, SARAQIB, IDLIB_TOLL_UPDATE))
    await desk.poll_and_deliver()
    counts = await desk.store.outbox_counts()
    assert set(counts) == {"parked"} and counts["parked"] >= 4  # 2 posts, the reply (+ edit), 1 notice
    groups = await desk.store.parked()
    problems = {g.problem for g in groups}
    assert problems == {"invalid_auth", "follows_parked"}
    notices = [g for g in groups if g.channel == ADMIN_CHANNEL]
    assert [n.count for n in notices] == [1]  # one notice for the cause, not one per alert

    # The admin reinstalls the app (while the token is refused, the bot cannot answer commands).
    desk.slack.token = DEFAULT_TOKEN
    status = await desk.sitrep("status")
    assert "parked" in status and "reinstall the app" in status and "/sitrep retry" in status
    assert "only Sitrep admins" in await desk.sitrep("retry", user=MEMBER)
    answer = await desk.sitrep("retry", user=ADMIN)
    assert f"Re-queued {counts['parked']} parked alerts" in answer
    await desk.deliver()

    posts = desk.posts(CHANNEL)
    assert len(posts) == 2, [p["text"] for p in posts]  # each event once
    assert sum("Saraqib" in p["text"] for p in posts) == 1
    idlib = next(p for p in posts if "Saraqib" not in p["text"])
    replies = [m for m in desk.slack.messages_in(CHANNEL) if m.get("thread_ts") == idlib["ts"]]
    assert len(replies) == 1 and "12" in replies[0]["text"]
    admin_posts = desk.posts(ADMIN_CHANNEL)
    refused = [m for m in admin_posts if "parked" in m["text"] and "Fix:" in m["text"]]
    assert len(refused) == 1 and "SLACK_BOT_TOKEN" in refused[0]["text"]
    assert any("re-queued" in m["text"] for m in admin_posts)
    assert await desk.store.outbox_counts() == {"sent": counts["parked"]}
    assert (await desk.store.audit_log("outbox"))[0].action == "outbox.retry"
    assert "Nothing is parked" in await desk.sitrep("retry", user=ADMIN)


async def test_a_channel_the_bot_cannot_post_to_is_reported_once_with_the_fix(desk: Desk) -> None:
    desk.slack.channels = {ADMIN_CHANNEL}  # the desk's channel is gone for the bot
    desk.feeds.set_feed("wire.xml", rss(IDLIB_FIRST))
    await desk.poll_and_deliver()
    desk.feeds.set_feed("wire.xml", rss(IDLIB_FIRST, SARAQIB))
    await desk.poll_and_deliver()
    assert (await desk.store.outbox_counts()).get("parked") == 2
    (notice,) = desk.posts(ADMIN_CHANNEL)  # the second refusal, same cause: no second notice
    assert f"<#{CHANNEL}>" in notice["text"] and "invite the bot" in notice["text"]
    assert "/sitrep retry" in notice["text"]

    desk.slack.channels = None  # the bot was invited
    await desk.sitrep("retry", user=ADMIN)
    await desk.deliver()
    assert len(desk.posts(CHANNEL)) == 2
    # Refused again later for the same cause: a new notice, as the first problem was dealt with.
    desk.slack.channels = {ADMIN_CHANNEL}
    desk.feeds.set_feed("wire.xml", rss(IDLIB_FIRST, SARAQIB, IDLIB_TOLL_UPDATE))
    await desk.poll_and_deliver()
    assert sum("Fix:" in m["text"] for m in desk.posts(ADMIN_CHANNEL)) == 2
    assert {g.problem for g in await desk.store.parked()} == {"channel_not_found:" + CHANNEL}


def test_problems_group_by_cause_and_name_the_fix() -> None:
    assert problem_key("not_in_channel", "C1") == "not_in_channel:C1"
    assert problem_key("invalid_auth", "C1") == problem_key("invalid_auth", "C2") == "invalid_auth"
    assert problem_key(None, "C1") == "refused"
    assert "/invite @Sitrep" in fix_for("not_in_channel:C1", "C1")
    assert "re-queue" in fix_for("msg_too_long", "C1")


def test_the_app_home_shows_parked_alerts_first_with_the_fix() -> None:
    since = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    groups = [ParkedGroup("is_archived:C1", "C1", 3, "channel C1 is archived", since)]
    view = home_view([], {}, [], now=since, admin=True, parked=groups)
    text = str(view["blocks"][1])
    assert "3 parked" in text and "unarchive" in text and "/sitrep retry" in text
    assert parked_lines([]) == []
