"""GET /metrics: a real poll of the local feed server into the fake Slack, scraped over real HTTP and
read with prometheus_client's own parser."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families

import run
from bot.adapters.metrics import Metrics, ops_application
from bot.core.gazetteer import Gazetteer
from bot.scheduler import Poller
from config.settings import load_settings
from tests.e2e.feeds import IDLIB_FIRST, UNRELATED, config_toml, rss
from tests.fakes.bolt_server import slack_runtime
from tests.fakes.feed_server import FakeFeedServer
from tests.fakes.slack_api import DEFAULT_TOKEN, FakeSlackApi

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    """Every sample as (name, labels) → value; the parser rejects anything malformed."""
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, frozenset(labels.items()))]


@contextlib.asynccontextmanager
async def served(metrics: Metrics, health: run.HealthCheck) -> AsyncIterator[str]:
    runner = web.AppRunner(ops_application(metrics, health))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def scrape(base: str, accept: str = "") -> tuple[str, str]:
    headers = {"Accept": accept} if accept else {}
    async with aiohttp.ClientSession() as http, http.get(f"{base}/metrics", headers=headers) as resp:
        assert resp.status == 200
        return resp.headers["Content-Type"], await resp.text()


async def test_metrics_count_a_real_poll_and_delivery(
    tmp_path: Path,
    feed_server: FakeFeedServer,
    slack_api: FakeSlackApi,
    database_url: str,
    gazetteer: Gazetteer,
) -> None:
    feed_server.set_feed("wire.xml", rss(IDLIB_FIRST, UNRELATED))
    config = config_toml(feed_server.url("wire.xml")) + (
        f'\n[[feeds]]\nurl = "{feed_server.url("_/status/404")}"\nname = "Gone Wire"\ninterval = 300\n'
    )
    (tmp_path / "sitrep.toml").write_text(config, encoding="utf-8")
    settings = load_settings(str(tmp_path / "sitrep.toml"), {"SLACK_BOT_TOKEN": DEFAULT_TOKEN})
    async with slack_runtime(settings, slack_api.url, database_url, gazetteer) as bot:
        rt = bot.runtime
        poller = rt.poller
        assert isinstance(poller, Poller)
        health = run.health_check(rt.store, lambda: True, lambda: True)
        async with served(rt.metrics, health) as base:
            _, before = await scrape(base)
            assert value(parse(before), "sitrep_outbox_messages", status="pending") == 0
            assert value(parse(before), "sitrep_leader") == 1

            results = await poller.poll_all()
            assert {r.feed_id for r in results} == {"levant-wire", "gone-wire"}
            await poller.drain()
            (alert,) = slack_api.messages_in("C0IDLIB0001")
            assert "at least 9 civilians killed" in alert["text"]

            content_type, text = await scrape(base)
            assert content_type.startswith("text/plain; version=")
            m = parse(text)
            assert value(m, "sitrep_polls_total", feed="levant-wire", outcome="new") == 1
            assert value(m, "sitrep_polls_total", feed="gone-wire", outcome="error") == 1
            assert value(m, "sitrep_fetch_errors_total", feed="gone-wire") == 1
            assert ("sitrep_fetch_errors_total", frozenset({("feed", "levant-wire")})) not in m
            assert value(m, "sitrep_items_total", feed="levant-wire") == 2
            assert value(m, "sitrep_matches_total", feed="levant-wire") == 1  # not the rates story
            assert value(m, "sitrep_tiers_total", watchlist="idlib", tier="push") == 1
            assert value(m, "sitrep_alerts_queued_total", feed="levant-wire") == 1
            assert value(m, "sitrep_alerts_total", outcome="posted") == 1
            assert value(m, "sitrep_alerts_total", outcome="failed") == 0
            assert value(m, "sitrep_outbox_messages", status="sent") == 1
            assert value(m, "sitrep_outbox_messages", status="pending") == 0
            assert value(m, "sitrep_poll_round_duration_seconds_count") == 1
            assert value(m, "sitrep_poll_round_duration_seconds_sum") > 0
            assert value(m, "sitrep_leader") == 1

            open_metrics, text = await scrape(base, "application/openmetrics-text; version=1.0.0")
            assert open_metrics.startswith("application/openmetrics-text") and text.endswith("# EOF\n")


async def test_a_parked_post_and_the_outbox_show_in_the_metrics(
    tmp_path: Path,
    feed_server: FakeFeedServer,
    slack_api: FakeSlackApi,
    database_url: str,
    gazetteer: Gazetteer,
) -> None:
    feed_server.set_feed("wire.xml", rss(IDLIB_FIRST))
    (tmp_path / "sitrep.toml").write_text(config_toml(feed_server.url("wire.xml")), encoding="utf-8")
    settings = load_settings(str(tmp_path / "sitrep.toml"), {"SLACK_BOT_TOKEN": DEFAULT_TOKEN})
    slack_api.fail_next("chat.postMessage", error="channel_not_found")  # permanent: parked
    async with slack_runtime(settings, slack_api.url, database_url, gazetteer) as bot:
        poller = bot.runtime.poller
        assert isinstance(poller, Poller)
        await poller.poll_all()
        await poller.drain()
        async with served(
            bot.runtime.metrics, run.health_check(bot.runtime.store, lambda: True, lambda: True)
        ) as base:
            m = parse((await scrape(base))[1])
    assert value(m, "sitrep_alerts_total", outcome="parked") == 1
    assert value(m, "sitrep_alerts_total", outcome="posted") == 0
    assert value(m, "sitrep_outbox_messages", status="parked") == 1


def test_each_runtime_has_its_own_registry() -> None:
    first, second = Metrics(leading=lambda: False), Metrics()
    assert first.registry is not second.registry
    assert second.registry.get_sample_value("sitrep_leader") == 1
    assert first.registry.get_sample_value("sitrep_leader") == 0
