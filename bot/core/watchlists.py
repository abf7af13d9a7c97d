"""Watchlists: what a desk watches (regions, keywords, exclusions) and where its alerts go."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Rule(StrEnum):
    """How region and keyword hits combine into a match."""

    REGION_AND_KEYWORD = "region_and_keyword"
    REGION = "region"
    KEYWORD = "keyword"
    ANY = "any"


@dataclass(frozen=True, slots=True)
class Region:
    """A watched place. ``aliases`` are extra spellings an admin added beyond the gazetteer's."""

    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Watchlist:
    name: str
    channels: tuple[str, ...]
    regions: tuple[Region, ...] = ()
    keywords: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    rule: Rule = Rule.REGION_AND_KEYWORD
    min_killed: int | None = None
    min_wounded: int | None = None
    min_displaced: int | None = None
    min_missing: int | None = None
    muted: bool = False
    thresholds_any: bool = field(default=True)
    """With several thresholds set, True alerts when any is reached, False only when all are."""
    muted_until: datetime | None = None
    """With ``muted``: the mute ends by itself at this time (timezone-aware); None: until unmuted."""
    scope: str | None = None
    """What the desk watches in the region, in a sentence ("the Gaza Strip, not the West Bank"); the
    reader (``bot.core.reader``) is told it. Matching does not use it."""
    digest: tuple[str, ...] = ()
    """Local times ("07:00", "19:00") of the scheduled digest; empty: no scheduled digest."""
    timezone: str = "UTC"
    """The IANA zone the digest times and quiet hours are in ("Europe/London")."""
    quiet_hours: str | None = None
    """"22:00-07:00": during these local hours only severe events ping; the rest waits for the digest."""
    max_posts_per_hour: int | None = None
    """At most this many top-level alerts an hour per channel; the overflow goes to the digest."""

    def is_muted(self, now: datetime) -> bool:
        return self.muted and (self.muted_until is None or now < self.muted_until)

    @property
    def channel(self) -> str:
        return self.channels[0]
