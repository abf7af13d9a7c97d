"""Matching feed text against watchlists (pure core).

Result types are defined here; the ``Matcher`` builds one index for a set of watchlists and
answers ``match(title, summary)`` with one ``Match`` per watchlist that the text satisfies.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class HitKind(StrEnum):
    REGION = "region"
    KEYWORD = "keyword"
    EXCLUDE = "exclude"


@dataclass(frozen=True, slots=True)
class Hit:
    """One watch term found in the text.

    ``term`` is the watchlist's term it stands for (the region name "Idlib" or the keyword
    "airstrike"); ``surface`` is what the text actually said ("Saraqib", "Idleb", "air strikes");
    ``place`` is the most specific place named when it is a gazetteer place inside the region
    (e.g. "Saraqib"), else None. ``start``/``end`` index the matched text (title + "\n" + summary).
    """

    kind: HitKind
    term: str
    surface: str
    start: int
    end: int
    fuzzy: bool = False
    place: str | None = None


@dataclass(frozen=True, slots=True)
class Match:
    watchlist: str
    regions: tuple[Hit, ...]
    keywords: tuple[Hit, ...]

    @property
    def terms(self) -> tuple[str, ...]:
        """Distinct surface terms that hit, in order of appearance, for display in the alert."""
        seen: dict[str, None] = {}
        for hit in sorted((*self.regions, *self.keywords), key=lambda h: h.start):
            seen.setdefault(hit.surface, None)
        return tuple(seen)

    @property
    def place(self) -> str | None:
        """The place an alert headline names: the watched region the text hit first."""
        if not self.regions:
            return None
        return min(self.regions, key=lambda h: h.start).term
