"""Incidents: one real-world event as Sitrep tracks it, built from the reports of that event.

An incident belongs to one watchlist. It keeps its event signature (what, where, its anchors: the
hospital, the dam, the convoy), every report that joined it, and each report's own figures as a
claim, so the alert can show the latest toll with its source and say when sources disagree.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.figures import Casualties
from bot.core.incidents.signature import EventSignature


@dataclass(frozen=True, slots=True)
class Source:
    """One report of an incident."""

    feed_id: str
    item_id: str
    name: str
    link: str | None
    published: datetime
    story: str = ""
    """The article's story key (``stories.story_key``): a re-issued item is the same report."""

    @property
    def key(self) -> tuple[str, str]:
        return (self.feed_id, self.item_id)


@dataclass(frozen=True, slots=True)
class Claim:
    """One report's own figures for the incident's event, and who it attributes them to."""

    outlet: str
    published: datetime
    casualties: Casualties
    said_by: str | None = None
    """Who the report says gave the figure ("Gaza health ministry"), when it says so."""
    disputed_by: str | None = None
    """Who the report says disputes or denies the figure."""
    link: str | None = None


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
    event: EventSignature | None = None
    """What, where and the anchors of the lead report; None for incidents stored before signatures."""
    claims: tuple[Claim, ...] = ()
    why: tuple[str, ...] = field(default=())
    """Why the first alert pinged ("new event", "toll of 10 or more", "first report from Rafah")."""
    severity: int = 0
    held: str | None = None
    """Why it was not posted, when it was not: below the thresholds, quiet hours, the hourly limit,
    a mute. Held incidents are listed in the next digest instead."""

    @property
    def lead(self) -> Source:
        return self.sources[0]


def incident_key(watchlist: str, feed_id: str, item_id: str) -> str:
    """Deterministic, so replaying the same first report can never mint a second incident."""
    digest = hashlib.sha256(f"{watchlist}\x1f{feed_id}\x1f{item_id}".encode()).hexdigest()
    return digest[:20]
