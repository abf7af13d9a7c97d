"""An incident's figures: each report's own toll, the headline the alert shows, and disagreements.

* A report contributes only the figures it gives for its own main event *near the top*: in its title
  or its first sentence. Figures deeper in a description are, far more often than not, another
  event's (a round-up's other stories, the war's total, an anniversary).
* The headline shows, per category, the highest figure reported (tolls rise; a late repeat of a
  lower figure does not lower it), as ``merge`` did before.
* Each report's figures are kept as a claim with who it says gave them, so the alert can say when
  sources disagree or a party disputes the figure, instead of silently editing back and forth.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.core.figures import Casualties, Category, Headline, Scope
from bot.core.incidents.model import Claim

LEAD_CHARS = 280
"""How far into the description a report's own figures may be."""

_ACCORDING = re.compile(
    r"\b(?:according to|citing|said|says|reported by)\s+(?:the\s+)?"
    r"((?:[A-Z][\w'’.-]*|of|the|and)(?:\s+(?:[A-Z][\w'’.-]*|of|the|and)){0,5})",
)
_DISPUTE = re.compile(
    r"\b([A-Z][\w'’-]*(?:\s+[\w'’-]+){0,2}?)\s+(?:disputes?|disputed|denies|denied|rejects?|rejected|dismisses|"
    r"dismissed|questions?|questioned)\s+(?:the\s+|that\s+|these\s+|this\s+)?"
    r"(?:figures?|toll|numbers?|count|claims?|death toll|casualty figures?)",
)


# Events that harm no one by themselves: a convoy, a truce step, a release, a capture, an exodus. A
# toll in such a report's first sentence is the war's or another event's ("the first UN convoy since
# the quake that killed 17,000"), unless its headline's main clause states it.
_HARMLESS = frozenset({"aid", "ceasefire", "hostages", "capture", "displacement"})
_HARM = (Category.KILLED, Category.WOUNDED, Category.MISSING)


def own_casualties(
    casualties: Casualties, title: str, *, kind: str | None = None, main: tuple[int, int] | None = None
) -> Casualties:
    """The headline figures that the report states in its title or first sentence.

    ``kind`` is the report's event kind and ``main`` the span of its headline's main clause: for a
    kind that harms no one, people killed, wounded or missing count only when the main clause says so."""
    limit = len(title) + 1 + LEAD_CHARS
    kept: dict[Category, Headline | None] = {}
    for category in Category:
        headline = casualties.headline(category)
        if headline is None:
            kept[category] = None
            continue
        if kind in _HARMLESS and category in _HARM:
            start, end = main if main is not None else (0, len(title))
            stated = [f for f in casualties.figures if f.category is category and f.value == headline.value]
            if not any(start <= f.span[0] < end for f in stated):
                kept[category] = None
                continue
        support = [
            f
            for f in casualties.figures
            if f.category is category and f.value == headline.value and f.scope is Scope.INCIDENT
        ]
        # No supporting figure: a singular victim read from the wording ("a man was killed").
        near = not support or any(f.span[0] <= limit for f in support)
        kept[category] = headline if near else None
    return Casualties(
        killed=kept[Category.KILLED],
        wounded=kept[Category.WOUNDED],
        displaced=kept[Category.DISPLACED],
        missing=kept[Category.MISSING],
        figures=casualties.figures,
    )


def said_by(title: str, summary: str, speaker: str | None) -> str | None:
    """Who the report says gave its figures: the headline's speaker, else "according to …"."""
    if speaker and len(speaker) <= 60:
        return speaker
    m = _ACCORDING.search(f"{title}. {summary[:LEAD_CHARS]}")
    if m is None:
        return None
    who = m.group(1).strip()
    return who if 2 < len(who) <= 60 else None


def disputed_by(title: str, summary: str) -> str | None:
    m = _DISPUTE.search(f"{title}. {summary[:LEAD_CHARS]}")
    return m.group(1).strip() if m else None


def merge(old: Casualties, new: Casualties) -> Casualties:
    """Per category keep the higher figure: tolls rise, late repeats of a lower toll don't count."""
    merged: dict[str, Headline | None] = {}
    for cat in Category:
        a, b = old.headline(cat), new.headline(cat)
        merged[cat.value] = b if a is None or (b is not None and b.value > a.value) else a
    return Casualties(
        killed=merged["killed"],
        wounded=merged["wounded"],
        displaced=merged["displaced"],
        missing=merged["missing"],
    )


def raised(old: Casualties, new: Casualties) -> tuple[Category, ...]:
    """Categories whose figure went up (or appeared) from ``old`` to ``new``."""
    out = []
    for cat in Category:
        a, b = old.value(cat), new.value(cat)
        if b is not None and (a is None or b > a):
            out.append(cat)
    return tuple(out)


def disagreement(claims: Sequence[Claim]) -> str | None:
    """A line for the alert when sources give different tolls or a party disputes one, else None.

    "Killed: 500 (Gaza officials, Sky News), 471 (health ministry, Al Jazeera); disputed by Israel".
    Only the latest claim of each source counts: one outlet updating its own figure is a rise, not
    a disagreement."""
    latest: dict[str, Claim] = {}
    for claim in sorted(claims, key=lambda c: c.published):
        latest[claim.said_by or claim.outlet] = claim
    parts = []
    for category in (Category.KILLED, Category.WOUNDED):
        values: dict[int, list[str]] = {}
        for who, claim in latest.items():
            value = claim.casualties.value(category)
            if value is not None:
                values.setdefault(value, []).append(who)
        if len(values) > 1:
            shown = ", ".join(
                f"{value:,} ({', '.join(sorted(set(whos))[:2])})"
                for value, whos in sorted(values.items(), reverse=True)[:3]
            )
            parts.append(f"{category.value}: {shown}")
    disputes = sorted({c.disputed_by for c in claims if c.disputed_by})
    text = "Sources differ — " + "; ".join(parts) if parts else ""
    if disputes:
        text += ("; " if text else "") + f"disputed by {', '.join(disputes[:2])}"
    return text or None
