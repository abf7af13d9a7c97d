"""Which names make a country watch fire: an audit of the gazetteer against real headlines.

A watch on a country matches every place inside it under every spelling the gazetteer keeps. When
geonames gives a town the name of a person, a group or a brand ("Hamas" was an alternate name of Hamm
in Germany, "Police" is a town in Poland), that country's watch fires on news about the person. This
script builds the real ``Matcher`` with one region-only watch per country, runs every corpus headline
through it, and prints the names that hit most often, with the place each one resolved to, so a
maintainer can read the list and add the bad ones to ``deny`` or ``stopwords`` in
``bot/data/gazetteer_extra.json``. ``RESULTS.md`` (*Word senses, demonyms and the gazetteer's people*)
reports the audit of 2 December. About a minute::

    .venv/bin/python -m eval.matching.place_hits                       # the 60 most frequent names
    .venv/bin/python -m eval.matching.place_hits --country PL --country DE --top 20
    .venv/bin/python -m eval.matching.place_hits --descriptions        # names in the running text
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from bot.core.gazetteer import Gazetteer, PlaceKind
from bot.core.matching import Matcher
from bot.core.text import html_to_text
from bot.core.watchlists import Region, Rule, Watchlist
from bot.geo import load_gazetteer
from bot.match_evaluation import DEFAULT_CORPUS, corpus_lines

CHANNEL = ("C0AUDIT0001",)


def country_watches(gazetteer: Gazetteer, codes: Sequence[str] = ()) -> list[Watchlist]:
    """One region-only watch per country (or per code given), named by its ISO code."""
    wanted = {c.upper() for c in codes}
    return [
        Watchlist(place.key.lower(), CHANNEL, regions=(Region(place.name),), rule=Rule.REGION)
        for place in gazetteer.places.values()
        if place.kind is PlaceKind.COUNTRY and (not wanted or place.key in wanted)
    ]


def headline_hits(
    matcher: Matcher, titles: Sequence[str] | None, corpus: Path, *, descriptions: bool = False
) -> Counter[tuple[str, str, str]]:
    """(watch, name as written, place it stands for) -> items it hit. Case is kept: "POLICE" and
    "Police" are told apart, which shows whether the hit came from an all-capitals headline.
    ``descriptions`` reads the corpus items' descriptions instead of their headlines."""
    counts: Counter[tuple[str, str, str]] = Counter()
    field = "description" if descriptions else "title"
    source = (
        titles
        if titles is not None
        else (html_to_text(str(o.get(field) or "")) for o in corpus_lines(corpus))
    )
    for title in source:
        for match in matcher.match(title, ""):
            for hit in {(h.surface, h.place or h.term) for h in match.regions}:
                counts[(match.watchlist, *hit)] += 1
    return counts


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--country", action="append", default=[], help="ISO code; repeat; default all")
    parser.add_argument("--top", type=int, default=60)
    parser.add_argument("--descriptions", action="store_true", help="read descriptions, not headlines")
    args = parser.parse_args(argv)
    if not args.corpus.exists():
        parser.error(f"{args.corpus}: no such corpus file")
    gazetteer = load_gazetteer()
    watches = country_watches(gazetteer, args.country)
    if not watches:
        parser.error(f"no country with code {', '.join(args.country)}")
    counts = headline_hits(Matcher(watches, gazetteer), None, args.corpus, descriptions=args.descriptions)
    # The country's own name is what the watch is for; the audit is about the places inside it.
    names = {w.name: {n.lower() for n in gazetteer.expand(w.regions[0].name).names} for w in watches}
    shown = [(k, n) for k, n in counts.most_common() if k[1].lower() not in names[k[0]]][: args.top]
    print(f"{'items':>9}  watch  name as written -> place")
    for (watch, surface, place), n in shown:
        print(f"{n:>9}  {watch.upper():5}  {surface} -> {place}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
