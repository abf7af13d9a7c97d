"""Demo mode's feed side: replay the bundled samples, or a window of a corpus, from a local server.

Demo mode runs the real pipeline (fetch → parse → match → figures → outbox → sink) against feeds
served from this process, so `make run` shows real alerts with no network and no Slack tokens.
The replay moves a clock through the items' publication times and reveals each feed's items up
to it, step by step, so a toll update arrives after the first report, as it did in the newsroom,
and shows up as a threaded update rather than as part of the first alert.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from bot.adapters.feed_server import FeedServer, RssItem, render_rss
from bot.adapters.store import FeedSpec
from bot.core.feed_parsing import parse_feed
from bot.corpus import CorpusStats, iter_corpus


@dataclass(frozen=True, slots=True)
class ReplayFeed:
    id: str
    name: str
    link: str
    items: tuple[RssItem, ...]


def load_samples(samples_dir: Path, *, now: datetime) -> list[ReplayFeed]:
    """Parse every sample file (RSS or Atom, written by us) with the production parser."""
    feeds = []
    for path in sorted(p for p in samples_dir.iterdir() if p.suffix in (".xml", ".atom", ".rss")):
        parsed = parse_feed(
            path.stem, path.read_bytes(), base_url=f"https://{path.stem}.example/", content_type=None, now=now
        )
        items = tuple(
            RssItem(guid=i.id, title=i.title, description=i.summary, link=i.link or "", published=i.published)
            for i in parsed.items
        )
        feeds.append(
            ReplayFeed(id=path.stem, name=parsed.title or path.stem, link=parsed.link or "", items=items)
        )
    return feeds


def load_corpus(
    corpus: Path, *, since: date | None, until: date | None, per_feed: int, stats: CorpusStats
) -> list[ReplayFeed]:
    """Group a corpus window by source feed; keep each feed's newest ``per_feed`` items."""
    groups: dict[str, list[RssItem]] = defaultdict(list)
    for item in iter_corpus(corpus, stats, since=since, until=until):
        guid = item.link or hashlib.sha256(f"{item.title}|{item.published}".encode()).hexdigest()
        groups[item.feed].append(
            RssItem(
                guid=guid,
                title=item.title,
                description=item.description,
                link=item.link,
                published=item.published,
            )
        )
    feeds = []
    for n, (feed_url, entries) in enumerate(sorted(groups.items())):
        entries.sort(key=lambda i: i.published, reverse=True)
        host = urlsplit(feed_url).hostname or f"feed{n}"
        feeds.append(
            ReplayFeed(
                id=f"corpus-{n}",
                name=host.removeprefix("www."),
                link=feed_url,
                items=tuple(entries[:per_feed]),
            )
        )
    return feeds


class Replay:
    """Serves ``feeds`` from ``server``, revealing items published up to a moving clock."""

    def __init__(self, server: FeedServer, feeds: Sequence[ReplayFeed], *, interval: int = 60) -> None:
        self._server = server
        self._feeds = tuple(feeds)
        self.specs = [
            FeedSpec(id=f.id, url=server.url(f"/{f.id}.xml"), name=f.name, interval=interval) for f in feeds
        ]

    def reveal(self, until: datetime) -> int:
        """Publish every feed as it stood at ``until``; returns how many items are visible."""
        visible = 0
        for feed in self._feeds:
            items = [i for i in feed.items if i.published <= until]
            visible += len(items)
            items.sort(key=lambda i: i.published, reverse=True)
            self._server.set_feed(f"/{feed.id}.xml", render_rss(feed.name, feed.link, items))
        return visible

    def clock(self, step: timedelta) -> Iterator[datetime]:
        """Moments from the first item to the last, ``step`` apart (the last moment included)."""
        times = [i.published for f in self._feeds for i in f.items]
        if not times:
            return
        t, end = min(times), max(times)
        while t < end:
            yield t
            t += step
        yield end


class ReplayClock:
    """The engine's clock during a replay: the replay moment, so replayed items are news, not
    history. After the replay it follows the wall clock from where the replay ended."""

    def __init__(self) -> None:
        self.now: datetime | None = None

    def __call__(self) -> datetime:
        return self.now if self.now is not None else datetime.now(UTC)


def describe_feeds(specs: Sequence[FeedSpec]) -> str:
    return ", ".join(s.name for s in specs)
