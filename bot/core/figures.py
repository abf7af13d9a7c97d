"""Casualty figures: the values the extractor produces and alerts display.

The contract for what the figures of an item are is ``../shared/eval/GUIDELINES.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Category(StrEnum):
    KILLED = "killed"
    WOUNDED = "wounded"
    DISPLACED = "displaced"
    MISSING = "missing"


class Scope(StrEnum):
    INCIDENT = "incident"
    BACKGROUND = "background"


@dataclass(frozen=True, slots=True)
class Figure:
    """One casualty figure found in the text.

    ``qualifier`` is the normalised hedge as a desk would print it ("at least", "more than",
    "nearly", "about", "up to") or None for a bare number. ``group`` is who was counted when the
    text says so ("civilians", "children", "soldiers"). ``span`` indexes the text the extractor saw.
    """

    category: Category
    value: int
    qualifier: str | None = None
    group: str | None = None
    scope: Scope = Scope.INCIDENT
    span: tuple[int, int] = (0, 0)
    text: str = ""
    subset: bool = False
    """A part of another figure ("including 11 children"): shown, never added or used as headline."""
    update: bool = False
    """Stated as a toll or its update ("death toll rises to 141"); beats other figures of its category."""
    vague: bool = False
    """Read from a vague plural ("dozens" → 24) by convention."""


@dataclass(frozen=True, slots=True)
class Headline:
    """The figure an alert headline shows for one category."""

    category: Category
    value: int
    qualifier: str | None = None
    group: str | None = None
    # How the figure was read, not what it is: two readings of one figure are equal whatever their
    # confidence (``bot.core.figure_confidence``).
    confidence: float | None = field(default=None, compare=False)
    """The probability that this is the item's figure; None when it was not assessed."""
    uncertain: bool = field(default=False, compare=False)
    """Read with low confidence: shown as such, never stated flatly."""

    def describe(self) -> str:
        """'at least 9 civilians killed', '20 wounded', 'no one killed', '3 killed (uncertain)'."""
        if self.value == 0:
            told = f"no one {self.category.value}"
        else:
            parts = [p for p in (self.qualifier, f"{self.value:,}", self.group) if p]
            told = f"{' '.join(parts)} {self.category.value}"
        return f"{told} (uncertain)" if self.uncertain else told


@dataclass(frozen=True, slots=True)
class Casualties:
    """The headline figures of one item plus every figure found (incident and background)."""

    killed: Headline | None = None
    wounded: Headline | None = None
    displaced: Headline | None = None
    missing: Headline | None = None
    figures: tuple[Figure, ...] = field(default=())

    def headline(self, category: Category) -> Headline | None:
        value: Headline | None = getattr(self, category.value)
        return value

    @property
    def headlines(self) -> tuple[Headline, ...]:
        return tuple(h for h in (self.killed, self.wounded, self.displaced, self.missing) if h is not None)

    @property
    def background(self) -> tuple[Figure, ...]:
        return tuple(f for f in self.figures if f.scope is Scope.BACKGROUND)

    def value(self, category: Category) -> int | None:
        h = self.headline(category)
        return None if h is None else h.value

    def as_dict(self) -> dict[str, int | None]:
        return {c.value: self.value(c) for c in Category}
