"""The Slack side of the process: the bolt AsyncApp and the two ways of connecting it.

Socket Mode (``SLACK_APP_TOKEN``) opens a websocket to Slack; HTTP mode serves ``POST
/slack/events`` (signed requests only; bolt verifies the signature) and ``GET /healthz`` on
``PORT``. The Web API base URL comes from ``SLACK_API_URL`` so both work against any
Slack-compatible server, including the fake one in our tests.
"""

from __future__ import annotations

import logging
import time
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


class ReplayGuard:
    """Refuses a request whose signature was already accepted within Slack's 5-minute window.

    Bolt checks the HMAC and the timestamp; a captured request could still be sent again within
    those five minutes. Slack signs every delivery anew (retries carry a new timestamp), so a
    repeated signature is a replay. Memory is bounded by the window: entries expire with it.
    """

    def __init__(self, window_seconds: float = 300.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._window = window_seconds
        self._clock = clock
        self._seen: dict[str, float] = {}

    def first_time(self, signature: str) -> bool:
        now = self._clock()
        if len(self._seen) > 10_000 or (self._seen and next(iter(self._seen.values())) < now):
            self._seen = {s: t for s, t in self._seen.items() if t >= now}
        if signature in self._seen:
            return False
        self._seen[signature] = now + self._window
        return True


def http_application(
    app: AsyncApp, health: HealthCheck, replay_guard: ReplayGuard | None = None
) -> web.Application:
    guard = replay_guard or ReplayGuard()

    async def events(request: web.Request) -> web.Response:
        signature = request.headers.get("X-Slack-Signature", "")
        if signature and not guard.first_time(signature):
            log.warning("refused a replayed Slack request from %s", request.remote)
            return web.Response(status=401, text="replayed request")
        response = await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))
        if response.status == 401:
            log.warning("refused a Slack request from %s: bad, stale or missing signature", request.remote)
        return response

    async def healthz(_: web.Request) -> web.Response:
        body = await health()
        return web.json_response(body, status=200 if body.get("ok") else 503)

    web_app = web.Application(client_max_size=1024 * 1024)
    web_app.router.add_post("/slack/events", events)
    web_app.router.add_get("/healthz", healthz)
    return web_app
