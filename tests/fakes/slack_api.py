"""A local fake of the Slack Web API for tests, driven by the real ``slack_sdk`` client.

It listens on 127.0.0.1 on a free port; point an ``AsyncWebClient`` at ``server.url`` (which ends
in "/", since the SDK joins base_url + method name). It answers the methods Sitrep uses, records
every call in ``server.calls``, checks the bearer token, keeps posted messages, captures replies
sent to ``response_url(id)``, serves shared files (``add_file``) to requests carrying the bot token,
and can be told to fail the next calls of a method with a 429
(Retry-After), a 500 or a Slack error code, to answer 429 to every call of a method while a storm
lasts (``start_storm``/``end_storm``), to answer every call ``latency`` seconds late, and to run a
test's hook before or after a call (``before_call``/``after_call``: a kill -9 at a chosen moment).

Use the ``slack_api`` fixture (import it into a test module or conftest) or ``FakeSlackApi`` directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest_asyncio
from aiohttp import web

from tests.fakes.local_http import serve

DEFAULT_TOKEN = "xoxb-fake-test-token"
DEFAULT_APP_TOKEN = "xapp-fake-test-token"
_JSON_PARAMS = ("blocks", "view", "attachments", "metadata")

Handler = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
RetryAfter = float | str | Callable[[], str]
"""A Retry-After value: seconds (fractions too), any text, or a function giving the text at the moment
of the answer (an HTTP date a few seconds ahead)."""


def http_date_in(seconds: float) -> Callable[[], str]:
    """A Retry-After that is an HTTP date ``seconds`` after the moment it is sent (whole seconds, as
    HTTP dates have no fractions)."""

    def value() -> str:
        return format_datetime(datetime.now(UTC) + timedelta(seconds=seconds), usegmt=True)

    return value


@dataclass(frozen=True)
class Call:
    """One Web API request as the server saw it."""

    method: str
    params: dict[str, Any]
    auth: str | None


@dataclass
class Failure:
    """How to fail one upcoming call: an HTTP status (429/500/503) or a Slack error code."""

    status: int = 429
    after_storing: str | None = None
    """Do the call first, then fail the answer: "reset" drops the connection, "slow" answers after
    ``delay`` seconds (past the client's timeout) — the outcomes a client cannot tell from a failure."""
    delay: float = 0.0
    retry_after: float | str = 1
    """The Retry-After header: seconds (fractions too) or any text, to test what clients make of it."""
    error: str | None = None


@dataclass
class FakeUser:
    id: str
    name: str = "user"
    real_name: str = "Test User"
    is_admin: bool = False
    is_owner: bool = False
    tz: str = "UTC"

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "team_id": "T0FAKE",
            "name": self.name,
            "real_name": self.real_name,
            "is_admin": self.is_admin,
            "is_owner": self.is_owner,
            "is_bot": False,
            "deleted": False,
            "tz": self.tz,
            "profile": {"real_name": self.real_name, "display_name": self.name},
        }


