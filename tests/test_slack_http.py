"""HTTP mode: really signed requests to the bolt app over real HTTP; forged or stale ones get 401."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bot.adapters.replay_guard import MemoryReplayGuard
from bot.adapters.store import Store
from bot.core.gazetteer import Gazetteer
from bot.engine import Engine
from handlers.context import Services
from tests.fakes.bolt_server import bot_settings, serve_app, slack_runtime
from tests.fakes.feed_server import FakeFeedServer
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_requests import post_events, slash_body
from tests.fakes.slack_signing import sign

SECRET = "test-signing-secret-0123456789"


@pytest.fixture
async def http_bot(
    tmp_path: Path,
    feed_server: FakeFeedServer,
    slack_api: FakeSlackApi,
    database_url: str,
    gazetteer: Gazetteer,
) -> AsyncIterator[TestServer]:
    settings = bot_settings(tmp_path / "sitrep.toml", feed_server.url("feed.xml"), SECRET)
    async with slack_runtime(settings, slack_api.url, database_url, gazetteer) as bot_rt:
        rt = bot_rt.runtime
        assert isinstance(rt.engine, Engine)
        async with serve_app(bot_rt.client, Services(store=rt.store, engine=rt.engine), SECRET) as server:
            yield server


async def test_signed_help_command_replies_ephemerally(http_bot: TestServer, slack_api: FakeSlackApi) -> None:
    body = slash_body("/sitrep", "help", slack_api.response_url("r1"))
    resp = await post_events(http_bot, body, sign(SECRET, body, int(time.time())))
    assert resp.status == 200
    (reply,) = await slack_api.wait_responses("r1")
    assert reply["response_type"] == "ephemeral" and "/sitrep status" in reply["text"]


async def test_status_lists_feeds(http_bot: TestServer, slack_api: FakeSlackApi) -> None:
    body = slash_body("/sitrep", "status", slack_api.response_url("r2"))
    resp = await post_events(http_bot, body, sign(SECRET, body, int(time.time())))
    assert resp.status == 200
    (reply,) = await slack_api.wait_responses("r2")
    assert "Levant Wire" in reply["text"] and "not polled yet" in reply["text"]


async def test_unknown_subcommand_names_it_and_shows_usage(
    http_bot: TestServer, slack_api: FakeSlackApi
) -> None:
    body = slash_body("/sitrep", "<!channel> frobnicate", slack_api.response_url("r3"))
    resp = await post_events(http_bot, body, sign(SECRET, body, int(time.time())))
    assert resp.status == 200
    (reply,) = await slack_api.wait_responses("r3")
    assert "Unknown subcommand `&lt;!channel&gt;`" in reply["text"] and "/sitrep help" in reply["text"]


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(lambda body: sign("wrong-secret", body, int(time.time())), id="forged"),
        pytest.param(lambda body: sign(SECRET, body, int(time.time()) - 6 * 60), id="stale"),
        pytest.param(lambda body: {}, id="unsigned"),
    ],
)
async def test_bad_signatures_are_rejected(
    http_bot: TestServer, slack_api: FakeSlackApi, headers: Callable[[bytes], dict[str, str]]
) -> None:
    body = slash_body("/sitrep", "help", slack_api.response_url("r4"))
    resp = await post_events(http_bot, body, headers(body))
    assert resp.status == 401
    assert "r4" not in slack_api.responses


async def test_healthz(http_bot: TestServer) -> None:
    async with aiohttp.ClientSession() as session, session.get(http_bot.make_url("/healthz")) as resp:
        assert resp.status == 200
        assert (await resp.json())["ok"] is True


async def test_replayed_request_is_refused_and_logged(
    http_bot: TestServer, slack_api: FakeSlackApi, caplog: pytest.LogCaptureFixture
) -> None:
    body = slash_body("/sitrep", "help", slack_api.response_url("r5"))
    headers = sign(SECRET, body, int(time.time()))
    assert (await post_events(http_bot, body, headers)).status == 200
    await slack_api.wait_responses("r5")
    assert (await post_events(http_bot, body, headers)).status == 401
    assert "replayed" in caplog.text
    assert len(slack_api.responses["r5"]) == 1


async def test_forged_request_is_logged(
    http_bot: TestServer, slack_api: FakeSlackApi, caplog: pytest.LogCaptureFixture
) -> None:
    body = slash_body("/sitrep", "help", slack_api.response_url("r6"))
    assert (await post_events(http_bot, body, sign("not-the-secret", body, int(time.time())))).status == 401
    assert "bad, stale or missing signature" in caplog.text


async def test_the_in_memory_replay_guard_forgets_after_the_window() -> None:
    now = [0.0]
    guard = MemoryReplayGuard(window_seconds=300, clock=lambda: now[0])
    assert await guard.first_time("v0=a") and not await guard.first_time("v0=a")
    now[0] = 301.0
    assert await guard.first_time("v0=a")


async def test_the_stored_replay_guard_survives_a_restart_and_forgets_after_the_window(
    database_url: str,
) -> None:
    """Two stores on one database stand for a restart (or a second replica): a signature the first
    accepted is a replay to the second, until its window has passed."""
    now = [datetime(2026, 12, 6, 12, 0, tzinfo=UTC)]
    first = await Store.open(database_url)
    second = await Store.open(database_url)
    try:
        before = first.replay_guard(clock=lambda: now[0])
        after = second.replay_guard(clock=lambda: now[0])
        assert await before.first_time("v0=" + "a" * 64)
        assert not await after.first_time("v0=" + "a" * 64)
        now[0] += timedelta(minutes=11)
        assert await after.first_time("v0=" + "a" * 64)
    finally:
        await first.close()
        await second.close()


async def test_a_forged_signature_is_not_remembered(http_bot: TestServer, slack_api: FakeSlackApi) -> None:
    """Bolt refuses a forged request; the guard never records it, so the real request with that
    timestamp still gets through (a forger cannot block or fill it)."""
    body = slash_body("/sitrep", "help", slack_api.response_url("r9"))
    stamp = int(time.time())
    forged = sign("not-the-secret", body, stamp)
    for _ in range(2):
        refused = await post_events(http_bot, body, forged)
        assert refused.status == 401 and "replayed" not in await refused.text()  # bolt's refusal
    assert (await post_events(http_bot, body, sign(SECRET, body, stamp))).status == 200


async def test_oversized_command_is_refused_with_the_reason(
    http_bot: TestServer, slack_api: FakeSlackApi
) -> None:
    body = slash_body("/sitrep", "status " + "x " * 400, slack_api.response_url("r7"))
    assert (await post_events(http_bot, body, sign(SECRET, body, int(time.time())))).status == 200
    (reply,) = await slack_api.wait_responses("r7")
    assert "a command takes at most 500" in reply["text"] and "/sitrep help" in reply["text"]


async def test_watch_list_and_show(http_bot: TestServer, slack_api: FakeSlackApi) -> None:
    for rid, text in (("w1", "list"), ("w2", "show idlib"), ("w3", "show nowhere"), ("w4", "frobnicate")):
        body = slash_body("/watch", text, slack_api.response_url(rid))
        assert (await post_events(http_bot, body, sign(SECRET, body, int(time.time())))).status == 200
    (listing,) = await slack_api.wait_responses("w1")
    assert "*idlib* → <#C0IDLIB0001>" in listing["text"] and "no alert yet" in listing["text"]
    (shown,) = await slack_api.wait_responses("w2")
    assert "Saraqib" in shown["text"] and "channels: C0IDLIB0001" in shown["text"]
    assert shown["response_type"] == "ephemeral"
    (missing,) = await slack_api.wait_responses("w3")
    assert "no watchlist named 'nowhere' (known: idlib)" in missing["text"]
    assert "/watch list" in missing["text"]
    (unknown,) = await slack_api.wait_responses("w4")
    assert "unknown subcommand `frobnicate`" in unknown["text"]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"payload=not-json", "application/x-www-form-urlencoded"),
        (b"payload=%5B1%2C2%5D", "application/x-www-form-urlencoded"),  # a JSON list
        (b"payload=%22text%22", "application/x-www-form-urlencoded"),
        (b"[1, 2]", "application/json"),
        (b"{not json", "application/json"),
        (b"payload=%ff%fe", "application/x-www-form-urlencoded"),
    ],
)
async def test_a_signed_payload_that_is_no_json_object_gets_400_not_a_traceback(
    http_bot: TestServer, body: bytes, content_type: str, caplog: pytest.LogCaptureFixture
) -> None:
    resp = await post_events(http_bot, body, sign(SECRET, body, int(time.time())), content_type)
    assert resp.status == 400
    assert "Traceback" not in (await resp.text()) and "Traceback" not in caplog.text
    assert "refused a malformed Slack request" in caplog.text
