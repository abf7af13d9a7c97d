"""The items a window's labellers read: every corpus item of the window's days that names its region.

An item is a candidate when the watchlist's region matcher finds the region in it under rule
``region`` (genre cues ignored: an opinion piece still names the region), or when it contains one of
the window's ``also`` names (``windows.toml``). The second net keeps the label set independent of the
gazetteer that the replay is judged with. One candidate per link, in publication order.

The text is written for the labellers to a file outside the repository, never into it::

    .venv/bin/python -m eval.stream.candidates gaza-hospital                    # how many
    .venv/bin/python -m eval.stream.candidates gaza-hospital --out /work/stream/gaza-hospital.jsonl
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from bot.core.matching import Matcher
from bot.core.watchlists import Rule
from bot.corpus import iter_corpus
from bot.geo import load_gazetteer
from bot.match_evaluation import DEFAULT_CORPUS, load_watchlists
from eval.stream.windows import Window, window

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = ROOT / "config" / "sitrep.toml"


@dataclass(frozen=True, slots=True)
class Candidate:
    link: str
    published: str
    outlet: str
    title: str
    description: str
    why: str


def candidates(w: Window, corpus: Path = DEFAULT_CORPUS, config: Path = DEFAULT_CONFIG) -> list[Candidate]:
    chosen = [replace(wl, rule=Rule.REGION) for wl in load_watchlists(config) if wl.name == w.watchlist]
    if not chosen:
        raise SystemExit(f"{config} has no watchlist {w.watchlist!r}")
    matcher = Matcher(chosen, load_gazetteer())
    net = re.compile("|".join(re.escape(a) for a in w.also), re.IGNORECASE) if w.also else None
    found: dict[str, Candidate] = {}
    for item in iter_corpus(corpus, since=w.since, until=w.until):
        if not item.link or item.link in found:
            continue
        matches, vetoed = matcher.screen(item.title, item.description, link=item.link)
        why = "matcher" if matches or vetoed else ""
        if not why and net is not None and net.search(f"{item.title}\n{item.description}"):
            why = "also"
        if not why:
            continue
        found[item.link] = Candidate(
            link=item.link,
            published=item.published.isoformat(),
            outlet=(urlsplit(item.feed).hostname or item.feed).removeprefix("www."),
            title=item.title,
            description=item.description,
            why=why,
        )
    return sorted(found.values(), key=lambda c: (c.published, c.link))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("window")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    parser.add_argument("--out", type=Path, help="write the candidates here (outside the repository)")
    args = parser.parse_args(argv)
    w = window(args.window)
    found = candidates(w, args.corpus, args.config)
    by_why = {k: sum(c.why == k for c in found) for k in ("matcher", "also")}
    print(f"{w.name}: {len(found)} candidates ({by_why['matcher']} by the matcher, {by_why['also']} by name)")
    if args.out is not None:
        if args.out.resolve().is_relative_to(ROOT):
            raise SystemExit("refusing to write corpus text inside the repository")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with args.out.open("w", encoding="utf-8") as fh:
            for n, c in enumerate(found, 1):
                row = {"n": n, "link": c.link, "published": c.published, "outlet": c.outlet,
                       "title": c.title, "description": c.description}  # fmt: skip
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
