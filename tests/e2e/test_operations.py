"""Operating `python run.py` as a real process: /metrics in every mode, and a clean stop on SIGINT and
SIGTERM (exit 130 and 0, never a traceback, queued messages left in the outbox)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from bot.adapters.store import Store
from tests.e2e.feeds import IDLIB_FIRST, config_toml, rss
from tests.e2e.process import ROOT, bot_environment, read_until, start_bot
from tests.e2e.test_serve_http import SECRET, free_port
from tests.fakes.feed_server import FakeFeedServer
from tests.fakes.slack_api import DEFAULT_APP_TOKEN, FakeSlackApi


async def scrape(port: int) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/metrics") as resp:
        assert resp.status == 200
        text = await resp.text()
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def scrape_until(port: int, name: str, labels: dict[str, str], at_least: float, within: float = 30):
    """Scrape until the sample reaches ``at_least`` (the count follows the event by a moment)."""
    key = (name, frozenset(labels.items()))
    deadline = time.monotonic() + within
    while True:
        samples = await scrape(port)
        if samples.get(key, 0) >= at_least or time.monotonic() > deadline:
            return samples
        await asyncio.sleep(0.1)


async def healthz(port: int) -> int:
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/healthz") as resp:
        return resp.status


async def stop(proc: asyncio.subprocess.Process, sig: signal.Signals) -> tuple[int, str, str]:
    proc.send_signal(sig)
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_http_mode_serves_metrics_on_its_port_and_stops_on_sigterm(
    tmp_path: Path, feed_server: FakeFeedServer, slack_api: FakeSlackApi, database_url: str
) -> None:
    feed_server.set_feed("wire.xml", rss(IDLIB_FIRST))
    (tmp_path / "sitrep.toml").write_text(config_toml(feed_server.url("wire.xml")), encoding="utf-8")
    port = free_port()
    env = bot_environment(tmp_path, slack_api, database_url, SLACK_SIGNING_SECRET=SECRET, PORT=str(port))
    proc = await start_bot(tmp_path, env)
    try:
        assert proc.stderr is not None
        await asyncio.wait_for(read_until(proc.stderr, "HTTP mode", []), timeout=60)
        await slack_api.wait_messages("C0IDLIB0001")
        m = await scrape_until(port, "sitrep_alerts_total", {"outcome": "posted"}, 1)
        assert m[("sitrep_alerts_total", frozenset({("outcome", "posted")}))] == 1
        assert m[("sitrep_polls_total", frozenset({("feed", "levant-wire"), ("outcome", "new")}))] == 1
        assert m[("sitrep_leader", frozenset())] == 1
    finally:
        code, _, err = await stop(proc, signal.SIGTERM)
    assert code == 0, err
    assert "Traceback" not in err


async def test_socket_mode_serves_metrics_on_metrics_port_and_sigint_leaves_the_outbox(
    tmp_path: Path, feed_server: FakeFeedServer, slack_api: FakeSlackApi, database_url: str
) -> None:
    feed_server.set_feed("wire.xml", rss(IDLIB_FIRST))
    (tmp_path / "sitrep.toml").write_text(config_toml(feed_server.url("wire.xml")), encoding="utf-8")
    slack_api.fail_next("chat.postMessage", 1000, error="ratelimited")  # Slack holds every alert back
    metrics_port = free_port()
    env = bot_environment(
        tmp_path, slack_api, database_url, SLACK_APP_TOKEN=DEFAULT_APP_TOKEN, METRICS_PORT=str(metrics_port)
    )
    proc = await start_bot(tmp_path, env)
    try:
        assert proc.stderr is not None
        await asyncio.wait_for(read_until(proc.stderr, "again in", []), timeout=60)
        m = await scrape_until(metrics_port, "sitrep_alerts_total", {"outcome": "retry"}, 1)
        assert m[("sitrep_alerts_total", frozenset({("outcome", "retry")}))] >= 1
        # queued: waiting for its retry, or being tried again at this moment
        queued = sum(
            m[("sitrep_outbox_messages", frozenset({("status", s)}))] for s in ("pending", "sending")
        )
        assert queued == 1
        assert await healthz(metrics_port) == 200
    finally:
        code, _, err = await stop(proc, signal.SIGINT)
    assert code == 130, err
    assert "Traceback" not in err and "SIGINT: stopping" in err
    assert slack_api.messages_in("C0IDLIB0001") == []
    store = await Store.open(database_url)
    try:
        # the alert waits for the next start (claimed when the stop came: Slack is asked first then)
        assert await store.outbox_counts() in ({"pending": 1}, {"sending": 1})
    finally:
        await store.close()


def demo_environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_") and k != "DATABASE_URL"}
    return {**env, **extra}


async def start_demo(env: dict[str, str], *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "run.py"), "demo", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def test_demo_ctrl_c_during_the_replay_exits_130_without_a_traceback() -> None:
    proc = await start_demo(demo_environment(), "--pause", "0.5")
    assert proc.stdout is not None
    # The first alert on screen: the replay is under way, polls, triage and the database busy.
    await asyncio.wait_for(read_until(proc.stdout, "  ts=", []), timeout=90)
    # Ctrl+C pressed three times, as impatient people do: the later ones must not cut the clean-up.
    proc.send_signal(signal.SIGINT)
    proc.send_signal(signal.SIGINT)
    code, _, err = await stop(proc, signal.SIGINT)
    assert code == 130, err
    assert "Traceback" not in err and "Error" not in err


async def test_demo_stops_on_sigterm_with_exit_0_and_serves_metrics_on_metrics_port() -> None:
    port = free_port()
    proc = await start_demo(demo_environment(METRICS_PORT=str(port)), "--pause", "0", "--step-hours", "24")
    assert proc.stdout is not None
    await asyncio.wait_for(read_until(proc.stdout, "Replay done", []), timeout=90)
    m = await scrape(port)
    assert m[("sitrep_alerts_total", frozenset({("outcome", "posted")}))] > 0
    assert m[("sitrep_outbox_messages", frozenset({("status", "pending")}))] == 0
    assert await healthz(port) == 200
    code, _, err = await stop(proc, signal.SIGTERM)
    assert code == 0, err
    assert "Traceback" not in err
