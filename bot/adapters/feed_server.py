"""A small local feed server for demo mode: serves RSS bodies over real HTTP on 127.0.0.1.

Demo mode replays bundled samples and corpus items through the same fetch → parse → match path
production uses, so this server behaves like a decent publisher: ETag and Last-Modified on every
feed, 304 for conditional requests that match, gzip when the client asks for it.
``render_rss`` writes the RSS 2.0 bodies it serves.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import socket
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from types import TracebackType
from typing import Self

from aiohttp import hdrs, web
from aiohttp.typedefs import Middleware

RSS_CONTENT_TYPE = "application/rss+xml; charset=utf-8"

# Characters XML 1.0 forbids outright; ElementTree would write them and break the document.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True, slots=True)
class RssItem:
    guid: str
    title: str
    description: str
    link: str
    published: datetime


def render_rss(title: str, link: str, items: Sequence[RssItem]) -> bytes:
    """An RSS 2.0 document (UTF-8, escaped by ElementTree, RFC 822 dates, non-permalink guids)."""
    rss = ET.Element("rss", version="2.0")
    channel = ET.SubElement(rss, "channel")
    _text(channel, "title", title)
    _text(channel, "link", link)
    _text(channel, "description", title)
    if items:
        _text(channel, "lastBuildDate", _rfc822(max(i.published for i in items)))
    for item in items:
        element = ET.SubElement(channel, "item")
        _text(element, "title", item.title)
        _text(element, "link", item.link)
        _text(element, "description", item.description)
        _text(element, "guid", item.guid).set("isPermaLink", "false")
        _text(element, "pubDate", _rfc822(item.published))
    document: bytes = ET.tostring(rss, encoding="utf-8", xml_declaration=True)
    return document


def _text(parent: ET.Element, tag: str, value: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = _XML_ILLEGAL.sub("", value)
    return element


def _rfc822(when: datetime) -> str:
    # Naive datetimes are taken as UTC: demo data is UTC throughout.
    aware = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    return format_datetime(aware.astimezone(UTC), usegmt=True)


@dataclass(frozen=True, slots=True)
class _Feed:
    body: bytes
    gzipped: bytes
    etag: str | None
    last_modified: datetime
    content_type: str


class FeedServer:
    """Serves ``GET /<path>`` from a route table you can change while it runs.

    ``async with FeedServer() as server: server.set_feed("world.xml", body); server.url("world.xml")``.
    ``routes`` and ``middlewares`` are extra aiohttp handlers tried before the feed table; the test
    fakes use them to misbehave on purpose.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        routes: Iterable[web.AbstractRouteDef] = (),
        middlewares: Iterable[Middleware] = (),
    ) -> None:
        self._host = host
        self._port = port
        self._routes = tuple(routes)
        self._middlewares = tuple(middlewares)
        self._feeds: dict[str, _Feed] = {}
        self._runner: web.AppRunner | None = None
        self._bound_port: int | None = None

    async def __aenter__(self) -> Self:
        app = web.Application(middlewares=self._middlewares)
        app.add_routes([*self._routes, web.get("/{path:.*}", self._serve)])
        # handler_cancellation: a client that hangs up must stop a slow handler, or shutdown waits.
        runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self._host, self._port))
            self._bound_port = sock.getsockname()[1]
            await web.SockSite(runner, sock).start()
        except BaseException:
            sock.close()
            await runner.cleanup()
            raise
        self._runner = runner
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def port(self) -> int:
        if self._bound_port is None:
            raise RuntimeError("FeedServer is not running")
        return self._bound_port

    def url(self, path: str) -> str:
        return f"http://{self._host}:{self.port}/{path.lstrip('/')}"

    def set_feed(
        self,
        path: str,
        body: bytes,
        *,
        etag: bool = True,
        content_type: str = RSS_CONTENT_TYPE,
        last_modified: datetime | None = None,
    ) -> None:
        """Serve ``body`` at ``/path`` from now on (replacing what was there)."""
        modified = (last_modified or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
        previous = self._feeds.get(path.lstrip("/"))
        if last_modified is None and previous is not None and previous.body != body:
            # Last-Modified has one-second resolution; a new body must not look as old as the last.
            modified = max(modified, previous.last_modified + timedelta(seconds=1))
        self._feeds[path.lstrip("/")] = _Feed(
            body=body,
            gzipped=gzip.compress(body, mtime=0),
            etag=f'"{hashlib.sha256(body).hexdigest()[:32]}"' if etag else None,
            last_modified=modified,
            content_type=content_type,
        )

    def remove_feed(self, path: str) -> None:
        self._feeds.pop(path.lstrip("/"), None)

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        feed = self._feeds.get(request.match_info["path"])
        if feed is None:
            raise web.HTTPNotFound(text="no feed here\n")
        use_gzip = _accepts_gzip(request.headers.get(hdrs.ACCEPT_ENCODING, ""))
        # Each encoding is its own representation, so it gets its own strong ETag.
        etag = None if feed.etag is None else (feed.etag[:-1] + '-gz"' if use_gzip else feed.etag)
        headers = {
            hdrs.LAST_MODIFIED: format_datetime(feed.last_modified, usegmt=True),
            hdrs.VARY: hdrs.ACCEPT_ENCODING,
        }
        if etag is not None:
            headers[hdrs.ETAG] = etag
        if _not_modified(request, feed, etag):
            return web.Response(status=304, headers=headers)
        headers[hdrs.CONTENT_TYPE] = feed.content_type
        if use_gzip:
            headers[hdrs.CONTENT_ENCODING] = "gzip"
            return web.Response(body=feed.gzipped, headers=headers)
        return web.Response(body=feed.body, headers=headers)


def _accepts_gzip(accept_encoding: str) -> bool:
    for part in accept_encoding.split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() in ("gzip", "x-gzip"):
            return params.replace(" ", "").lower() not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def _not_modified(request: web.Request, feed: _Feed, etag: str | None) -> bool:
    # RFC 9110 §13.1.2/13.1.3: If-None-Match wins over If-Modified-Since; comparison is weak.
    if_none_match = request.headers.get(hdrs.IF_NONE_MATCH)
    if if_none_match is not None:
        if etag is None:
            return False
        wanted = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return "*" in wanted or etag in wanted or (feed.etag is not None and feed.etag in wanted)
    if_modified_since = request.headers.get(hdrs.IF_MODIFIED_SINCE)
    if if_modified_since is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return feed.last_modified <= since
