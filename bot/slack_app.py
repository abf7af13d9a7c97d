"""The Slack side of the process: the bolt AsyncApp and the two ways of connecting it.

Socket Mode (``SLACK_APP_TOKEN``) opens a websocket to Slack; HTTP mode serves ``POST
/slack/events`` (signed requests only; bolt verifies the signature) and ``GET /healthz`` on
``PORT``. The Web API base URL comes from ``SLACK_API_URL`` so both work against any
Slack-compatible server, including the fake one in our tests.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

import handlers
from handlers.context import Services

log = logging.getLogger(__name__)
HealthCheck = Callable[[], Awaitable[dict[str, Any]]]


def build_app(
    *, client: AsyncWebClient, signing_secret: str | None, services: Services, verify_requests: bool
) -> AsyncApp:
    app = AsyncApp(
        client=client,
        signing_secret=signing_secret or "",
        request_verification_enabled=verify_requests,
        process_before_response=False,
        logger=logging.getLogger("sitrep.bolt"),
    )
    handlers.register(app, services)
    return app


def http_application(app: AsyncApp, health: HealthCheck) -> web.Application:
    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    async def healthz(_: web.Request) -> web.Response:
        body = await health()
        return web.json_response(body, status=200 if body.get("ok") else 503)

    web_app = web.Application(client_max_size=1024 * 1024)
    web_app.router.add_post("/slack/events", events)
    web_app.router.add_get("/healthz", healthz)
    return web_app
