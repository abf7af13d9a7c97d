"""Requests as Slack sends them to the app: slash-command bodies and really signed HTTP posts."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp.test_utils import TestServer

from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_signing import sign


def slash_body(command: str, text: str, response_url: str, *, user: str = "U0DESK1") -> bytes:
    """The form body of a slash command from channel C0IDLIB0001."""
    return urlencode(
        {
            "command": command,
            "text": text,
            "user_id": user,
            "user_name": "desk",
            "team_id": "T0FAKE",
            "channel_id": "C0IDLIB0001",
            "response_url": response_url,
            "trigger_id": "1.2.3",
        }
    ).encode()


def block_actions_body(
    action_id: str,
    value: str,
    *,
    user: str,
    container: dict[str, Any],
    response_url: str | None = None,
    channel: str | None = None,
    block_id: str = "actions",
    view: dict[str, Any] | None = None,
) -> bytes:
    """The form body of a button click (``block_actions``) on a message or a view."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "api_app_id": "A0SITREP",
        "token": "legacy-unused",
        "trigger_id": "4.5.6",
        "user": {"id": user, "username": "desk", "team_id": "T0FAKE"},
        "team": {"id": "T0FAKE", "domain": "sitrep-test"},
        "container": container,
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": block_id,
                "value": value,
                "action_ts": "1700000001.000002",
            }
        ],
    }
    if channel is not None:
        payload["channel"] = {"id": channel, "name": "desk"}
    if response_url is not None:
        payload["response_url"] = response_url
    if view is not None:
        payload["view"] = view
    return urlencode({"payload": json.dumps(payload)}).encode()


def app_home_opened_body(user: str) -> bytes:
    """The Events API callback Slack sends when ``user`` opens the app's Home tab (JSON)."""
    return json.dumps(
        {
            "token": "legacy-unused",
            "team_id": "T0FAKE",
            "api_app_id": "A0SITREP",
            "type": "event_callback",
            "event_id": f"Ev{time.monotonic_ns()}",
            "event_time": int(time.time()),
            "event": {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home"},
        }
    ).encode()


async def post_events(
    server: TestServer,
    body: bytes,
    headers: dict[str, str],
    content_type: str = "application/x-www-form-urlencoded",
) -> aiohttp.ClientResponse:
    """POST ``body`` to /slack/events with ``headers`` (e.g. a signature); the response is read.
    Commands and interactions are forms; Events API callbacks are ``application/json``."""
    async with aiohttp.ClientSession() as session:
        resp = await session.post(
            server.make_url("/slack/events"),
            data=body,
            headers={"Content-Type": content_type, **headers},
        )
        await resp.read()
        return resp


async def post_signed(server: TestServer, body: bytes, secret: str) -> tuple[int, float]:
    """POST ``body`` signed with ``secret`` now; (status, seconds until the acknowledgement)."""
    started = time.monotonic()
    resp = await post_events(server, body, sign(secret, body, int(time.time())))
    return resp.status, time.monotonic() - started


async def ask(
    server: TestServer,
    slack: FakeSlackApi,
    secret: str,
    command: str,
    text: str,
    *,
    rid: str,
    user: str,
    within: float = 3.0,
) -> str:
    """Send a really signed ``command text`` as ``user`` and return the ephemeral reply's text,
    checking what every command owes its user: an answer within ``within`` seconds, private, and
    never a stack trace."""
    body = slash_body(command, text, slack.response_url(rid), user=user)
    started = time.monotonic()
    status, _ = await post_signed(server, body, secret)
    assert status == 200
    (reply,) = await slack.wait_responses(rid)
    assert time.monotonic() - started < within
    assert reply["response_type"] == "ephemeral"
    assert "Traceback" not in reply["text"]
    answer: str = reply["text"]
    return answer
