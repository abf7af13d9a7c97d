"""/incidents end to end: really signed slash commands and button clicks over HTTP to the bolt app,
answers captured at the fake Slack server's response_url, against a store seeded with incidents."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from bot.core.figures import Casualties, Category, Headline
from bot.core.gazetteer import Gazetteer
from bot.core.incident_query import MORE_ACTION
from bot.core.incidents import Incident, Source
from bot.core.triage import Plan
from bot.engine import Engine
from handlers.context import Services
from tests.fakes.bolt_server import bot_settings, serve_app, slack_runtime
from tests.fakes.feed_server import FakeFeedServer
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_requests import block_actions_body, post_signed, slash_body

SECRET = "test-signing-secret-0123456789"
NOW = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
REPLY_WITHIN = 3.0  # Slack's deadline for an acknowledged command's answer to feel immediate


def seeded(n: int, feed_id: str, **changes: Any) -> Incident:
    values: dict[str, Any] = {
        "key": f"idlib{n:03d}",
        "watchlist": "idlib",
        "place": "Idlib",
        "title": f"Air raids hit Idlib market (report {n})",
        "summary": "",
        "casualties": Casualties(
            killed=Headline(Category.KILLED, n, "at least", "civilians"),
            wounded=Headline(Category.WOUNDED, 20),
        ),
        "terms": ("Idlib", "air raid"),
        "sources": (
            Source(
                feed_id, f"a{n}", "Levant Wire", f"https://levantwire.example/{n}", NOW - timedelta(hours=n)
            ),
            Source(
                feed_id, f"b{n}", "Global Desk", f"https://globaldesk.example/{n}", NOW - timedelta(hours=n)
            ),
        ),
        "tokens": frozenset({"idlib"}),
        "first_seen": NOW - timedelta(hours=n),
        "updated": NOW - timedelta(hours=n),
        "alerted": True,
    }
    values.update(changes)
    return Incident(**values)


@dataclass
class Bot:
    server: TestServer
    slack: FakeSlackApi

    async def post(self, body: bytes) -> float:
        """Send a really signed request; returns how long the HTTP acknowledgement took."""
        status, seconds = await post_signed(self.server, body, SECRET)
        assert status == 200
        return seconds

    async def command(self, text: str, rid: str) -> dict[str, Any]:
        return await self._answer(slash_body("/incidents", text, self.slack.response_url(rid)), rid)

    async def click(self, value: str, rid: str) -> dict[str, Any]:
        body = block_actions_body(
            MORE_ACTION,
            value,
            user="U0DESK1",
            container={"type": "message", "message_ts": "1700000000.000001", "channel_id": "C0IDLIB0001"},
            response_url=self.slack.response_url(rid),
            channel="C0IDLIB0001",
            block_id="more",
        )
        return await self._answer(body, rid)

    async def _answer(self, body: bytes, rid: str) -> dict[str, Any]:
        started = time.monotonic()
        acked_in = await self.post(body)
        (reply,) = await self.slack.wait_responses(rid)
        assert acked_in < REPLY_WITHIN and time.monotonic() - started < REPLY_WITHIN
        return reply


@pytest.fixture
async def bot(
    tmp_path: Path,
    feed_server: FakeFeedServer,
    slack_api: FakeSlackApi,
    database_url: str,
    gazetteer: Gazetteer,
) -> AsyncIterator[Bot]:
    settings = bot_settings(tmp_path / "sitrep.toml", feed_server.url("feed.xml"), SECRET)
    async with slack_runtime(settings, slack_api.url, database_url, gazetteer, clock=lambda: NOW) as bot_rt:
        rt, client, specs = bot_rt.runtime, bot_rt.client, bot_rt.specs
        assert isinstance(rt.engine, Engine)
        feed = specs[0].id
        rows = [seeded(n, feed) for n in range(1, 14)]  # 13 within the last day: two pages
        rows.append(
            seeded(
                2,
                feed,
                key="saraqib",
                place="Saraqib",
                title="<!channel> shelling <https://evil.example|BBC>",
                casualties=Casualties(wounded=Headline(Category.WOUNDED, 4)),
                sources=(Source(feed, "c1", "Levant Wire", "javascript:alert(1)", NOW),),
                terms=("shelling",),
                updated=NOW - timedelta(minutes=30),
            )
        )
        rows.append(seeded(40, feed, key="old", place="Idlib", title="Older raid"))  # 40 h ago
        await rt.store.record_poll(feed, now=NOW, plan=Plan(incidents=tuple(rows)))
        services = Services(store=rt.store, engine=rt.engine, clock=lambda: NOW)
        async with serve_app(client, services, SECRET) as server:
            yield Bot(server, slack_api)


def sections(reply: dict[str, Any]) -> list[str]:
    return [b["text"]["text"] for b in reply.get("blocks", []) if b["type"] == "section"]


def more_value(reply: dict[str, Any]) -> str | None:
    for b in reply.get("blocks", []):
        if b["type"] == "actions":
            value: str = b["elements"][0]["value"]
            return value
    return None


# Starting the runtime loads the gazetteer (~3 s), so each test below walks through several requests.


async def test_results_pages_and_share(bot: Bot) -> None:
    reply = await bot.command("", "p1")
    assert reply["response_type"] == "ephemeral"
    assert reply["text"] == "14 incidents since 2026-11-24 14:00 UTC — 1–10, newest first"
    lines = sections(reply)
    assert len(lines) == 10
    assert lines[0].startswith("*Saraqib* — 4 wounded\n&lt;!channel&gt; shelling")
    assert lines[1] == (
        "*Idlib* — at least 1 civilians killed, 20 wounded\n"
        "Air raids hit Idlib market (report 1)\n"
        "<https://levantwire.example/1|Levant Wire> · "
        "<!date^1795611600^{date_short_pretty} {time}|2026-11-25 13:00 UTC> · 2 sources · watchlist idlib"
    )
    assert "<!channel>" not in json.dumps(reply) and "javascript:" not in json.dumps(reply)

    # "More" replaces the ephemeral page with the next one, for the same search.
    first = await bot.command("idlib", "p2")
    value = more_value(first)
    assert value is not None
    page = await bot.click(value, "p2-more")
    assert page["replace_original"] is True and page["response_type"] == "ephemeral"
    # Saraqib lies in Idlib: the gazetteer finds it though its text never says "Idlib".
    assert page["text"] == "14 incidents matching “idlib” since 2026-11-24 14:00 UTC — 11–14, newest first"
    titles = [line.split("\n")[1] for line in sections(page)]
    assert titles == [f"Air raids hit Idlib market (report {n})" for n in (10, 11, 12, 13)]
    assert more_value(page) is None

    # A button posted before cursors (it carried an offset) still pages on.
    old = json.dumps({"v": 1, "s": int((NOW - timedelta(days=1)).timestamp()), "o": 10, "t": ["idlib"]})
    page = await bot.click(old, "p2-old")
    assert page["text"] == "14 incidents matching “idlib” since 2026-11-24 14:00 UTC — 11–14, newest first"
    assert [line.split("\n")[1] for line in sections(page)] == titles

    # "share" answers in the channel; paging that shared answer stays private to whoever clicks.
    shared = await bot.command("share", "s1")
    assert shared["response_type"] == "in_channel" and len(sections(shared)) == 10
    value = more_value(shared)
    assert value is not None
    page = await bot.click(value, "s1-more")
    assert page["response_type"] == "ephemeral" and page["replace_original"] is False
    assert len(sections(page)) == 4


async def test_filters_and_the_empty_result(bot: Bot) -> None:
    reply = await bot.command("since: 2d min: 12 killed watch: IDLIB", "f1")
    assert (
        reply["text"] == "3 incidents since 2026-11-23 14:00 UTC with at least 12 killed in watchlist idlib"
    )
    assert [s.split("\n")[0] for s in sections(reply)] == [
        "*Idlib* — at least 12 civilians killed, 20 wounded",
        "*Idlib* — at least 13 civilians killed, 20 wounded",
        "*Idlib* — at least 40 civilians killed, 20 wounded",
    ]
    wounded = await bot.command("min: 1 wounded since: 90m", "f2")
    assert len(sections(wounded)) == 2  # Saraqib (30 min ago) and report 1 (60 min ago)
    place = await bot.command('"SARAQIB"', "f3")
    assert [s.split("\n")[0] for s in sections(place)] == ["*Saraqib* — 4 wounded"]
    arabic = await bot.command("سراقب", "f4")  # the gazetteer's Arabic name of Saraqib
    assert [s.split("\n")[0] for s in sections(arabic)] == ["*Saraqib* — 4 wounded"]
    idleb = await bot.command("Idleb since: 2d", "f5")  # another spelling: every incident in Idlib
    assert idleb["text"].startswith("15 incidents matching “Idleb”")

    empty = await bot.command("Saraqib since: 2026-11-24 14:00 min: 5 killed watch: idlib", "e1")
    assert empty["text"] == (
        "No incidents matching “Saraqib” since 2026-11-24 14:00 UTC"
        " with at least 5 killed in watchlist idlib."
    )


async def test_bad_input_is_answered_with_the_reason_and_usage(bot: Bot) -> None:
    cases = [
        ("since: yesterday", "`since: yesterday`: give a period like 24h, 7d or 90m"),
        ("since: 2027-01-01", "`since: 2027-01-01`: that is in the future"),
        ("min: lots", "`min: lots`"),
        ("watch: nowhere", "`watch: nowhere`: no such watchlist (watchlists: idlib)"),
    ]
    for i, (text, reason) in enumerate(cases):
        reply = await bot.command(text, f"b{i}")
        assert reply["response_type"] == "ephemeral"
        assert reason in reply["text"] and "Usage: `/incidents" in reply["text"]
        assert "Traceback" not in reply["text"]

    tampered = await bot.click('{"v":1,"s":"<!channel>"}', "t1")
    assert "no longer valid" in tampered["text"] and tampered["replace_original"] is False
