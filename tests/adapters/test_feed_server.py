"""The demo FeedServer and render_rss, exercised over real HTTP with a plain aiohttp client."""

# The imported pytest fixture is "redefined" by every test parameter that receives it.
# ruff: noqa: F811

from __future__ import annotations

import gzip
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime

import aiohttp
import pytest

from bot.adapters.feed_server import FeedServer, RssItem, render_rss
from bot.core.feed_parsing import parse_feed
from tests.fakes.feed_server import HTML_PAGE, JUNK, FakeFeedServer, feed_server  # noqa: F401

WHEN = datetime(2026, 3, 9, 14, 30, tzinfo=UTC)
ITEMS = [
    RssItem(
        guid="idlib-1",
        title='Strikes on Idlib <kill> 9 & wound "20"',
        description="<p>Nine civilians were killed.</p>",
        link="https://wire.example/idlib?a=1&b=2",
        published=WHEN,
    ),
    RssItem(
        guid="kyiv-2",
        title="Control \x00chars\x1f are dropped",
        description="",
        link="https://wire.example/kyiv",
        published=datetime(2026, 3, 9, 18, 0, tzinfo=timezone(timedelta(hours=2))),
    ),
]


@pytest.fixture
async def client() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(auto_decompress=False) as session:
        yield session


def test_render_rss_is_valid_escaped_rss2() -> None:
    body = render_rss("Levant & Co <Wire>", "https://wire.example/", ITEMS)
    root = ET.fromstring(body)
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel is not None
    assert channel.findtext("title") == "Levant & Co <Wire>"
    first, second = channel.findall("item")
    assert first.findtext("title") == 'Strikes on Idlib <kill> 9 & wound "20"'
    assert first.findtext("link") == "https://wire.example/idlib?a=1&b=2"
    assert first.findtext("pubDate") == "Mon, 09 Mar 2026 14:30:00 GMT"
    guid = first.find("guid")
    assert guid is not None and guid.text == "idlib-1" and guid.get("isPermaLink") == "false"
    assert second.findtext("title") == "Control chars are dropped"
    assert second.findtext("pubDate") == "Mon, 09 Mar 2026 16:00:00 GMT"  # converted to UTC


def test_render_rss_round_trips_through_parse_feed() -> None:
    body = render_rss("Levant Wire", "https://wire.example/", ITEMS)
    parsed = parse_feed("wire", body, base_url="http://127.0.0.1/", content_type=None, now=WHEN)
    first = parsed.items[0]
    assert (first.id, first.summary, first.published) == ("idlib-1", "Nine civilians were killed.", WHEN)
    assert [i.id for i in parsed.items] == ["idlib-1", "kyiv-2"]


def test_render_rss_with_no_items() -> None:
    root = ET.fromstring(render_rss("Empty", "https://e.example/", []))
    assert root.find("channel/item") is None


async def test_serves_feed_with_validators(client: aiohttp.ClientSession) -> None:
    async with FeedServer() as server:
        body = render_rss("Wire", "https://wire.example/", ITEMS)
        server.set_feed("/wire.xml", body)
        assert server.url("wire.xml") == f"http://127.0.0.1:{server.port}/wire.xml"
        async with client.get(server.url("wire.xml"), headers={"Accept-Encoding": "identity"}) as resp:
            assert resp.status == 200
            assert await resp.read() == body
            assert resp.headers["Content-Type"] == "application/rss+xml; charset=utf-8"
            etag, modified = resp.headers["ETag"], resp.headers["Last-Modified"]
        async with client.get(server.url("wire.xml"), headers={"If-None-Match": etag}) as resp:
            assert resp.status == 304
            assert await resp.read() == b""
        async with client.get(server.url("wire.xml"), headers={"If-Modified-Since": modified}) as resp:
            assert resp.status == 304
        async with client.get(server.url("wire.xml"), headers={"If-None-Match": '"other"'}) as resp:
            assert resp.status == 200


