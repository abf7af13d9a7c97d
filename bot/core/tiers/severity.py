"""How grave a pushed event is: a score from its figures, its kind and its place, with reasons.

The score decides whether an event pings during quiet hours (``SEVERE`` and above do), and the
reasons are the alert's "why it pinged" line. Documented in README.md ("Tiers and digests"):

| what | points |
|---|---|
| killed 100 or more / 10 or more / 1 or more | 4 / 3 / 1 |
| wounded 50 or more | 1 |
| a strike, blast or attack that killed someone | 1 |
| a disaster (quake, flood, dam breach) | 2 |
| a truce step or a hostage release | 1 |
| the first report from this place in the watchlist's open incidents | 1 |
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.figures import Casualties, Category

SEVERE = 4
"""Events scoring this or more ping even during quiet hours."""


@dataclass(frozen=True, slots=True)
class Severity:
    score: int
    reasons: tuple[str, ...]

    @property
    def severe(self) -> bool:
        return self.score >= SEVERE


def severity(
    kind: str | None, casualties: Casualties, *, place: str | None, first_from_place: bool
) -> Severity:
    score = 0
    reasons = ["new event"]
    killed = casualties.value(Category.KILLED) or 0
    wounded = casualties.value(Category.WOUNDED) or 0
    if killed >= 100:
        score += 4
        reasons.append("toll of 100 or more")
    elif killed >= 10:
        score += 3
        reasons.append("toll of 10 or more")
    elif killed >= 1:
        score += 1
    if wounded >= 50:
        score += 1
        if killed < 10:
            reasons.append("50 or more wounded")
    if kind in ("strike", "blast", "attack") and killed >= 1:
        score += 1
    elif kind == "disaster":
        score += 2
        reasons.append("a disaster")
    elif kind in ("ceasefire", "hostages"):
        score += 1
        reasons.append("a truce step" if kind == "ceasefire" else "a hostage release")
    if first_from_place and place:
        score += 1
        reasons.append(f"first report from {place}")
    return Severity(score, tuple(reasons))
