"""The parser processes: the same answers as parsing in-process, and a dead worker costs one feed."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.adapters.parse_pool import BodyToRead, ProcessParser, ThreadParser, feed_parser, parse_workers
from bot.core.feed_parsing import parse_feed
from bot.core.incidents.stories import story_key
from bot.errors import ConfigError, ParseError

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
BASE = "https://example.test/feed.xml"


def rss(items: int, *, title: str = "Shelling in Kherson") -> bytes:
    entries = "".join(
        f"<item><guid>g{n}</guid><title>{title} #{n}</title><link>/a/{n}</link>"
        f"<description>&lt;p&gt;Two were &lt;b&gt;wounded&lt;/b&gt; in strike {n}&lt;/p&gt;</description>"
        f"<pubDate>{(NOW - timedelta(minutes=n)).strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate></item>"
        for n in range(items)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{entries}</channel></rss>'.encode()
    )


ATOM = (
    b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>'
    b'<entry><id>urn:1</id><title>Atom entry</title><link href="https://example.test/x"/>'
    b"<updated>2026-03-02T10:00:00Z</updated><summary>s</summary></entry></feed>"
)


def got(feed_id: str, body: bytes, content_type: str | None = None) -> BodyToRead:
    return BodyToRead(feed_id, body, BASE, content_type, NOW, outlet="Wire")


@pytest.fixture
async def parser() -> AsyncIterator[ProcessParser]:
    p = ProcessParser(1)
    yield p
    await p.aclose()


@pytest.mark.parametrize("body", [rss(3), rss(1, title="Caf\u00e9 &amp; &lt;b&gt;bold&lt;/b&gt;"), ATOM])
async def test_a_worker_parses_exactly_as_this_process_does(parser: ProcessParser, body: bytes) -> None:
    here = parse_feed("f", body, base_url=BASE, content_type="application/rss+xml", now=NOW)
    there = await parser.parse(got("f", body, "application/rss+xml"))
    assert there.feed == here and here.items
    assert there.stories == tuple(story_key(i.link, i.title, "Wire") for i in here.items)


@pytest.mark.parametrize(
    ("body", "reason"),
    [(b"   ", "empty body"), (b"<html><body>hi</body></html>", "not a feed: got an HTML page")],
)
async def test_what_is_not_a_feed_is_the_same_parse_error(
    parser: ProcessParser, body: bytes, reason: str
) -> None:
    with pytest.raises(ParseError) as there:
        await parser.parse(got("f", body, "text/html"))
    assert there.value.reason == reason
    with pytest.raises(ParseError) as here:
        await ThreadParser().parse(got("f", body, "text/html"))
    assert here.value.reason == reason


async def test_many_feeds_at_once_each_get_their_own_answer() -> None:
    bodies = {f"f{n}": rss(n % 7 + 1, title=f"Feed {n}") for n in range(60)}
    await with_two(bodies)


async def with_two(bodies: dict[str, bytes]) -> None:
    parser = ProcessParser(2)
    try:
        answers = await asyncio.gather(*(parser.parse(got(fid, b, None)) for fid, b in bodies.items()))
    finally:
        await parser.aclose()
    for (fid, body), read in zip(bodies.items(), answers, strict=True):
        assert read.feed == parse_feed(fid, body, base_url=BASE, content_type=None, now=NOW)
    assert len(parser.pids()) == 0  # closed


def killing(parser_kills: int) -> tuple[ProcessParser, list[int]]:
    """A parser whose first ``parser_kills`` workers are killed as soon as they are ready, before any
    body reaches them: to the parser, a worker that died on the body it was sent."""
    started: list[int] = []

    def kill(pid: int) -> None:
        started.append(pid)
        if len(started) <= parser_kills:
            os.kill(pid, signal.SIGKILL)

    return ProcessParser(1, on_start=kill), started


async def test_a_worker_that_dies_is_replaced_and_the_body_parsed_again() -> None:
    parser, started = killing(1)
    try:
        parsed = await parser.parse(got("f", rss(50), None))
    finally:
        await parser.aclose()
    assert len(parsed.feed.items) == 50 and parser.restarted == 1 and len(started) == 2


async def test_a_body_that_kills_two_workers_is_that_feeds_error_and_others_still_parse() -> None:
    parser, started = killing(2)
    try:
        with pytest.raises(ParseError, match="the parser process died twice on this body"):
            await parser.parse(got("evil", rss(50), None))
        good = await parser.parse(got("good", rss(2), None))
    finally:
        await parser.aclose()
    assert len(good.feed.items) == 2 and parser.restarted == 2 and len(started) == 3


async def test_workers_that_cannot_start_leave_parsing_to_a_thread_and_say_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    broken = ProcessParser(1, command=(sys.executable, "-c", "raise SystemExit(3)"))
    body = rss(3)
    try:
        # Several at once, as a round asks: one failed start, not one per waiting body.
        first, *others = await asyncio.gather(*(broken.parse(got(f"f{n}", body, None)) for n in range(6)))
        later = await broken.parse(got("g", body, None))
    finally:
        await broken.aclose()
    assert first.feed == parse_feed("f0", body, base_url=BASE, content_type=None, now=NOW)
    assert all(len(r.feed.items) == 3 for r in (*others, later))
    (line,) = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    # The status is the worker's own (3) unless something else in the process reaped it first.
    assert line.startswith("feed parser processes do not start (exit status ")
    assert "parsing in a thread of this process instead" in line


async def test_no_worker_starts_until_a_body_needs_parsing(parser: ProcessParser) -> None:
    assert parser.pids() == ()
    await parser.parse(got("f", rss(1), None))
    assert len(parser.pids()) == 1


def test_worker_count_from_the_environment() -> None:
    assert parse_workers({}, cpus=2) == 1
    assert parse_workers({}, cpus=1) == 0
    assert parse_workers({}, cpus=None) == 0
    assert parse_workers({"SITREP_PARSE_WORKERS": "3"}, cpus=2) == 3
    assert parse_workers({"SITREP_PARSE_WORKERS": " 0 "}, cpus=8) == 0
    assert isinstance(feed_parser({"SITREP_PARSE_WORKERS": "0"}), ThreadParser)
    assert isinstance(feed_parser({"SITREP_PARSE_WORKERS": "2"}), ProcessParser)
    for bad in ("two", "-1", "65", "1.5"):
        with pytest.raises(ConfigError, match="SITREP_PARSE_WORKERS"):
            parse_workers({"SITREP_PARSE_WORKERS": bad}, cpus=2)
