"""The same-event judgement pair by pair, on a development window's push reports.

Every pair of items the tiers would push, in publication order: does ``same_event.judge`` join the
later one to the earlier (taken as an incident's lead)? Scored against the labels' events; with
``--show``, every disagreement and the judgement's reasons. Ordering effects of the real stream (which
report leads, what joined before) are left out: this isolates the judgement.

    .venv/bin/python -m eval.stream.pairs gaza-hospital sudan-war-begins [--show]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from bot.core.casualties import extract_casualties
from bot.core.figures import Casualties
from bot.core.headline import read_headline
from bot.core.incidents.evidence import Side
from bot.core.incidents.model import Incident, Source
from bot.core.incidents.places import PlaceHints
from bot.core.incidents.same_event import generic_words, judge
from bot.core.incidents.signature import EventSignature, build_signature
from bot.core.incidents.tolls import own_casualties
from bot.core.matching import Matcher
from bot.core.summary import summarise
from bot.core.tiers import Tier, tier_of
from bot.corpus import iter_corpus
from bot.geo import load_gazetteer
from bot.match_evaluation import DEFAULT_CORPUS, load_watchlists
from eval.stream.candidates import DEFAULT_CONFIG
from eval.stream.windows import load_labels, window


@dataclass(frozen=True, slots=True)
class Report:
    event: str
    signature: EventSignature
    casualties: Casualties
    published: datetime
    title: str
    description: str = ""

    @property
    def summary(self) -> str:
        """As an incident keeps it (``Incident.summary``)."""
        return summarise(self.title, self.description)

    def side(self) -> Side:
        return Side(self.signature, self.published, self.casualties, self.title, self.summary)


def reports(
    name: str, corpus: Path = DEFAULT_CORPUS, config: Path = DEFAULT_CONFIG
) -> tuple[list[Report], PlaceHints]:
    w = window(name)
    if w.sealed:
        raise SystemExit(f"{name} is sealed: its labels are not read item by item")
    labels = load_labels(w).items
    watchlists = [x for x in load_watchlists(config) if x.name == w.watchlist]
    gazetteer = load_gazetteer()
    matcher = Matcher(watchlists, gazetteer)
    hints = PlaceHints.from_gazetteer(gazetteer, watchlists)
    out: list[Report] = []
    seen: set[str] = set()
    for item in iter_corpus(corpus, since=w.since, until=w.until):
        label = labels.get(item.link)
        if label is None or label.event is None or item.link in seen:
            continue
        seen.add(item.link)
        surveys = matcher.survey(item.title, item.description, link=item.link)
        if not surveys:
            continue
        reading = read_headline(item.title)
        if tier_of(surveys[0], reading, item.description).tier is not Tier.PUSH:
            continue
        signature = build_signature(item.title, item.description, surveys[0].match, reading, hints)
        own = replace(
            own_casualties(extract_casualties(item.title, item.description), item.title), figures=()
        )
        out.append(Report(label.event, signature, own, item.published, item.title, item.description or ""))
    out.sort(key=lambda r: r.published)
    return out, hints


def as_incident(lead: Report) -> Incident:
    """An incident whose only report is ``lead``, as if it had been posted."""
    source = Source("f", "0", "F", None, lead.published)
    return Incident(
        "k", "w", lead.signature.place, lead.title, lead.summary, lead.casualties, (), (source,),
        lead.signature.tokens, lead.published, lead.published, True, lead.signature,
    )  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("windows", nargs="+")
    parser.add_argument("--show", action="store_true", help="print every disagreement")
    args = parser.parse_args(argv)
    total: Counter[tuple[bool, bool]] = Counter()
    for name in args.windows:
        found, hints = reports(name)
        generic = generic_words([], [r.signature for r in found])
        counts: Counter[tuple[bool, bool]] = Counter()
        for lead in found:
            incident = as_incident(lead)
            for later in found[found.index(lead) + 1 :]:
                verdict = judge(
                    later.signature,
                    later.published,
                    later.casualties,
                    incident,
                    generic=generic,
                    places=hints,
                )
                joined = verdict is not None and verdict.joins()
                same = lead.event == later.event
                counts[(same, joined)] += 1
                if args.show and same != joined:
                    why = json.dumps(list(verdict.reasons)) if verdict else "cannot join"
                    print(
                        f"  {'missed' if same else 'wrong'}: {why} | {lead.title[:70]} || {later.title[:70]}"
                    )
        tp, fp, fn = counts[(True, True)], counts[(False, True)], counts[(True, False)]
        print(f"{name}: pair precision {tp}/{tp + fp}, recall {tp}/{tp + fn}")
        total.update(counts)
    tp, fp, fn = total[(True, True)], total[(False, True)], total[(True, False)]
    print(f"all: pair precision {tp / max(1, tp + fp):.2f}, recall {tp / max(1, tp + fn):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
