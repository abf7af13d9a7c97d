"""A fixed-seed sample of what the matcher alerts on for the *transfer* watchlists (other conflicts).

The relevance gate (``bot/core/relevance.py``) learns "is this an event report from the watched
place" from labelled matches. Trained on gaza, sudan and idlib it can only be measured on the same
items it learnt from; trained on other conflicts (``transfer/watchlists.toml``) it can be measured on
all three evaluation watchlists, the way it would meet a watchlist an admin writes. This script draws
the items to label: a random sample (seed 2025) of every corpus item the matcher accepts for each
transfer watchlist, skipping links any evaluation label file already holds **and every item an
evaluation watchlist matches**. The gate only ever judges items the matcher matched, so no item it is
measured on (in these sets or the team's held-out set) can have been learnt from.

The text is printed for a reader; it is never written into the repo. Labels go to
``transfer/labels-<watchlist>.jsonl`` by the guideline in ``README.md``::

    .venv/bin/python -m eval.matching.transfer_sample                        # pool sizes
    .venv/bin/python -m eval.matching.transfer_sample --show haiti --start 0 --count 40
    .venv/bin/python -m eval.matching.transfer_sample --links haiti
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.core.matching import Match, Matcher
from bot.core.text import html_to_text
from bot.geo import load_gazetteer
from bot.match_evaluation import (
    DEFAULT_CONFIG,
    DEFAULT_CORPUS,
    REPO,
    corpus_lines,
    load_watchlists,
    read_labels,
)

SEED = 2025
SIZE = 250
SIZES = {"ukraine-front": 330, "israel": 330}
"""Bigger samples where the pool is big and its negatives are the kind the gate must learn."""
TRANSFER_DIR = REPO / "eval" / "matching" / "transfer"
TRANSFER_CONFIG = TRANSFER_DIR / "watchlists.toml"


@dataclass(frozen=True, slots=True)
class Matched:
    watchlist: str
    link: str
    date: str
    title: str
    description: str
    region_starts: tuple[int, ...]
    """Where region terms hit in ``title + "\\n" + description``: the reader must see every one."""


def evaluation_links() -> set[str]:
    """Every link an evaluation label file holds (main set, precision sample, second readings): the
    sample never repeats one. The transfer labels themselves are not among them, so a rerun draws the
    same sample it drew before they were written."""
    root = REPO / "eval" / "matching"
    return {
        label.link
        for path in root.rglob("labels-*.jsonl")
        if TRANSFER_DIR not in path.parents
        for label in read_labels(path)
    }


def pools(corpus_path: Path) -> dict[str, list[Matched]]:
    """Every distinct, not yet labelled corpus item each transfer watchlist matches, in corpus order."""
    watchlists = load_watchlists(TRANSFER_CONFIG)
    gazetteer = load_gazetteer()
    matcher = Matcher(watchlists, gazetteer)
    evaluation = Matcher(load_watchlists(DEFAULT_CONFIG), gazetteer)
    skip = evaluation_links()
    seen: set[str] = set()
    out: dict[str, list[Matched]] = {w.name: [] for w in watchlists}
    for obj in corpus_lines(corpus_path):
        link = str(obj.get("link") or "")
        # A label is keyed by link: a relative or empty one ("/") names no single item.
        if not link.startswith(("http://", "https://")) or link in seen or link in skip:
            continue
        seen.add(link)
        title = html_to_text(str(obj.get("title") or ""))
        description = html_to_text(str(obj.get("description") or ""))
        date = str(obj.get("date_published") or "")[:10]
        if evaluation.match(title, description, link=link):
            continue
        for match in matcher.match(title, description, link=link):
            out[match.watchlist].append(_matched(match, link, date, title, description))
    return out


def _matched(match: Match, link: str, date: str, title: str, description: str) -> Matched:
    starts = tuple(sorted({hit.start for hit in match.regions}))
    return Matched(match.watchlist, link, date, title, description, starts)


def sample(pool: Sequence[Matched], watchlist: str, seed: int = SEED) -> list[Matched]:
    size = SIZES.get(watchlist, SIZE)
    chosen = random.Random(f"{seed}-{watchlist}").sample(list(pool), min(size, len(pool)))
    return sorted(chosen, key=lambda m: (m.date, m.link))


def show(m: Matched, n: int, chars: int) -> str:
    """The item as a reader sees it: the opening, then the context of each later region mention."""
    lines = [f"[{n}] {m.date} {m.link}", f"  T: {m.title}", f"  D: {m.description[:chars]}"]
    offset = len(m.title) + 1
    for start in m.region_starts:
        at = start - offset
        if at >= chars:
            snippet = " ".join(m.description[max(0, at - 110) : at + 140].split())
            lines.append(f"  +: ...{snippet}...")
    return "\n".join(lines[:7])  # the opening and at most four later mentions


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--links", metavar="WATCHLIST", help="print the sampled links, one per line")
    mode.add_argument("--show", metavar="WATCHLIST", help="print the sampled items to read")
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--count", type=int, default=SIZE)
    parser.add_argument("--chars", type=int, default=400)
    args = parser.parse_args(argv)
    all_pools = pools(args.corpus)
    name = args.links or args.show
    if name is None:
        for watchlist, pool in all_pools.items():
            print(f"{watchlist}: {len(pool)} matched, {min(SIZES.get(watchlist, SIZE), len(pool))} sampled")
        return 0
    if name not in all_pools:
        parser.error(f"unknown transfer watchlist {name!r}; known: {', '.join(all_pools)}")
    chosen = sample(all_pools[name], name)
    if args.links:
        for m in chosen:
            print(m.link)
    else:
        for n, m in enumerate(chosen[args.start : args.start + args.count], args.start):
            print(show(m, n, args.chars))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
