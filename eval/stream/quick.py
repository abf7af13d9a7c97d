"""A quick, in-process stand-in for the replay, for iterating on development windows (seconds, not
minutes). Not the measure: the figures that count come from the real replay (``replay.py``), which
serves the items from a feed server, parses them and runs the whole engine on a database.

It feeds the window's corpus items to ``bot.core.triage`` in 15-minute rounds, keeps the incidents
between rounds in memory, and writes the messages as the replay's JSON log would (every digest item
listed in one closing digest).

    .venv/bin/python -m eval.stream.quick gaza-hospital [--details]
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.core.casualties import extract_casualties
from bot.core.incidents.model import Incident
from bot.core.incidents.places import PlaceHints
from bot.core.incidents.same_event import DEFAULT_POLICY, EventPolicy
from bot.core.items import FeedItem
from bot.core.matching import Matcher
from bot.corpus import iter_corpus
from bot.geo import load_gazetteer
from bot.match_evaluation import DEFAULT_CORPUS, load_watchlists
from eval.stream.candidates import DEFAULT_CONFIG
from eval.stream.scoring import score_stream
from eval.stream.windows import load_labels, window


def quick_rows(
    name: str,
    corpus: Path = DEFAULT_CORPUS,
    config: Path = DEFAULT_CONFIG,
    policy: EventPolicy = DEFAULT_POLICY,
) -> list[dict[str, Any]]:
    from bot.core.triage import triage

    w = window(name)
    watchlists = [x for x in load_watchlists(config) if x.name == w.watchlist]
    gazetteer = load_gazetteer()
    matcher = Matcher(watchlists, gazetteer)
    hints = PlaceHints.from_gazetteer(gazetteer, watchlists)
    items: list[FeedItem] = []
    names: dict[str, str] = {}
    for c in iter_corpus(corpus, since=w.since, until=w.until):
        feed = (urlsplit(c.feed).hostname or c.feed).removeprefix("www.")
        names[feed] = feed
        guid = c.link or hashlib.sha256(f"{c.title}|{c.published}".encode()).hexdigest()
        items.append(FeedItem(feed, guid, c.title, c.description, c.link or None, c.published))
    items.sort(key=lambda i: i.published)
    rows: list[dict[str, Any]] = []
    open_: dict[str, Incident] = {}
    stories: set[str] = set()
    posts: dict[str, list[datetime]] = {}
    digest_links: list[str] = []
    if not items:
        return rows
    t = items[0].published
    step = timedelta(minutes=15)
    i = 0
    while i < len(items):
        t += step
        batch = []
        while i < len(items) and items[i].published <= t:
            batch.append(items[i])
            i += 1
        if not batch:
            continue
        plan = triage(
            batch,
            watchlists=watchlists,
            matcher=matcher,
            extract=extract_casualties,
            open_incidents=[x for x in open_.values() if x.first_seen >= t - timedelta(hours=48)],
            source_names=names,
            now=t,
            known_stories=frozenset(stories),
            recent_posts=posts,
            places=hints,
            policy=policy,
        )
        stories.update(s for _, _, s in plan.stories)
        for inc in plan.incidents:
            open_[inc.key] = inc
        for e in plan.outbox:
            if e.kind == "post":
                posts.setdefault(e.channel, []).append(t)
            rows.append(
                {
                    "kind": e.kind,
                    "channel": e.channel,
                    "watchlist": e.facts.watchlist,
                    "incident": e.incident_key,
                    "at": t.isoformat(),
                    "text": e.message.text,
                    "figures": dict(e.facts.figures) if e.facts.figures else None,
                    "links": list(e.facts.links),
                }
            )
        digest_links.extend(d.link for d in plan.digest if d.link)
    rows.append(
        {"kind": "digest", "channel": rows[0]["channel"] if rows else "", "watchlist": w.watchlist,
         "incident": None, "at": t.isoformat(), "text": "", "figures": None, "links": digest_links}
    )  # fmt: skip
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("windows", nargs="+")
    parser.add_argument("--details", action="store_true")
    args = parser.parse_args(argv)
    for name in args.windows:
        w = window(name)
        if w.sealed:
            raise SystemExit(f"{name} is sealed: only the real replay reports it")
        labels = load_labels(w)
        published = {k: v.published for k, v in labels.items.items() if v.published is not None}
        s = score_stream(quick_rows(name), labels, published, details=args.details)
        print(
            f"{name}: posts/day {s.posts_per_day:.1f} | precision {s.push_precision}"
            f" | on-time {s.on_time_recall} | dup {s.duplicate_rate} | wrong merge {s.wrong_merge_rate}"
            f" | figures {s.figures_right} | digest {s.digest_coverage}"
        )
        if args.details:
            for what, lines in s.details.items():
                print(f"  {what} ({len(lines)}):")
                for line in lines:
                    print(f"    {line[:240]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
