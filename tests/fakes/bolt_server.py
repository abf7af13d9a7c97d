"""The bolt app served over real HTTP for tests, as ``python run.py`` serves it in HTTP mode."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from aiohttp.test_utils import TestServer
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack_app import build_app, http_application
from handlers.context import Services


async def _healthy() -> dict[str, object]:
    return {"ok": True}


@contextlib.asynccontextmanager
async def serve_app(client: AsyncWebClient, services: Services, secret: str) -> AsyncIterator[TestServer]:
    """The app with every listener, verifying request signatures against ``secret``, on a local port."""
    app = build_app(client=client, signing_secret=secret, services=services, verify_requests=True)
    server = TestServer(http_application(app, _healthy))
    await server.start_server()
    try:
        yield server
    finally:
        await server.close()
