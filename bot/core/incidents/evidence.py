"""The evidence that a report is of an incident's event, as numbers a learnt judgement can weigh.

The same things the written rule (``same_event.judge``) looks at — story names and sites both
name, the same toll, wording, place and nesting, kinds, ordinals, the gap in time — plus how alike
the two headlines and the two summaries read. ``bot.core.incidents.learnt`` weighs them with
weights trained on the labelled crisis windows (``eval/stream/train_same_event.py``). Pure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from rapidfuzz import fuzz

from bot.core.figures import Casualties, Category
from bot.core.incidents.places import PlaceHints
from bot.core.incidents.signature import EventSignature

FEATURES: tuple[str, ...] = (
    "shared story names", "shared site", "same toll", "wording overlap", "same place", "nested places",
    "both ongoing", "same kind", "a kind unknown", "same ordinal", "report's place specific",
    "lead's place specific", "no sites", "log hours apart", "report earlier", "title similarity",
    "summary similarity", "a toll update", "one town both", "both region-wide",
)  # fmt: skip
"""The names of the evidence, in order; the trained weights are stored against these names."""

# Kinds that go on (fighting, bombardment, a disaster, displacement, a rising toll), as the rule has them.
ONGOING_KINDS = frozenset({"fighting", "strike", "disaster", "displacement", "toll", "casualties"})
_SUMMARY_CHARS = 300


@dataclass(frozen=True, slots=True)
class Side:
    """One report as the evidence needs it: its signature, when, its own figures, its texts."""

    signature: EventSignature
    published: datetime
    casualties: Casualties
    title: str
    summary: str


def figures_agree(a: Casualties, b: Casualties) -> bool:
    """Both give the same killed or wounded count, of at least 3 (1 or 2 agree by chance)."""
    return any(
        (x := a.value(c)) is not None and x >= 3 and x == b.value(c)
        for c in (Category.KILLED, Category.WOUNDED)
    )


def evidence(
    report: Side, lead: Side, *, generic: frozenset[str], places: PlaceHints | None
) -> tuple[float, ...]:
    """The ``FEATURES`` of ``report`` against ``lead`` (an incident's first report)."""
    a, b = report.signature, lead.signature
    words_a, words_b = a.tokens - generic, b.tokens - generic
    overlap = len(words_a & words_b) / min(len(words_a), len(words_b)) if words_a and words_b else 0.0
    hours = (report.published - lead.published).total_seconds() / 3600
    sites = (a.facilities | a.context_sites) & (b.facilities | b.context_sites)
    same_place = a.place_key == b.place_key
    return (
        float(min(len((a.names - generic) & (b.names - generic)), 3)),
        float(bool(sites)),
        float(figures_agree(report.casualties, lead.casualties)),
        overlap,
        float(same_place),
        float(places is not None and places.nested(a.place_key, b.place_key)),
        float(all(k is None or k in ONGOING_KINDS for k in (a.kind, b.kind))),
        float(a.kind == b.kind),
        float(a.kind is None or b.kind is None),
        float(bool(a.ordinal) and a.ordinal == b.ordinal),
        float(a.specific),
        float(b.specific),
        float(not a.facilities and not b.facilities),
        math.log1p(max(hours, 0.0)),
        float(hours < 0),
        fuzz.token_set_ratio(lead.title, report.title) / 100,
        fuzz.token_set_ratio(lead.summary[:_SUMMARY_CHARS], report.summary[:_SUMMARY_CHARS]) / 100,
        float(a.kind == "toll"),
        float(a.town and b.town and same_place),
        float(not a.specific and not b.specific),
    )


__all__ = ["FEATURES", "ONGOING_KINDS", "Side", "evidence", "figures_agree"]
