"""A random sample of the items the current matcher *alerts on*, for measuring its precision.

The main set (``labels-*.jsonl``) was drawn from broad region regexes so that recall can be measured;
its precision depends on how those pools were mixed. This sample answers the desk's question
directly — "of the stories this watchlist would post, how many are ones we want?" — by drawing,
with a fixed seed, from every corpus item the matcher accepts for a watchlist (vetoes applied) and
that the main set does not already label. Labels go to ``precision/labels-<watchlist>.jsonl`` by
the same guideline (``README.md``); the labeller sees the text, not which terms matched.

The text is printed for a human to read; it is never written into the repo::

    .venv/bin/python -m eval.matching.sample_matched gaza                  # pool size
    .venv/bin/python -m eval.matching.sample_matched gaza --show --start 0 --count 40
    .venv/bin/python -m eval.matching.sample_matched gaza --links
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.core.matching import Matcher
from bot.core.text import html_to_text
from bot.geo import load_gazetteer
from bot.match_evaluation import (
    DEFAULT_CONFIG,
    DEFAULT_CORPUS,
    DEFAULT_LABELS,
    corpus_lines,
    load_labels,
    load_watchlists,
)
from eval.matching.select_candidates import REGION_PATTERNS, _later_mentions

SEED = 2024
SAMPLE = {"gaza": 250, "sudan": 200, "idlib": 60}


@dataclass(frozen=True, slots=True)
class Matched:
    link: str
    date: str
    title: str
    description: str


def matched_pool(corpus_path: Path, watchlist: str) -> list[Matched]:
    """Every distinct corpus item the matcher accepts for ``watchlist``, not labelled in the main set,
    in corpus order."""
    chosen = [w for w in load_watchlists(DEFAULT_CONFIG) if w.name == watchlist]
    matcher = Matcher(chosen, load_gazetteer())
    labelled = {label.link for label in load_labels(DEFAULT_LABELS)}
    seen: set[str] = set()
    out: list[Matched] = []
    for obj in corpus_lines(corpus_path):
        link = str(obj.get("link") or "")
        if not link or link in seen or link in labelled:
            continue
        seen.add(link)
        title = html_to_text(str(obj.get("title") or ""))
        description = html_to_text(str(obj.get("description") or ""))
        if matcher.match(title, description, link=link):
            out.append(Matched(link, str(obj.get("date_published") or "")[:10], title, description))
    return out


def sample(corpus_path: Path, watchlist: str, size: int, seed: int = SEED) -> list[Matched]:
    pool = matched_pool(corpus_path, watchlist)
    chosen = random.Random(f"{seed}-{watchlist}").sample(pool, min(size, len(pool)))
    return sorted(chosen, key=lambda m: (m.date, m.link))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("watchlist", choices=sorted(SAMPLE))
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--links", action="store_true", help="print only the links, one per line")
    mode.add_argument("--show", action="store_true", help="print title and description to read")
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--chars", type=int, default=320)
    args = parser.parse_args(argv)
    chosen = sample(args.corpus, args.watchlist, SAMPLE[args.watchlist])
    if args.links:
        for m in chosen:
            print(m.link)
    elif args.show:
        regex = REGION_PATTERNS[args.watchlist]
        for n, m in enumerate(chosen[args.start : args.start + args.count], args.start):
            print(f"[{n}] {m.date} {m.link}\n  T: {m.title}\n  D: {m.description[: args.chars]}")
            for snippet in _later_mentions(m.description, args.chars, regex):
                print(f"  +: ...{snippet}...")
    else:
        print(f"{args.watchlist}: {len(chosen)} sampled")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
