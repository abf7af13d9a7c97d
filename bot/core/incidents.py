"""Incidents: one real-world event as Sitrep tracks it, built from one or more reports.

An incident belongs to one watchlist. Its figures only ever rise (a later, higher toll replaces
an earlier one; a late report repeating the first toll does not lower it), and it remembers every
source that reported it so the alert can say "3 sources".
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime

from bot.core.figures import Casualties, Category, Headline


@dataclass(frozen=True, slots=True)
class Source:
    """One report of an incident."""

    feed_id: str
    item_id: str
    name: str
    link: str | None
    published: datetime

    @property
    def key(self) -> tuple[str, str]:
        return (self.feed_id, self.item_id)


@dataclass(frozen=True, slots=True)
class Incident:
    key: str
    watchlist: str
    place: str | None
    title: str
    summary: str
    casualties: Casualties
    terms: tuple[str, ...]
    sources: tuple[Source, ...]
    tokens: frozenset[str]
    first_seen: datetime
    updated: datetime
    alerted: bool = False

    @property
    def lead(self) -> Source:
        return self.sources[0]


def incident_key(watchlist: str, feed_id: str, item_id: str) -> str:
    """Deterministic, so replaying the same first report can never mint a second incident."""
    digest = hashlib.sha256(f"{watchlist}\x1f{feed_id}\x1f{item_id}".encode()).hexdigest()
    return digest[:20]


def merge_casualties(old: Casualties, new: Casualties) -> Casualties:
    """Per category keep the higher figure: tolls rise, late repeats of a lower toll don't count."""
    merged: dict[str, Headline | None] = {}
    for cat in Category:
        a, b = old.headline(cat), new.headline(cat)
        if a is None or (b is not None and b.value > a.value):
            merged[cat.value] = b
        else:
            merged[cat.value] = a
    return Casualties(
        killed=merged["killed"],
        wounded=merged["wounded"],
        displaced=merged["displaced"],
        missing=merged["missing"],
        figures=(),
    )


def raised(old: Casualties, new: Casualties) -> tuple[Category, ...]:
    """Categories whose figure went up (or appeared) from ``old`` to ``new``."""
    out = []
    for cat in Category:
        a, b = old.value(cat), new.value(cat)
        if b is not None and (a is None or b > a):
            out.append(cat)
    return tuple(out)


def absorb(incident: Incident, source: Source, casualties: Casualties, terms: tuple[str, ...]) -> Incident:
    """The incident after one more report of it."""
    known = {(s.feed_id, s.item_id) for s in incident.sources}
    sources = incident.sources if (source.feed_id, source.item_id) in known else (*incident.sources, source)
    return replace(
        incident,
        casualties=merge_casualties(incident.casualties, casualties),
        sources=sources,
        # The lead report's words stay the incident's fingerprint: a union would grow with every
        # report until any story about the war looked like this one.
        tokens=incident.tokens,
        terms=tuple(dict.fromkeys((*incident.terms, *terms))),
        updated=max(incident.updated, source.published),
    )
