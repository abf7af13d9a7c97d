"""Feeds → matched incidents → Slack, through real processes and real local servers.

The bot runs as ``python run.py poll --once`` in a subprocess (so a second run is a real restart
on the same database); the feed server and the fake Slack Web API run in the test's event loop.
"""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import create_async_engine

from bot.adapters import schema
from bot.adapters.store import Store
from tests.e2e.feeds import IDLIB_FIRST, IDLIB_SECOND_OUTLET, IDLIB_TOLL_UPDATE, UNRELATED, config_toml, rss
from tests.e2e.process import bot_environment, start_bot
from tests.fakes.feed_server import FakeFeedServer
from tests.fakes.slack_api import FakeSlackApi

ROOT = Path(__file__).resolve().parents[2]


async def run_bot(tmp_path: Path, slack: FakeSlackApi, database_url: str, *args: str) -> tuple[int, str, str]:
    env = bot_environment(tmp_path, slack, database_url, SLACK_SIGNING_SECRET="e2e-signing-secret")
    proc = await start_bot(tmp_path, env, *args)
    out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


def blocks_text(params: dict[str, Any]) -> str:
    blocks = params["blocks"]
    return json.dumps(blocks if not isinstance(blocks, str) else json.loads(blocks))


async def test_one_poll_posts_one_alert_and_never_again(
    tmp_path: Path,
    feed_server: FakeFeedServer,
    slack_api: FakeSlackApi,
    database_url: str,
) -> None:
    feed_server.set_feed("wire.xml", rss(IDLIB_FIRST, UNRELATED))
    (tmp_path / "sitrep.toml").write_text(config_toml(feed_server.url("wire.xml")), encoding="utf-8")

    code, _, err = await run_bot(tmp_path, slack_api, database_url, "poll", "--once")
    assert code == 0, err
    posts = slack_api.calls_to("chat.postMessage")
    assert len(posts) == 1, err
    params = posts[0].params
    assert params["channel"] == "C0IDLIB0001"
    assert str(params["unfurl_links"]).lower() in ("false", "0")
    text = params["text"]
    assert "Idlib" in text and "at least 9 civilians killed" in text and "at least 20 wounded" in text
    body = blocks_text(params)
    assert "1,000" not in text and "380,000" not in text
    assert "levantwire.example/2026/11/24/idlib-market-raids" in body

    # A second run (a restart on the same database) gets a 304 and posts nothing.
    code, _, err = await run_bot(tmp_path, slack_api, database_url, "poll", "--once")
    assert code == 0, err
    assert len(slack_api.calls_to("chat.postMessage")) == 1
    assert feed_server.requests_to("wire.xml")[-1].headers.get("If-None-Match")

    # A changed feed body with the same items (new order) is parsed again but still posts nothing.
    feed_server.set_feed("wire.xml", rss(UNRELATED, IDLIB_FIRST))
    code, _, err = await run_bot(tmp_path, slack_api, database_url, "poll", "--once")
    assert code == 0, err
    assert len(slack_api.calls_to("chat.postMessage")) == 1


async def test_second_outlet_and_toll_update_thread_under_the_first_alert(
    tmp_path: Path,
    feed_server: FakeFeedServer,
    slack_api: FakeSlackApi,
    database_url: str,
) -> None:
    feed_server.set_feed("wire.xml", rss(IDLIB_FIRST))
    (tmp_path / "sitrep.toml").write_text(config_toml(feed_server.url("wire.xml")), encoding="utf-8")
    code, _, err = await run_bot(tmp_path, slack_api, database_url, "poll", "--once")
    assert code == 0, err
    (first,) = slack_api.messages_in("C0IDLIB0001")
    parent_ts = first["ts"]

    feed_server.set_feed("wire.xml", rss(IDLIB_FIRST, IDLIB_SECOND_OUTLET, IDLIB_TOLL_UPDATE))
    code, _, err = await run_bot(tmp_path, slack_api, database_url, "poll", "--once")
    assert code == 0, err
    messages = slack_api.messages_in("C0IDLIB0001")
    replies = [m for m in messages if m["thread_ts"] == parent_ts]
    assert len(messages) == 2 and len(replies) == 1, [m["text"] for m in messages]
    assert "12" in replies[0]["text"]
    updates = slack_api.calls_to("chat.update")
    assert updates and all(u.params["ts"] == parent_ts for u in updates)
    parent = slack_api.message("C0IDLIB0001", parent_ts)
    assert parent is not None and re.search(r"\b12 (civilians )?killed", parent["text"])
    assert parent["edits"] >= 1


async def test_kill_9_after_slack_stored_the_post_never_posts_it_twice(
    tmp_path: Path,
    feed_server: FakeFeedServer,
    slack_api: FakeSlackApi,
    database_url: str,
) -> None:
    """The process dies (SIGKILL) after Slack stored the alert and before it could record that; the
    next start confirms the alert in Slack instead of posting it again."""
    feed_server.set_feed("wire.xml", rss(IDLIB_FIRST))
    (tmp_path / "sitrep.toml").write_text(config_toml(feed_server.url("wire.xml")), encoding="utf-8")
    env = bot_environment(tmp_path, slack_api, database_url, SLACK_SIGNING_SECRET="e2e-signing-secret")
    proc = await start_bot(tmp_path, env, "poll", "--once")

    async def kill() -> None:
        proc.kill()
        await proc.wait()

    slack_api.after_call["chat.postMessage"] = kill
    await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode == -9
    assert len(slack_api.messages_in("C0IDLIB0001")) == 1

    # The dead process's claim runs out (five minutes; moved here rather than waited for).
    store = await Store.open(database_url)
    try:
        assert await store.outbox_counts() == {"sending": 1}
    finally:
        await store.close()
    db = create_async_engine(database_url)
    async with db.begin() as conn:
        await conn.execute(update(schema.outbox).values(next_attempt_at=datetime(2020, 1, 1, tzinfo=UTC)))
    await db.dispose()
    code, _, err = await run_bot(tmp_path, slack_api, database_url, "poll", "--once")
    assert code == 0, err
    assert len(slack_api.messages_in("C0IDLIB0001")) == 1
    assert len(slack_api.calls_to("conversations.history")) == 1
    store = await Store.open(database_url)
    try:
        assert await store.outbox_counts() == {"sent": 1}
    finally:
        await store.close()