@dataclass
class FakeSlackApi:
    """The fake server. ``channels`` None means every channel exists; a set restricts them."""

    token: str = DEFAULT_TOKEN
    app_token: str = DEFAULT_APP_TOKEN
    channels: set[str] | None = None
    users: dict[str, FakeUser] = field(default_factory=dict)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    ephemerals: list[dict[str, Any]] = field(default_factory=list)
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    home_views: dict[str, dict[str, Any]] = field(default_factory=dict)
    responses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _failures: dict[str, deque[Failure]] = field(default_factory=dict)
    _seq: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    socket_acks: list[dict[str, Any]] = field(default_factory=list)
    file_bodies: dict[str, bytes] = field(default_factory=dict)
    file_redirects: dict[str, str] = field(default_factory=dict)
    downloads: list[Call] = field(default_factory=list)
    _sockets: list[web.WebSocketResponse] = field(default_factory=list)
    _arrivals: asyncio.Event = field(default_factory=asyncio.Event)
    _answered: list[str] = field(default_factory=list)
    after_call: dict[str, Callable[[], Awaitable[None]]] = field(default_factory=dict)
    """Run once after the next call of a method is carried out, before it is answered: the moment
    something else can go wrong (the bot's database refusing to record the post, say)."""
    before_call: dict[str, Callable[[], Awaitable[bool]]] = field(default_factory=dict)
    """Run once when the next call of a method arrives, before it is carried out; the hook says
    whether the call goes ahead. False drops the call unanswered and never carries it out: Slack never
    got it (a sender killed before its request left). A hook may set itself again for the next call."""
    latency: float = 0.0
    """Seconds every Web API call waits before it is carried out (a slow Slack). The call is carried
    out even if the caller has gone meanwhile, as Slack would once the request has reached it."""
    storm_answers: list[str] = field(default_factory=list)
    """The Retry-After of every 429 a storm answered, in order."""
    _storms: dict[str, Callable[[], str]] = field(default_factory=dict)
    _runner: web.AppRunner | None = None
    _port: int = 0
    _limited: dict[str, deque[float | str]] = field(default_factory=dict)

    # -- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> FakeSlackApi:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{rid}", self._response)
        app.router.add_get("/socket", self._socket)
        app.router.add_get("/files/{fid}/{tail:.*}", self._download)
        self._runner, self._port = await serve(app)
        return self

    async def close(self) -> None:
        for ws in self._sockets:
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def url(self) -> str:
        """The base_url for ``AsyncWebClient`` (with the trailing slash the SDK needs)."""
        return f"http://127.0.0.1:{self._port}/api/"

    def response_url(self, rid: str) -> str:
        return f"http://127.0.0.1:{self._port}/response/{rid}"

    # -- configuration ---------------------------------------------------------------------------

    def add_user(
        self, user_id: str, *, name: str = "user", is_admin: bool = False, is_owner: bool = False
    ) -> None:
        self.users[user_id] = FakeUser(id=user_id, name=name, is_admin=is_admin, is_owner=is_owner)

    def add_file(
        self,
        file_id: str,
        name: str,
        content: bytes,
        channel: str,
        *,
        created: int | None = None,
        filetype: str | None = None,
        size: int | None = None,
        url: str | None = None,
        mimetype: str = "text/xml",
    ) -> dict[str, Any]:
        """Share a file in ``channel``, as ``files.list``/``files.info`` describe it; its bytes are
        served at ``url_private`` (GET /files/ID/NAME, bearer token required). ``created`` orders
        ``files.list`` (default: later calls are newer); ``size`` may lie about ``content``; ``url``
        points ``url_private`` somewhere else."""
        created = created if created is not None else 1_700_000_000 + next(self._seq)
        own = f"http://127.0.0.1:{self._port}/files/{file_id}/{name}"
        self.file_bodies[file_id] = content
        self.files[file_id] = {
            "id": file_id,
            "created": created,
            "timestamp": created,
            "name": name,
            "title": name,
            "mimetype": mimetype,
            "filetype": filetype if filetype is not None else name.rsplit(".", 1)[-1].lower(),
            "user": "U0UPLOADER",
            "size": len(content) if size is None else size,
            "is_public": True,
            "channels": [channel],
            "groups": [],
            "ims": [],
            "url_private": url or own,
            "url_private_download": url or f"{own}?download=1",
            "permalink": f"https://sitrep-test.slack.com/files/U0UPLOADER/{file_id}/{name}",
        }
        return self.files[file_id]

    def redirect_file(self, file_id: str, location: str) -> None:
        """Answer downloads of ``file_id`` with a 302 to ``location`` (as a CDN hop would)."""
        self.file_redirects[file_id] = location

    def fail_next(
        self,
        method: str,
        n: int = 1,
        *,
        status: int = 429,
        retry_after: float | str = 1,
        error: str | None = None,
    ) -> None:
        """Fail the next ``n`` calls of ``method``: with ``error`` as an ok=false reply (HTTP 200),
        otherwise with HTTP ``status`` (429 carries ``Retry-After: retry_after``)."""
        queue = self._failures.setdefault(method, deque())
        queue.extend(Failure(status=status, retry_after=retry_after, error=error) for _ in range(n))

    def rate_limit_channel(self, channel: str, n: int, *, retry_after: float | str = 1) -> None:
        """Answer the next ``n`` posts to ``channel`` with 429 and ``Retry-After`` (Slack limits
        ``chat.postMessage`` per channel); other channels are not affected."""
        self._limited.setdefault(channel, deque()).extend([retry_after] * n)

    def lose_answer(self, method: str, how: str = "reset", *, delay: float = 0.0, n: int = 1) -> None:
        """Carry out the next ``n`` calls of ``method`` but lose their answers: ``how`` "reset" drops
        the connection once the call is done, "slow" answers only after ``delay`` seconds."""
        queue = self._failures.setdefault(method, deque())
        queue.extend(Failure(after_storing=how, delay=delay) for _ in range(n))

    def start_storm(self, method: str, retry_after: Sequence[RetryAfter] = (1,)) -> None:
        """Answer every call of ``method`` with 429 until ``end_storm``; the Retry-After headers take
        the values of ``retry_after`` in turn (e.g. ``(2, "1.5", http_date_in(2))``)."""
        values = itertools.cycle(retry_after)

        def next_value() -> str:
            value = next(values)
            return value() if callable(value) else str(value)

        self._storms[method] = next_value

    def end_storm(self, method: str) -> None:
        self._storms.pop(method, None)

    # -- inspection ------------------------------------------------------------------------------

    async def wait_responses(self, rid: str, n: int = 1, *, within: float = 10.0) -> list[dict[str, Any]]:
        """The replies posted to ``response_url(rid)`` once ``n`` have arrived.

        Bolt acks a slash command first and replies afterwards, so tests wait for the reply to
        arrive (an event set by the server), never for a fixed time.
        """
        async with asyncio.timeout(within):
            while len(self.responses.get(rid, [])) < n:
                self._arrivals.clear()
                await self._arrivals.wait()
        return self.responses[rid]

    async def wait_calls(self, method: str, n: int = 1, *, within: float = 10.0) -> list[Call]:
        """The calls of ``method`` once ``n`` have been answered (e.g. a ``views.open`` made after
        the app acknowledged a button click)."""
        async with asyncio.timeout(within):
            while self._answered.count(method) < n:
                self._arrivals.clear()
                await self._arrivals.wait()
        return self.calls_to(method)

    async def wait_messages(self, channel: str, n: int = 1, *, within: float = 20.0) -> list[dict[str, Any]]:
        """The messages posted to ``channel`` once ``n`` have arrived (set by the server, no polling)."""
        async with asyncio.timeout(within):
            while len(self.messages_in(channel)) < n:
                self._arrivals.clear()
                await self._arrivals.wait()
        return self.messages_in(channel)

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def messages_in(self, channel: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["channel"] == channel]

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        return next((m for m in self.messages if m["channel"] == channel and m["ts"] == ts), None)

    # -- HTTP ------------------------------------------------------------------------------------

    @staticmethod
    async def _params(request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                if isinstance(body, dict):
                    params.update(body)
            else:
                params.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
        for key in _JSON_PARAMS:
            value = params.get(key)
            if isinstance(value, str) and value[:1] in "[{":
                # A malformed value stays a string; the handler then reports it as invalid.
                with contextlib.suppress(json.JSONDecodeError):
                    params[key] = json.loads(value)
        return params

    async def _api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        params = await self._params(request)
        auth = request.headers.get("Authorization")
        self.calls.append(Call(method=method, params=params, auth=auth))
        if (before := self.before_call.pop(method, None)) is not None and not await before():
            if request.transport is not None:
                request.transport.abort()  # never carried out, never answered
            return web.Response(status=500)
        if (storm := self._storms.get(method)) is not None:
            value = storm()
            self.storm_answers.append(value)
            return web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": value}
            )
        if self.latency:
            await asyncio.sleep(self.latency)
        limited = self._limited.get(str(params.get("channel"))) if method == "chat.postMessage" else None
        if limited:
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": str(limited.popleft())},
            )
        queue = self._failures.get(method)
        lost: Failure | None = None
        if queue and queue[0].after_storing is not None:
            lost = queue.popleft()
        elif queue:
            failure = queue.popleft()
            if failure.error is not None:
                return web.json_response({"ok": False, "error": failure.error})
            if failure.status == 429:
                return web.json_response(
                    {"ok": False, "error": "ratelimited"},
                    status=429,
                    headers={"Retry-After": str(failure.retry_after)},
                )
            return web.Response(status=failure.status, text="upstream trouble", content_type="text/html")
        token = auth.removeprefix("Bearer ").strip() if auth else params.get("token")
        if not token:
            return web.json_response({"ok": False, "error": "not_authed"})
        if method == "apps.connections.open":
            if token != self.app_token:
                return web.json_response({"ok": False, "error": "invalid_auth"})
            return web.json_response({"ok": True, "url": f"ws://127.0.0.1:{self._port}/socket"})
        if token != self.token:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        handler = self._handlers().get(method)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        answer = await handler(params)
        self._answered.append(method)
        self._arrivals.set()
        if (hook := self.after_call.pop(method, None)) is not None:
            await hook()
        if lost is not None and lost.after_storing == "reset":
            if request.transport is not None:
                request.transport.abort()  # done, but the client never hears of it
            return web.Response(status=500)
        if lost is not None:
            await asyncio.sleep(lost.delay)
        return web.json_response(answer)

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        """Socket Mode: say hello, then record every envelope acknowledgement the app sends."""
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1, "debug_info": {"host": "fake"}})
        self._arrivals.set()
        async for msg in ws:
            if msg.type == web.WSMsgType.TEXT:
                with contextlib.suppress(json.JSONDecodeError):
                    self.socket_acks.append(json.loads(msg.data))
                    self._arrivals.set()
        return ws

    async def socket_send(self, envelope: dict[str, Any], *, within: float = 20.0) -> dict[str, Any]:
        """Deliver one Socket Mode envelope to the connected app and return its acknowledgement."""
        async with asyncio.timeout(within):
            while not self._sockets:
                self._arrivals.clear()
                await self._arrivals.wait()
            await self._sockets[-1].send_json(envelope)
            while True:
                for ack in self.socket_acks:
                    if ack.get("envelope_id") == envelope["envelope_id"]:
                        return ack
                self._arrivals.clear()
                await self._arrivals.wait()

    async def _download(self, request: web.Request) -> web.StreamResponse:
        """A file's bytes, like files.slack.com: only with ``Authorization: Bearer <bot token>``."""
        fid = request.match_info["fid"]
        auth = request.headers.get("Authorization")
        self.downloads.append(Call(method=f"download {fid}", params=dict(request.query), auth=auth))
        if auth != f"Bearer {self.token}":
            return web.Response(status=401, text="not authorised")
        if fid in self.file_redirects:
            raise web.HTTPFound(self.file_redirects[fid])
        body = self.file_bodies.get(fid)
        if body is None:
            return web.Response(status=404, text="no such file")
        mimetype = str(self.files.get(fid, {}).get("mimetype") or "application/octet-stream")
        return web.Response(body=body, content_type=mimetype)

    async def _response(self, request: web.Request) -> web.StreamResponse:
        rid = request.match_info["rid"]
        try:
            payload = await request.json()
        except json.JSONDecodeError:
            payload = {"raw": await request.text()}
        self.responses.setdefault(rid, []).append(payload if isinstance(payload, dict) else {"raw": payload})
        self._arrivals.set()
        return web.Response(text="ok")

    # -- methods ---------------------------------------------------------------------------------

    def _handlers(self) -> dict[str, Handler]:
        return {
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.update": self._update,
            "conversations.history": self._history,
            "conversations.replies": self._replies,
            "chat.postEphemeral": self._post_ephemeral,
            "chat.getPermalink": self._permalink,
            "users.info": self._users_info,
            "views.open": self._views_open,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "files.info": self._files_info,
            "files.list": self._files_list,
        }

    def _new_ts(self) -> str:
        return f"1700000000.{next(self._seq):06d}"

    def _channel_error(self, channel: Any) -> dict[str, Any] | None:
        if not isinstance(channel, str) or not channel:
            return {"ok": False, "error": "channel_not_found"}
        if self.channels is not None and channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        return None

    async def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://sitrep-test.slack.com/",
            "team": "Sitrep Test",
            "user": "sitrep",
            "team_id": "T0FAKE",
            "user_id": "U0SITREP",
            "bot_id": "B0SITREP",
        }

    async def _post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = params.get("channel")
        if err := self._channel_error(channel):
            return err
        if not params.get("text") and not params.get("blocks"):
            return {"ok": False, "error": "no_text"}
        if "blocks" in params and not isinstance(params["blocks"], list):
            return {"ok": False, "error": "invalid_blocks"}
        message = {
            "channel": channel,
            "ts": self._new_ts(),
            "text": params.get("text", ""),
            "blocks": params.get("blocks", []),
            "thread_ts": params.get("thread_ts"),
            "edits": 0,
        }
        if isinstance(params.get("metadata"), dict):
            message["metadata"] = params["metadata"]
        self.messages.append(message)
        self._arrivals.set()
        return {"ok": True, "channel": channel, "ts": message["ts"], "message": dict(message)}

    def _listed(self, found: list[dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
        """Newest first, from ``oldest``, metadata only with ``include_all_metadata`` (as Slack)."""
        oldest = float(params.get("oldest") or 0)
        metadata = str(params.get("include_all_metadata")).lower() in ("true", "1")
        out = []
        for m in reversed(found):
            if float(m["ts"]) < oldest:
                continue
            shown = {"type": "message", "ts": m["ts"], "text": m["text"], "thread_ts": m["thread_ts"]}
            if metadata and "metadata" in m:
                shown["metadata"] = m["metadata"]
            out.append(shown)
        return {"ok": True, "messages": out, "has_more": False, "response_metadata": {"next_cursor": ""}}

    async def _history(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = params.get("channel")
        if err := self._channel_error(channel):
            return err
        top = [m for m in self.messages if m["channel"] == channel and not m["thread_ts"]]
        return self._listed(top, params)

    async def _replies(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = params.get("channel"), params.get("ts")
        if err := self._channel_error(channel):
            return err
        if self.message(str(channel), str(ts)) is None:
            return {"ok": False, "error": "thread_not_found"}
        thread = [
            m for m in self.messages if m["channel"] == channel and (m["ts"] == ts or m["thread_ts"] == ts)
        ]
        return self._listed(thread, params)

    async def _update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = params.get("channel"), params.get("ts")
        if err := self._channel_error(channel):
            return err
        message = self.message(str(channel), str(ts))
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        message["text"] = params.get("text", message["text"])
        message["blocks"] = params.get("blocks", message["blocks"])
        message["edits"] += 1
        return {"ok": True, "channel": channel, "ts": ts, "text": message["text"]}

    async def _post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        if err := self._channel_error(params.get("channel")):
            return err
        if not params.get("user"):
            return {"ok": False, "error": "user_not_found"}
        ts = self._new_ts()
        self.ephemerals.append({**params, "message_ts": ts})
        return {"ok": True, "message_ts": ts}

    async def _permalink(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = params.get("channel"), str(params.get("message_ts", ""))
        if err := self._channel_error(channel):
            return err
        link = f"https://sitrep-test.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        return {"ok": True, "channel": channel, "permalink": link}

    async def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(params.get("user", "")))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": user.as_json()}

    async def _views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        view = params.get("view")
        if not params.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        if not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments"}
        view_id = f"V{next(self._seq):08d}"
        stored = {**view, "id": view_id, "hash": f"h{view_id}"}
        self.views[view_id] = stored
        return {"ok": True, "view": stored}

    async def _views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        view = params.get("view")
        view_id = params.get("view_id")
        if view_id is None and params.get("external_id"):
            view_id = next(
                (k for k, v in self.views.items() if v.get("external_id") == params["external_id"]), None
            )
        if not isinstance(view, dict) or view_id not in self.views:
            return {"ok": False, "error": "not_found"}
        stored = {**view, "id": view_id, "hash": f"h{view_id}-{next(self._seq)}"}
        self.views[str(view_id)] = stored
        return {"ok": True, "view": stored}

    async def _views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        user_id, view = params.get("user_id"), params.get("view")
        if not isinstance(user_id, str) or not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments"}
        stored = {**view, "id": f"V{next(self._seq):08d}"}
        self.home_views[user_id] = stored
        return {"ok": True, "view": stored}

    async def _files_info(self, params: dict[str, Any]) -> dict[str, Any]:
        file = self.files.get(str(params.get("file", "")))
        if file is None:
            return {"ok": False, "error": "file_not_found"}
        return {"ok": True, "file": file}

    async def _files_list(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = params.get("channel")
        try:
            count = max(1, min(1000, int(params.get("count", 100))))
        except ValueError:
            return {"ok": False, "error": "invalid_arguments"}
        files = [
            f
            for f in self.files.values()
            if channel is None or channel in (*f.get("channels", ()), *f.get("groups", ()), *f.get("ims", ()))
        ]
        files.sort(key=lambda f: int(f.get("created", 0)), reverse=True)  # newest first, like Slack
        page = files[:count]
        pages = max(1, -(-len(files) // count))
        return {
            "ok": True,
            "files": page,
            "paging": {"count": count, "total": len(files), "page": 1, "pages": pages},
        }


@pytest_asyncio.fixture
async def slack_api() -> AsyncIterator[FakeSlackApi]:
    """A running fake Slack Web API for one test."""
    server = await FakeSlackApi().start()
    try:
        yield server
    finally:
        await server.close()