async def test_if_none_match_wins_over_if_modified_since(client: aiohttp.ClientSession) -> None:
    async with FeedServer() as server:
        server.set_feed("a.xml", b"<rss/>", last_modified=WHEN)
        headers = {"If-None-Match": '"stale"', "If-Modified-Since": format_datetime(WHEN, usegmt=True)}
        async with client.get(server.url("a.xml"), headers=headers) as resp:
            assert resp.status == 200


async def test_gzip_only_when_asked(client: aiohttp.ClientSession) -> None:
    async with FeedServer() as server:
        body = render_rss("Wire", "https://wire.example/", ITEMS)
        server.set_feed("wire.xml", body)
        async with client.get(server.url("wire.xml"), headers={"Accept-Encoding": "gzip"}) as resp:
            assert resp.headers["Content-Encoding"] == "gzip"
            assert resp.headers["Vary"] == "Accept-Encoding"
            assert gzip.decompress(await resp.read()) == body
            gz_etag = resp.headers["ETag"]
        async with client.get(server.url("wire.xml"), headers={"Accept-Encoding": "gzip;q=0"}) as resp:
            assert "Content-Encoding" not in resp.headers
            assert await resp.read() == body
            assert resp.headers["ETag"] != gz_etag  # each encoding its own representation
        conditional = {"Accept-Encoding": "gzip", "If-None-Match": gz_etag}
        async with client.get(server.url("wire.xml"), headers=conditional) as resp:
            assert resp.status == 304


async def test_feed_without_etag_and_replacing_bodies(client: aiohttp.ClientSession) -> None:
    async with FeedServer() as server:
        server.set_feed("a.xml", b"<rss>1</rss>", etag=False)
        async with client.get(server.url("a.xml")) as resp:
            assert "ETag" not in resp.headers
            modified = resp.headers["Last-Modified"]
        server.set_feed("a.xml", b"<rss>2</rss>", etag=False)
        # Same wall-clock second, new body: Last-Modified must still move forward.
        headers = {"If-Modified-Since": modified, "Accept-Encoding": "identity"}
        async with client.get(server.url("a.xml"), headers=headers) as resp:
            assert resp.status == 200
            assert await resp.read() == b"<rss>2</rss>"


async def test_unknown_and_removed_paths_are_404(client: aiohttp.ClientSession) -> None:
    async with FeedServer() as server:
        server.set_feed("a.xml", b"<rss/>")
        server.remove_feed("a.xml")
        for path in ("a.xml", "nothing-here.xml"):
            async with client.get(server.url(path)) as resp:
                assert resp.status == 404


async def test_port_is_unavailable_when_not_running() -> None:
    with pytest.raises(RuntimeError):
        _ = FeedServer().port


async def test_two_servers_get_different_free_ports() -> None:
    async with FeedServer() as one, FeedServer() as two:
        assert one.port != two.port


# --- the misbehaving fake -----------------------------------------------------------------------


async def test_fake_logs_requests_and_misbehaves(
    feed_server: FakeFeedServer, client: aiohttp.ClientSession
) -> None:
    async with client.get(feed_server.url("feed.xml"), headers={"X-Probe": "1"}) as resp:
        assert resp.status == 200
    assert feed_server.requests_to("feed.xml")[0].headers["X-Probe"] == "1"
    async with client.get(feed_server.url("_/status/500")) as resp:
        assert resp.status == 500
    async with client.get(feed_server.url("_/html")) as resp:
        assert await resp.read() == HTML_PAGE
    async with client.get(feed_server.url("_/junk")) as resp:
        assert await resp.read() == JUNK
    async with client.get(feed_server.url("_/loop"), allow_redirects=False) as resp:
        assert (resp.status, resp.headers["Location"]) == (302, "/_/loop")
    async with client.get(feed_server.url("_/endless")) as resp:
        first = await resp.content.read(100_000)
        assert len(first) > 0
    assert [r.path for r in feed_server.requests][-1] == "/_/endless"
