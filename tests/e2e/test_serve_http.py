"""`python run.py` with a bot token and signing secret: HTTP mode as a real process.

The process polls the feed on its own schedule and posts to the fake Slack Web API, answers
signed slash commands on POST /slack/events, reports health on GET /healthz, and stops cleanly
on SIGTERM.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import time
from pathlib import Path
from urllib.parse import urlencode

import aiohttp

from tests.e2e.feeds import IDLIB_FIRST, config_toml, rss
from tests.e2e.process import bot_environment, read_until, start_bot
from tests.fakes.feed_server import FakeFeedServer
from tests.fakes.slack_api import DEFAULT_TOKEN, FakeSlackApi
from tests.fakes.slack_signing import sign

ROOT = Path(__file__).resolve().parents[2]
SECRET = "serve-test-signing-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_http_mode_serves_commands_health_and_alerts(
    tmp_path: Path, feed_server: FakeFeedServer, slack_api: FakeSlackApi, database_url: str
) -> None:
    feed_server.set_feed("wire.xml", rss(IDLIB_FIRST))
    (tmp_path / "sitrep.toml").write_text(config_toml(feed_server.url("wire.xml")), encoding="utf-8")
    port = free_port()
    env = bot_environment(tmp_path, slack_api, database_url, SLACK_SIGNING_SECRET=SECRET, PORT=str(port))
    proc = await start_bot(tmp_path, env)
    log: list[str] = []
    try:
        assert proc.stderr is not None
        await asyncio.wait_for(read_until(proc.stderr, "HTTP mode", log), timeout=60)
        assert DEFAULT_TOKEN not in "".join(log)
        (alert,) = await slack_api.wait_messages("C0IDLIB0001")
        assert "at least 9 civilians killed" in alert["text"]

        base = f"http://127.0.0.1:{port}"
        body = urlencode(
            {
                "command": "/sitrep",
                "text": "status",
                "user_id": "U1",
                "team_id": "T0FAKE",
                "channel_id": "C0IDLIB0001",
                "response_url": slack_api.response_url("s1"),
            }
        ).encode()
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{base}/healthz") as resp:
                health = await resp.json()
                assert resp.status == 200 and health["ok"] is True and health["status"] == "ok"
                assert health["feeds"] == 1 and health["failing_feeds"] == 0
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                **sign(SECRET, body, int(time.time())),
            }
            async with http.post(f"{base}/slack/events", data=body, headers=headers) as resp:
                assert resp.status == 200
            forged = {
                "Content-Type": "application/x-www-form-urlencoded",
                **sign("nope", body, int(time.time())),
            }
            async with http.post(f"{base}/slack/events", data=body, headers=forged) as resp:
                assert resp.status == 401
        (reply,) = await slack_api.wait_responses("s1")
        assert "Levant Wire" in reply["text"]
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(proc.wait(), timeout=30)
    assert code == 0


async def test_a_token_slack_refuses_stops_start_up_with_slacks_error_code(
    tmp_path: Path, feed_server: FakeFeedServer, slack_api: FakeSlackApi, database_url: str
) -> None:
    (tmp_path / "sitrep.toml").write_text(config_toml(feed_server.url("wire.xml")), encoding="utf-8")
    env = bot_environment(
        tmp_path, slack_api, database_url, SLACK_SIGNING_SECRET=SECRET, PORT=str(free_port())
    )
    env["SLACK_BOT_TOKEN"] = "xoxb-revoked-or-mistyped"
    proc = await start_bot(tmp_path, env)
    _, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == 2
    message = err.decode()
    assert "invalid_auth" in message and "check SLACK_BOT_TOKEN" in message
    assert "xoxb-revoked-or-mistyped" not in message and "Traceback" not in message
