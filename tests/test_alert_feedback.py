"""The "Not relevant" button end to end: a feed item becomes a real alert in the fake Slack, the
button taken from that posted message is pressed through a really signed interaction request, and the
mark shows in the thread, in the presser's receipt, in ``/watch show`` and in ``run.py feedback``."""

from __future__ import annotations

import asyncio
import io
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

import run
from bot.core.alerts import NOT_RELEVANT_ACTION, UNDO_NOT_RELEVANT_ACTION
from bot.core.gazetteer import Gazetteer
from bot.match_evaluation import read_labels
from bot.scheduler import Poller
from handlers.context import Services
from tests.e2e.feeds import IDLIB_FIRST, rss
from tests.fakes.bolt_server import bot_settings, serve_app, slack_runtime
from tests.fakes.feed_server import FakeFeedServer
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_requests import app_home_opened_body, ask, block_actions_body, post_events, post_signed
from tests.fakes.slack_signing import sign

SECRET = "test-signing-secret-feedback-0123"
CHANNEL = "C0IDLIB0001"


@dataclass
class Desk:
    server: TestServer
    slack: FakeSlackApi
    alert: dict[str, Any]
    config: Path
    database_url: str

    async def press(
        self, button: dict[str, Any], rid: str, *, user: str = "U0DESK1", ts: str | None = None
    ) -> dict[str, Any]:
        """Press ``button`` on the message ``ts`` (the alert by default) as ``user``; the private reply."""
        body = block_actions_body(
            button["action_id"],
            button["value"],
            user=user,
            container={"type": "message", "message_ts": ts or self.alert["ts"], "channel_id": CHANNEL},
            response_url=self.slack.response_url(rid),
            channel=CHANNEL,
            block_id="feedback",
        )
        status, _ = await post_signed(self.server, body, SECRET)
        assert status == 200
        replies = await self.slack.wait_responses(rid)
        assert replies[-1]["response_type"] == "ephemeral"
        return replies[-1]

    async def home_text(self, user: str) -> str:
        """The App Home tab ``user`` is shown on opening it, as one string."""
        published = len(self.slack.calls_to("views.publish"))
        body = app_home_opened_body(user)
        signed = sign(SECRET, body, int(time.time()))
        assert (await post_events(self.server, body, signed, "application/json")).status == 200
        await self.slack.wait_calls("views.publish", published + 1)
        return json.dumps(self.slack.home_views[user])

    async def thread(self, n: int) -> list[str]:
        """The alert's thread once the channel holds the alert and ``n`` more messages."""
        await self.slack.wait_messages(CHANNEL, 1 + n)
        return [m["text"] for m in self.slack.messages_in(CHANNEL) if m["thread_ts"] == self.alert["ts"]]


def button(message: dict[str, Any], action_id: str) -> dict[str, Any]:
    for block in message.get("blocks", []):
        for element in block.get("elements", []) if block["type"] == "actions" else []:
            if element["action_id"] == action_id:
                found: dict[str, Any] = element
                return found
    raise AssertionError(f"no {action_id} button in {message}")


@pytest.fixture
async def desk(
    tmp_path: Path,
    feed_server: FakeFeedServer,
    slack_api: FakeSlackApi,
    database_url: str,
    gazetteer: Gazetteer,
) -> AsyncIterator[Desk]:
    feed_server.set_feed("wire.xml", rss(IDLIB_FIRST))
    config = tmp_path / "sitrep.toml"
    settings = bot_settings(config, feed_server.url("wire.xml"), SECRET)
    async with slack_runtime(settings, slack_api.url, database_url, gazetteer) as bot_rt:
        rt = bot_rt.runtime
        assert isinstance(rt.poller, Poller)
        await rt.poller.poll_all()
        await rt.poller.drain()
        (alert,) = await slack_api.wait_messages(CHANNEL)
        async with serve_app(bot_rt.client, Services(store=rt.store, engine=rt.engine), SECRET) as server:
            yield Desk(server, slack_api, alert, config, database_url)


