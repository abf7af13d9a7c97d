"""A local feed server for tests that behaves well or badly on request.

Built on the production ``FeedServer`` (so conditional GET, ETag and gzip are the real ones) plus
extra routes that misbehave on purpose, and a request log so tests can check what was sent.

Misbehaving paths (all under ``/_/``):

* ``status/<code>``       – that status with a short body (304, 404, 500, ...); ``?retry-after=<v>``
  adds that ``Retry-After`` header as given
* ``slow-headers?s=<f>``  – waits ``s`` seconds before answering
* ``drip?every=<f>``      – headers at once, then one byte every ``every`` seconds (for ~30 s)
* ``endless``             – an unbounded body, 16 KB chunks until the client hangs up
* ``huge?mb=<n>``         – a finite body of ``n`` MB with an honest Content-Length
* ``junk``                – binary junk labelled as XML
* ``html``                – an HTML page instead of a feed
* ``loop``                – a redirect to itself
* ``redirect/<n>``        – ``n`` redirects, then the feed at ``?to=<path>``
* ``counted?hold=<f>``    – a small feed, held ``hold`` seconds; tracks concurrent requests
* ``bomb/<coding>?mb=<n>`` – ``n`` MB of zeros compressed to ~1 KB per MB, sent with
  ``Content-Encoding: gzip`` or ``deflate`` whatever the client asked for; ``br`` sends bytes
  labelled brotli (the client cannot decode them without the Brotli package)
* ``slowloris?every=<f>`` – headers at once, then one byte every ``every`` seconds, forever
* ``moved/<codes>?to=<path>`` – one redirect per code in the comma-separated ``codes`` (301, 302,
  307, 308), in that order, then the feed at ``path``
* ``cache?cc=<v>``        – a small feed with ``Cache-Control: <v>``
* ``hang``                – hangs until the test calls ``release_hangs()``, then a small feed;
  ``wait_hanging(n)`` waits until ``n`` requests hang

Server-side sleeps pace the server; tests themselves never sleep to wait for anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Self

import pytest
from aiohttp import web

from bot.adapters.feed_server import FeedServer, RssItem, render_rss

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

HTML_PAGE = b"""<!DOCTYPE html>
<html><head><title>Newsroom</title></head>
<body><h1>Latest news</h1><p>Our feed has moved. <a href="/rss">Subscribe</a>.</p></body></html>
"""

# Deterministic "binary junk": every byte value, like a PNG or a truncated archive would contain.
JUNK = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64


def small_feed(title: str = "Fake wire") -> bytes:
    """A valid two-item RSS body written for these tests."""
    when = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    items = [
        RssItem("fake-1", "Shelling reported near Kharkiv", "Two hurt.", "https://example.test/1", when),
        RssItem("fake-2", "Aid convoy reaches Gaza", "Trucks crossed.", "https://example.test/2", when),
    ]
    return render_rss(title, "https://example.test/", items)


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    method: str
    path: str
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)
    """When it arrived (``time.monotonic()``)."""


class FakeFeedServer:
    """``FeedServer`` plus the misbehaving routes above and a log of every request received."""

    def __init__(self) -> None:
        self.requests: list[LoggedRequest] = []
        self.active = 0
        self.max_active = 0
        self._bombs: dict[tuple[str, int], bytes] = {}
        self.hanging = 0
        self._hung = asyncio.Condition()
        self._released = asyncio.Event()
        self._arrived = asyncio.Condition()
        self._server = FeedServer(routes=self._routes(), middlewares=[self._log])

    async def __aenter__(self) -> Self:
        await self._server.__aenter__()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._server.__aexit__(exc_type, exc, tb)

    @property
    def port(self) -> int:
        return self._server.port

    def url(self, path: str) -> str:
        return self._server.url(path)

    def set_feed(self, path: str, body: bytes, *, etag: bool = True, content_type: str | None = None) -> None:
        if content_type is None:
            self._server.set_feed(path, body, etag=etag)
        else:
            self._server.set_feed(path, body, etag=etag, content_type=content_type)

    def requests_to(self, path: str) -> list[LoggedRequest]:
        wanted = "/" + path.lstrip("/")
        return [r for r in self.requests if r.path == wanted]

    async def wait_requests(self, path: str, n: int, *, within: float = 30.0) -> list[LoggedRequest]:
        """The requests to ``path`` once ``n`` have arrived (woken by the server, no polling)."""
        async with asyncio.timeout(within), self._arrived:
            await self._arrived.wait_for(lambda: len(self.requests_to(path)) >= n)
        return self.requests_to(path)

    @web.middleware
    async def _log(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.requests.append(LoggedRequest(request.method, request.path, dict(request.headers)))
        async with self._arrived:
            self._arrived.notify_all()
        return await handler(request)

    def _routes(self) -> list[web.RouteDef]:
        return [
            web.get("/_/status/{code:\\d+}", self._status),
            web.get("/_/slow-headers", self._slow_headers),
            web.get("/_/drip", self._drip),
            web.get("/_/endless", self._endless),
            web.get("/_/huge", self._huge),
            web.get("/_/junk", self._junk),
            web.get("/_/html", self._html),
            web.get("/_/loop", self._loop),
            web.get("/_/redirect/{n:\\d+}", self._redirect),
            web.get("/_/counted", self._counted),
            web.get("/_/bomb/{coding}", self._bomb),
            web.get("/_/slowloris", self._slowloris),
            web.get("/_/moved/{codes}", self._moved),
            web.get("/_/cache", self._cache),
            web.get("/_/hang", self._hang),
        ]

    async def wait_hanging(self, n: int) -> None:
        """Return once ``n`` requests to ``/_/hang`` are hanging."""
        async with self._hung:
            await self._hung.wait_for(lambda: self.hanging >= n)

    def release_hangs(self) -> None:
        """Let every hanging request (and any later one) answer."""
        self._released.set()

    def bomb(self, coding: str, mb: int) -> bytes:
        """The compressed body ``bomb/<coding>?mb=<mb>`` serves, built once, a megabyte at a time."""
        key = (coding, mb)
        if key not in self._bombs:
            if coding == "br":
                # Not real brotli (no encoder here); the client must refuse it before looking.
                self._bombs[key] = b"\x1b\xff\xff\x7f" + bytes(1024)
            else:
                wbits = {"gzip": 31, "deflate": 15}[coding]  # HTTP "deflate" is the zlib format
                packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
                zeros = bytes(1 << 20)
                self._bombs[key] = b"".join([packer.compress(zeros) for _ in range(mb)] + [packer.flush()])
        return self._bombs[key]

    async def _status(self, request: web.Request) -> web.StreamResponse:
        code = int(request.match_info["code"])
        if code == 304:
            return web.Response(status=304, headers={"ETag": '"fake"'})
        headers = {}
        if "retry-after" in request.query:
            headers["Retry-After"] = request.query["retry-after"]
        return web.Response(status=code, text=f"status {code}\n", headers=headers)

    async def _moved(self, request: web.Request) -> web.StreamResponse:
        code, *rest = request.match_info["codes"].split(",")
        target = request.query.get("to", "feed.xml")
        where = f"/_/moved/{','.join(rest)}?to={target}" if rest else "/" + target
        return web.Response(status=int(code), headers={"Location": where})

    async def _cache(self, request: web.Request) -> web.StreamResponse:
        headers = {"Cache-Control": request.query.get("cc", "")}
        return web.Response(body=small_feed(), content_type="application/rss+xml", headers=headers)

    async def _hang(self, request: web.Request) -> web.StreamResponse:
        async with self._hung:
            self.hanging += 1
            self._hung.notify_all()
        try:
            await self._released.wait()
        finally:
            self.hanging -= 1
        return web.Response(body=small_feed(), content_type="application/rss+xml")

    async def _slow_headers(self, request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(float(request.query.get("s", "5")))
        return web.Response(body=small_feed(), content_type="application/rss+xml")

    async def _drip(self, request: web.Request) -> web.StreamResponse:
        every = float(request.query.get("every", "1"))
        response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        await response.prepare(request)
        body = small_feed()
        with contextlib.suppress(ConnectionError):
            for i in range(min(len(body), int(30 / every))):
                await response.write(body[i : i + 1])
                await asyncio.sleep(every)
        return response

    async def _endless(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        await response.prepare(request)
        chunk = b"<item><title>spam</title></item>" * 500
        with contextlib.suppress(ConnectionError):
            await response.write(b'<?xml version="1.0"?><rss version="2.0"><channel>')
            while True:  # until the client hangs up (write raises) or the handler is cancelled
                await response.write(chunk)
        return response

    async def _huge(self, request: web.Request) -> web.StreamResponse:
        size = int(float(request.query.get("mb", "20")) * 1024 * 1024)
        return web.Response(body=b" " * size, content_type="application/rss+xml")

    async def _junk(self, request: web.Request) -> web.StreamResponse:
        return web.Response(body=JUNK, content_type="application/xml")

    async def _html(self, request: web.Request) -> web.StreamResponse:
        return web.Response(body=HTML_PAGE, content_type="text/html")

    async def _loop(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound("/_/loop")

    async def _redirect(self, request: web.Request) -> web.StreamResponse:
        n = int(request.match_info["n"])
        target = request.query.get("to", "feed.xml")
        if n <= 0:
            raise web.HTTPFound("/" + target)
        raise web.HTTPFound(f"/_/redirect/{n - 1}?to={target}")

    async def _bomb(self, request: web.Request) -> web.StreamResponse:
        coding = request.match_info["coding"]
        body = self.bomb(coding, int(request.query.get("mb", "50")))
        headers = {"Content-Encoding": coding, "Content-Type": "application/rss+xml"}
        return web.Response(body=body, headers=headers)

    async def _slowloris(self, request: web.Request) -> web.StreamResponse:
        every = float(request.query.get("every", "0.1"))
        response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        await response.prepare(request)
        with contextlib.suppress(ConnectionError):
            await response.write(b'<?xml version="1.0"?><rss version="2.0"><channel>')
            while True:  # until the client hangs up (write raises) or the server shuts down
                await response.write(b" ")
                await asyncio.sleep(every)
        return response

    async def _counted(self, request: web.Request) -> web.StreamResponse:
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        try:
            await asyncio.sleep(float(request.query.get("hold", "0.05")))
        finally:
            self.active -= 1
        return web.Response(body=small_feed(), content_type="application/rss+xml")


@pytest.fixture
async def feed_server() -> AsyncIterator[FakeFeedServer]:
    """A running ``FakeFeedServer`` on 127.0.0.1, serving ``small_feed()`` at ``/feed.xml``."""
    async with FakeFeedServer() as server:
        server.set_feed("feed.xml", small_feed())
        yield server
