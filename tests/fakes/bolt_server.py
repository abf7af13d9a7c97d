"""The bot for Slack-facing tests: its runtime wired to the fake Slack, and the bolt app served over
real HTTP as ``python run.py`` serves it in HTTP mode."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from aiohttp.test_utils import TestServer
from slack_sdk.web.async_client import AsyncWebClient

import run
from bot.adapters.slack_sink import SlackSink, make_web_client
from bot.adapters.store import FeedSpec
from bot.core.gazetteer import Gazetteer
from bot.slack_app import build_app, http_application
from config.settings import Settings, load_settings
from handlers.context import Services
from run import Runtime
from tests.e2e.feeds import config_toml
from tests.fakes.slack_api import DEFAULT_TOKEN


async def _healthy() -> dict[str, object]:
    return {"ok": True}


@contextlib.asynccontextmanager
async def serve_app(client: AsyncWebClient, services: Services, secret: str) -> AsyncIterator[TestServer]:
    """The app with every listener, verifying request signatures against ``secret``, on a local port."""
    app = build_app(client=client, signing_secret=secret, services=services, verify_requests=True)
    server = TestServer(
        http_application(app, _healthy, replay_guard=services.store.replay_guard(), signing_secret=secret)
    )
    await server.start_server()
    try:
        yield server
    finally:
        await server.close()


def bot_settings(config: Path, feed_url: str, secret: str) -> Settings:
    """Write a config polling ``feed_url`` to ``config`` and load it with a bot token and ``secret``."""
    config.write_text(config_toml(feed_url), encoding="utf-8")
    return load_settings(str(config), {"SLACK_BOT_TOKEN": DEFAULT_TOKEN, "SLACK_SIGNING_SECRET": secret})


@dataclass(frozen=True, slots=True)
class SlackRuntime:
    """A running bot wired to the fake Slack: the composition root's runtime plus what tests reach for."""

    runtime: Runtime
    client: AsyncWebClient
    specs: list[FeedSpec]


@contextlib.asynccontextmanager
async def slack_runtime(
    settings: Settings,
    slack_url: str,
    database_url: str,
    gazetteer: Gazetteer,
    clock: Callable[[], datetime] | None = None,
) -> AsyncIterator[SlackRuntime]:
    """``run.runtime`` on ``settings``, with alerts going to the fake Slack at ``slack_url``."""
    client = make_web_client(DEFAULT_TOKEN, slack_url)
    specs = run.feed_specs(settings)
    extra = {} if clock is None else {"clock": clock}
    async with run.runtime(
        settings, sink=SlackSink(client), feeds=specs, database_url=database_url, gazetteer=gazetteer, **extra
    ) as rt:
        yield SlackRuntime(rt, client, specs)
