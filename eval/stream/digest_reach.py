"""What the digest can reach: the digest items of a development window that name no watched place,
and what listing items by a further term (a party to the war: "Hamas") would add.

The digest lists what the watchlist matches. An item labelled ``digest`` that names none of the
region's places ("President Biden will travel to Israel" on a Gaza day) can only reach the digest
through a term that is not a place; this measures, for a term, how many of the items it would add
are labelled ``digest`` or ``push`` (wanted) and how many ``no`` (noise), and so whether a term list
could close the gap without a reader that judges relevance.

    .venv/bin/python -m eval.stream.digest_reach gaza-hospital --term Hamas
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.core.matching import Matcher
from bot.corpus import CorpusItem, iter_corpus
from bot.geo import load_gazetteer
from bot.match_evaluation import DEFAULT_CORPUS, load_watchlists
from eval.stream.candidates import DEFAULT_CONFIG
from eval.stream.windows import ItemLabel, load_labels, window


@dataclass(frozen=True, slots=True)
class Reach:
    digest_items: int
    """Items labelled ``digest``."""
    unmatched: int
    """Of those, the ones the watchlist does not match at all (no place of the region)."""
    added: Counter[str]
    """Items the watchlist does not match but the terms do, by label (``unlabelled`` for none)."""


def reach(
    items: Iterable[CorpusItem],
    labels: dict[str, ItemLabel],
    matches: Matcher,
    terms: Sequence[str],
) -> Reach:
    pattern = (
        re.compile(r"\b(?:" + "|".join(map(re.escape, terms)) + r")\b", re.IGNORECASE) if terms else None
    )
    digest = unmatched = 0
    added: Counter[str] = Counter()
    for item in items:
        label = labels.get(item.link)
        named = bool(matches.survey(item.title, item.description, link=item.link))
        if label is not None and label.tier == "digest":
            digest += 1
            unmatched += not named
        if not named and pattern is not None and pattern.search(f"{item.title}\n{item.description}"):
            added[label.tier if label else "unlabelled"] += 1
    return Reach(digest, unmatched, added)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("window")
    parser.add_argument("--term", action="append", default=[], help="a term that would list an item")
    args = parser.parse_args(argv)
    w = window(args.window)
    if w.sealed:
        raise SystemExit(f"{w.name} is sealed: its labels are not read item by item")
    watchlists = [x for x in load_watchlists(DEFAULT_CONFIG) if x.name == w.watchlist]
    found = reach(
        iter_corpus(DEFAULT_CORPUS, since=w.since, until=w.until),
        dict(load_labels(w).items),
        Matcher(watchlists, load_gazetteer()),
        args.term,
    )
    print(
        f"{w.name}: {found.unmatched} of {found.digest_items} digest items name no place"
        " the watchlist matches"
    )
    if args.term:
        wanted = found.added["digest"] + found.added["push"]
        noise = found.added["no"] + found.added["unlabelled"]
        print(
            f"  items naming {', '.join(args.term)} and no watched place: {wanted} wanted "
            f"({found.added['digest']} digest, {found.added['push']} push), {noise} not "
            f"({found.added['no']} labelled no, {found.added['unlabelled']} unlabelled)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
