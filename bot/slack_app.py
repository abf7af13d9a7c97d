"""The Slack side of the process: the bolt AsyncApp and the two ways of connecting it.

Socket Mode (``SLACK_APP_TOKEN``) opens a websocket to Slack; HTTP mode serves ``POST
/slack/events`` (signed requests only; bolt verifies the signature) and ``GET /healthz`` on
``PORT``. The Web API base URL comes from ``SLACK_API_URL`` so both work against any
Slack-compatible server, including the fake one in our tests.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

import handlers
from bot.adapters.replay_guard import MemoryReplayGuard, ReplayGuard
from bot.errors import StoreError
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
    app: AsyncApp,
    health: HealthCheck,
    replay_guard: ReplayGuard | None = None,
    signing_secret: str | None = None,
) -> web.Application:
    """``POST /slack/events`` and ``GET /healthz``. A request whose signature verifies against
    ``signing_secret`` is recorded by ``replay_guard`` (``bot.adapters.replay_guard``); a second
    delivery of it gets a 401. Bolt verifies every request again and answers the rest."""
    guard = replay_guard or MemoryReplayGuard()
    verifier = SignatureVerifier(signing_secret) if signing_secret else None

    async def events(request: web.Request) -> web.Response:
        body = await request.read()
        signature = request.headers.get("X-Slack-Signature", "")
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        # Only a request that verifies is remembered: forged ones cannot fill the guard's memory.
        if signature and (verifier is None or verifier.is_valid(body, timestamp, signature)):
            try:
                first = await guard.first_time(signature)
            except StoreError as e:
                log.error("could not check a Slack request against replays: %s", e)
                return web.Response(status=503, text="try again shortly")  # Slack retries
            if not first:
                log.warning("refused a replayed Slack request from %s", request.remote)
                return web.Response(status=401, text="replayed request")
        problem = malformed_body(body, request.headers.get("Content-Type", ""))
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
