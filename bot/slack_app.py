"""The Slack side of the process: the bolt AsyncApp and the two ways of connecting it.

Socket Mode (``SLACK_APP_TOKEN``) opens a websocket to Slack; HTTP mode serves ``POST
/slack/events`` (signed requests only; bolt verifies the signature) and ``GET /healthz`` on
``PORT``. The Web API base URL comes from ``SLACK_API_URL`` so both work against any
Slack-compatible server, including the fake one in our tests.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

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


def malformed_body(body: bytes, content_type: str) -> str | None:
    """Why bolt could not read this request body, or None when it can.

    Bolt parses an interactive ``payload`` form field and an Events API body as JSON and fails with
    an exception (HTTP 500 and a traceback) when either is not a JSON object; such a request gets a
    plain 400 instead."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "the body is not UTF-8"
    if content_type.split(";", 1)[0].strip().lower() == "application/json":
        raw: str | None = text
    else:
        payload = parse_qs(text, keep_blank_values=True).get("payload")
        raw = payload[0] if payload else None
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return "the payload is not JSON"
    return None if isinstance(value, dict) else "the payload is not a JSON object"


def http_application(
    app: AsyncApp, health: HealthCheck, replay_guard: ReplayGuard | None = None
) -> web.Application:
    guard = replay_guard or ReplayGuard()

    async def events(request: web.Request) -> web.Response:
        signature = request.headers.get("X-Slack-Signature", "")
        if signature and not guard.first_time(signature):
            log.warning("refused a replayed Slack request from %s", request.remote)
            return web.Response(status=401, text="replayed request")
        problem = malformed_body(await request.read(), request.headers.get("Content-Type", ""))
        if problem is not None:
            log.warning("refused a malformed Slack request from %s: %s", request.remote, problem)
            return web.Response(status=400, text=f"malformed request: {problem}")
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
