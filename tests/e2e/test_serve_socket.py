"""`python run.py` with a bot token and an app token: Socket Mode as a real process.

The fake Slack server hands out a websocket URL from apps.connections.open, like Slack does; the
test delivers a slash-command envelope over it and checks the acknowledgement and the reply.
"""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from tests.e2e.feeds import IDLIB_FIRST, config_toml, rss
from tests.e2e.process import bot_environment, read_until, start_bot
from tests.fakes.feed_server import FakeFeedServer
from tests.fakes.slack_api import DEFAULT_APP_TOKEN, DEFAULT_TOKEN, FakeSlackApi

ROOT = Path(__file__).resolve().parents[2]


async def test_socket_mode_connects_acks_commands_and_posts_alerts(
    tmp_path: Path, feed_server: FakeFeedServer, slack_api: FakeSlackApi, database_url: str
) -> None:
    feed_server.set_feed("wire.xml", rss(IDLIB_FIRST))
    (tmp_path / "sitrep.toml").write_text(config_toml(feed_server.url("wire.xml")), encoding="utf-8")
    env = bot_environment(tmp_path, slack_api, database_url, SLACK_APP_TOKEN=DEFAULT_APP_TOKEN)
    proc = await start_bot(tmp_path, env)
    log: list[str] = []
    try:
        assert proc.stderr is not None
        await asyncio.wait_for(read_until(proc.stderr, "Socket Mode connected", log), timeout=60)
        (alert,) = await slack_api.wait_messages("C0IDLIB0001")
        assert "at least 9 civilians killed" in alert["text"]
        ack = await slack_api.socket_send(
            {
                "envelope_id": "env-1",
                "type": "slash_commands",
                "accepts_response_payload": True,
                "payload": {
                    "command": "/sitrep",
                    "text": "help",
                    "user_id": "U1",
                    "team_id": "T0FAKE",
                    "channel_id": "C0IDLIB0001",
                    "response_url": slack_api.response_url("sock1"),
                },
            }
        )
        assert ack["envelope_id"] == "env-1"
        (reply,) = await slack_api.wait_responses("sock1")
        assert "/sitrep status" in reply["text"]
        assert DEFAULT_APP_TOKEN not in "".join(log) and DEFAULT_TOKEN not in "".join(log)
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(proc.wait(), timeout=30)
    assert code == 0