async def test_marking_an_alert_not_relevant(desk: Desk) -> None:
    receipt = await desk.press(button(desk.alert, NOT_RELEVANT_ACTION), "r1")
    assert receipt["replace_original"] is False  # the alert itself is never replaced
    assert receipt["text"].startswith("Marked not relevant to idlib.")
    assert await desk.thread(1) == [
        "<@U0DESK1> marked this alert *not relevant* to idlib. Admins see the count in `/watch show idlib`."
    ]

    # A second press (or a double click) changes nothing and says so only to the presser.
    again = await desk.press(button(desk.alert, NOT_RELEVANT_ACTION), "r2")
    assert again["text"] == "You had already marked this alert not relevant to idlib."
    assert len(desk.slack.messages_in(CHANNEL)) == 2  # the alert and the one note

    # A colleague agrees: the thread counts them.
    await desk.press(button(desk.alert, NOT_RELEVANT_ACTION), "r3", user="U0DESK2")
    assert "(2 people so far)" in (await desk.thread(2))[-1]

    shown = await ask(desk.server, desk.slack, SECRET, "/watch", "show idlib", rid="r4", user="U0DESK1")
    assert "desk feedback: 1 of 1 alerts in the last 30 days marked not relevant (100%)" in shown
    assert f"marked: {IDLIB_FIRST.title} (2 marks)" in shown
    assert "1 of 1 alerts in 30 days marked not relevant" in await desk.home_text("U0DESK2")

    # Undo, from the receipt: the mark goes, the thread says so, the receipt is replaced.
    undone = await desk.press(button(receipt, UNDO_NOT_RELEVANT_ACTION), "r5", ts="1700000099.000001")
    assert undone["replace_original"] is True and undone["text"] == "Your mark was withdrawn."
    assert (await desk.thread(3))[-1] == "<@U0DESK1> withdrew their *not relevant* mark (1 still mark it)."


async def test_marks_export_as_matching_labels(desk: Desk, tmp_path: Path) -> None:
    await desk.press(button(desk.alert, NOT_RELEVANT_ACTION), "r1", user="U0DESK2")
    target = tmp_path / "labels-desk.jsonl"
    out = io.StringIO()
    env = {"DATABASE_URL": desk.database_url}
    args = ["--config", str(desk.config), "feedback", "--output", str(target)]
    code = await asyncio.to_thread(run.main, args, env, out)  # the CLI runs its own event loop
    assert code == 0 and out.getvalue() == f"wrote 1 labels to {target}\n"
    (label,) = read_labels(target)  # the evaluation's own reader takes the file as it is
    assert (label.link, label.watchlist, label.relevant) == (IDLIB_FIRST.link, "idlib", False)
    assert "U0DESK2" in label.note
    record = json.loads(target.read_text(encoding="utf-8"))
    assert record["title"] == IDLIB_FIRST.title

    out = io.StringIO()
    args = ["--config", str(desk.config), "feedback", "--watchlist", "gaza"]
    code = await asyncio.to_thread(run.main, args, env, out)
    assert code == 0 and out.getvalue() == ""


async def test_a_forged_or_stale_button_records_nothing(desk: Desk) -> None:
    forged = {"action_id": NOT_RELEVANT_ACTION, "value": "no-such-incident"}
    reply = await desk.press(forged, "r1")
    assert reply["text"] == "This alert is no longer in Sitrep's database, so nothing was recorded."
    assert desk.slack.messages_in(CHANNEL) == [desk.alert]


async def test_slack_refusing_the_thread_note_still_records_the_mark(desk: Desk) -> None:
    desk.slack.fail_next("chat.postMessage", error="channel_not_found")
    await desk.press(button(desk.alert, NOT_RELEVANT_ACTION), "r1")
    # The receipt and the notice are sent one after the other; on a slow machine both may have
    # arrived before press() looks, so read them by position, not as press()'s latest reply.
    replies = await desk.slack.wait_responses("r1", 2)
    assert replies[0]["text"].startswith("Marked not relevant")
    assert (
        replies[1]["text"]
        == "Recorded, but Sitrep could not say so in the alert's thread (channel_not_found)."
    )
    shown = await ask(desk.server, desk.slack, SECRET, "/watch", "show idlib", rid="r2", user="U0DESK1")
    assert "desk feedback: 1 of 1 alerts" in shown


async def test_a_database_failure_is_told_to_the_presser(desk: Desk) -> None:
    # A real failure, not a stand-in: the table the mark goes to is gone.
    engine = create_async_engine(desk.database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("DROP TABLE feedback"))
    finally:
        await engine.dispose()
    reply = await desk.press(button(desk.alert, NOT_RELEVANT_ACTION), "r1")
    assert reply["text"].startswith("Could not record your mark right now (could not record feedback on ")
    assert reply["text"].endswith("Try again soon.") and desk.slack.messages_in(CHANNEL) == [desk.alert]
