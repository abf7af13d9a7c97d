"""Benchmark: the poll pipeline per stage on real corpus items, side by side in one run.

Stages: parse (feedparser on RSS bytes → FeedItems), triage (match + figures + clustering +
alert composition for the default watchlists) and record (one SQLite transaction per 200-item
poll round). Prints items/s and ms per 200-item feed for each, so the slowest stage is obvious.

    .venv/bin/python bench/bench_pipeline.py [--items 20000] [--corpus PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.adapters.feed_server import RssItem, render_rss
from bot.adapters.store import FeedOutcome, FeedSpec, Store
from bot.core.casualties import extract_casualties
from bot.core.feed_parsing import parse_feed
from bot.core.incidents.places import PlaceHints
from bot.core.items import FeedItem
from bot.core.matching import Matcher
from bot.core.triage import Plan, triage
from bot.corpus import iter_corpus
from bot.geo import load_gazetteer
from config.settings import load_settings

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "news2023.jsonl.gz"
FEED_SIZE = 200


def line(stage: str, n: int, seconds: float) -> None:
    per_feed_ms = seconds / n * FEED_SIZE * 1000
    print(
        f"{stage:<34} {n:>7} items  {seconds * 1000:>9.1f} ms  {n / seconds:>10,.0f} items/s"
        f"  {per_feed_ms:>8.2f} ms per {FEED_SIZE}-item feed"
    )


async def record(plans: list[tuple[Plan, int]], now: datetime) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        store = await Store.open(f"sqlite+aiosqlite:///{tmp}/bench.db")
        await store.sync_feeds([FeedSpec("bench", "https://bench.example/rss", "Bench", 300)])
        start = time.perf_counter()
        for plan, seen in plans:
            await store.record_round([FeedOutcome("bench", None, None, seen)], plan, now=now)
        elapsed = time.perf_counter() - start
        await store.close()
        return elapsed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=20_000)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = ap.parse_args()
    if not args.corpus.exists():
        print(f"corpus not found: {args.corpus}")
        return 1
    now = datetime(2024, 1, 1, tzinfo=UTC)
    raw = list(islice(iter_corpus(args.corpus), args.items))
    docs = [
        render_rss(
            "bench",
            "https://bench.example/",
            [
                RssItem(
                    guid=f"{start + i}-{c.link}",
                    title=c.title,
                    description=c.description,
                    link=c.link,
                    published=c.published,
                )
                for i, c in enumerate(raw[start : start + FEED_SIZE])
            ],
        )
        for start in range(0, len(raw), FEED_SIZE)
    ]
    print(f"corpus: {args.corpus.name}, {len(raw)} items in {len(docs)} feeds of {FEED_SIZE}")

    start = time.perf_counter()
    parsed: list[tuple[FeedItem, ...]] = [
        parse_feed("bench", d, base_url="https://bench.example/", content_type=None, now=now).items
        for d in docs
    ]
    line("parse (feedparser → FeedItem)", sum(map(len, parsed)), time.perf_counter() - start)

    settings = load_settings(None, {})
    gazetteer = load_gazetteer()
    matcher = Matcher(settings.watchlists, gazetteer)
    places = PlaceHints.from_gazetteer(gazetteer, settings.watchlists)
    items = [i for batch in parsed for i in batch]

    start = time.perf_counter()
    for i in items:
        matcher.match(i.title, i.summary)
    line("match only (4 watchlists)", len(items), time.perf_counter() - start)

    start = time.perf_counter()
    for i in items:
        extract_casualties(i.title, i.summary)
    line("figures only (all items)", len(items), time.perf_counter() - start)

    start = time.perf_counter()
    plans = []
    for batch in parsed:
        plan = triage(
            batch,
            watchlists=settings.watchlists,
            matcher=matcher,
            extract=extract_casualties,
            open_incidents=(),
            source_names={},
            now=now,
            places=places,
        )
        plans.append((plan, len(batch)))
    line("triage (survey+tiers+events+figures+alerts)", len(items), time.perf_counter() - start)
    alerts = sum(len(p.outbox) for p, _ in plans)
    print(f"  → {alerts} Slack messages planned")

    elapsed = asyncio.run(record(plans, now))
    line("record round (SQLite, 1 txn/feed)", len(items), elapsed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
