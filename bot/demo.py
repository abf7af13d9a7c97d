"""Demo mode's feed side: serve the bundled samples, or a window of a corpus, from a local server.

Demo mode runs the real pipeline (fetch → parse → match → figures → outbox → sink) against feeds
served from this process, so `make run` shows real alerts with no network and no Slack tokens.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from bot.adapters.feed_server import FeedServer, RssItem, render_rss
from bot.adapters.store import FeedSpec
from bot.corpus import CorpusStats, iter_corpus


def sample_files(samples_dir: Path) -> list[Path]:
    return sorted(p for p in samples_dir.iterdir() if p.suffix in (".xml", ".atom", ".rss"))


def _title_of(path: Path) -> str:
    return path.stem.replace("-", " ").title()


def publish_samples(server: FeedServer, samples_dir: Path, *, interval: int = 60) -> list[FeedSpec]:
    """Serve every sample file as-is (they are real RSS/Atom documents written by us)."""
    specs = []
    for path in sample_files(samples_dir):
        server.set_feed(f"/{path.name}", path.read_bytes())
        specs.append(
            FeedSpec(id=path.stem, url=server.url(f"/{path.name}"), name=_title_of(path), interval=interval)
        )
    return specs


def publish_corpus(
    server: FeedServer,
    corpus: Path,
    *,
    since: date | None,
    until: date | None,
    per_feed: int = 300,
    interval: int = 60,
) -> tuple[list[FeedSpec], CorpusStats]:
    """Group the corpus window by source feed and serve each group as an RSS feed of its newest items."""
    stats = CorpusStats()
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
    specs: list[FeedSpec] = []
    for n, (feed_url, entries) in enumerate(sorted(groups.items())):
        entries.sort(key=lambda i: i.published, reverse=True)
        host = urlsplit(feed_url).hostname or f"feed{n}"
        path = f"/corpus/{n}.xml"
        server.set_feed(path, render_rss(host, feed_url, entries[:per_feed]))
        specs.append(
            FeedSpec(
                id=f"corpus-{n}", url=server.url(path), name=host.removeprefix("www."), interval=interval
            )
        )
    return specs, stats


def describe_feeds(specs: Sequence[FeedSpec]) -> str:
    return ", ".join(s.name for s in specs)
