"""Replicas as real processes: failover after kill -9 on PostgreSQL, and a second poller refused on SQLite.

Each replica is ``python run.py`` in HTTP mode against the test's feed server and fake Slack. Times
are measured from the kill to the first alert the new leader delivers; the target (#17) is that
polling resumes within 30 s, with nothing lost and nothing posted twice.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path

import pytest

from bot.adapters.feed_server import RssItem
from tests.e2e.feeds import IDLIB_FIRST, T0, config_toml, rss
from tests.e2e.process import bot_environment, read_until, start_bot
from tests.e2e.test_serve_http import free_port
from tests.fakes.feed_server import FakeFeedServer
from tests.fakes.slack_api import FakeSlackApi

CHANNEL = "C0IDLIB0001"
SARAQIB = RssItem(
    guid="lw-2001",
    title="Shelling kills four in Saraqib, Idlib province",
    description="Artillery struck a residential street in Saraqib, east of Idlib city, killing four people.",
    link="https://levantwire.example/2026/11/24/saraqib-shelling",
    published=T0 + timedelta(hours=3),
)


async def start_replica(
    tmp_path: Path, slack: FakeSlackApi, database_url: str, log: list[str]
) -> asyncio.subprocess.Process:
    env = bot_environment(
        tmp_path, slack, database_url, SLACK_SIGNING_SECRET="replica-secret", PORT=str(free_port())
    )
    proc = await start_bot(tmp_path, env)
    assert proc.stderr is not None
    await asyncio.wait_for(read_until(proc.stderr, "HTTP mode", log), timeout=60)
    return proc


async def stop(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.kill()
    await proc.wait()


@pytest.mark.postgres
async def test_a_replica_takes_over_within_seconds_of_the_leader_being_killed(
    tmp_path: Path, feed_server: FakeFeedServer, slack_api: FakeSlackApi, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("replicas share a PostgreSQL database; SQLite allows one poller")
    feed_server.set_feed("wire.xml", rss(IDLIB_FIRST))
    config = config_toml(feed_server.url("wire.xml"), CHANNEL).replace("interval = 300", "interval = 2")
    (tmp_path / "sitrep.toml").write_text(config, encoding="utf-8")
    leader_log: list[str] = []
    follower_log: list[str] = []
    leader = await start_replica(tmp_path, slack_api, database_url, leader_log)
    follower = None
    try:
        assert any("now leads polling" in line for line in leader_log), leader_log
        await slack_api.wait_messages(CHANNEL, 1, within=30)
        follower = await start_replica(tmp_path, slack_api, database_url, follower_log)
        assert any("another process leads polling" in line for line in follower_log), follower_log
        polls_before = len(feed_server.requests_to("wire.xml"))

        leader.kill()
        await leader.wait()
        killed_at = time.monotonic()
        feed_server.set_feed("wire.xml", rss(IDLIB_FIRST, SARAQIB))
        assert follower.stderr is not None
        await asyncio.wait_for(read_until(follower.stderr, "now leads polling", follower_log), timeout=30)
        await slack_api.wait_messages(CHANNEL, 2, within=30)
        failover = time.monotonic() - killed_at
        print(f"failover: {failover:.1f} s from kill -9 to the new leader's first alert")
        assert failover < 30, failover
        assert len(feed_server.requests_to("wire.xml")) > polls_before

        # Nothing lost, nothing twice: one post per event, none repeated by the new leader.
        texts = [m["text"] for m in slack_api.messages_in(CHANNEL) if m.get("thread_ts") is None]
        assert len(texts) == 2, texts
        assert sum("Saraqib" in t for t in texts) == 1
    finally:
        await stop(leader)
        if follower is not None:
            await stop(follower)


async def test_a_second_poller_on_one_sqlite_database_is_refused(
    tmp_path: Path, feed_server: FakeFeedServer, slack_api: FakeSlackApi, database_url: str
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL takes replicas")
    feed_server.set_feed("wire.xml", rss(IDLIB_FIRST))
    (tmp_path / "sitrep.toml").write_text(config_toml(feed_server.url("wire.xml"), CHANNEL), encoding="utf-8")
    log: list[str] = []
    first = await start_replica(tmp_path, slack_api, database_url, log)
    try:
        env = bot_environment(tmp_path, slack_api, database_url, SLACK_SIGNING_SECRET="replica-secret")
        second = await start_bot(tmp_path, env, "poll", "--once")
        _, err = await asyncio.wait_for(second.communicate(), timeout=60)
        assert second.returncode == 2
        message = err.decode()
        assert "in use by another Sitrep process" in message and f"pid {first.pid}" in message
        assert "Traceback" not in message
        assert len(slack_api.messages_in(CHANNEL)) <= 1  # the second process posted nothing
    finally:
        await stop(first)
