"""Scoring extracted casualty figures against hand labels (GUIDELINES.md, "Scoring").

A prediction is right when it equals the label (an integer, or both null). Precision is taken over
non-null predictions, recall over non-null labels; F1 per category and micro-averaged over
killed + wounded, the headline number. Pure: values in, values out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

CATEGORIES: tuple[str, ...] = ("killed", "wounded", "displaced", "missing")
HEADLINE_CATEGORIES: tuple[str, ...] = ("killed", "wounded")


@dataclass(frozen=True, slots=True)
class Scored:
    """One item: its id and title, predicted and labelled value per category."""

    id: str
    title: str
    predicted: Mapping[str, int | None]
    expected: Mapping[str, int | None]


@dataclass(frozen=True, slots=True)
class CategoryScore:
    correct: int
    predictions: int
    labels: int

    @property
    def precision(self) -> float:
        return self.correct / self.predictions if self.predictions else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.labels if self.labels else 1.0

    @property
    def f1(self) -> float:
        total = self.predictions + self.labels
        return 2 * self.correct / total if total else 1.0


@dataclass(frozen=True, slots=True)
class Miss:
    id: str
    category: str
    predicted: int | None
    expected: int | None
    title: str


@dataclass(frozen=True, slots=True)
class Report:
    categories: Mapping[str, CategoryScore]
    micro: CategoryScore
    misses: tuple[Miss, ...]
    items: int

    def as_dict(self) -> dict[str, Any]:
        def row(s: CategoryScore) -> dict[str, float | int]:
            return {
                "precision": round(s.precision, 4),
                "recall": round(s.recall, 4),
                "f1": round(s.f1, 4),
                "correct": s.correct,
                "predictions": s.predictions,
                "labels": s.labels,
            }

        return {
            "items": self.items,
            "categories": {c: row(s) for c, s in self.categories.items()},
            "micro_killed_wounded": row(self.micro),
            "misses": [
                {"id": m.id, "category": m.category, "predicted": m.predicted, "expected": m.expected,
                 "title": m.title}
                for m in self.misses
            ],
        }  # fmt: skip


def score(items: Iterable[Scored]) -> Report:
    """Per-category and micro (killed+wounded) precision/recall/F1, plus every miss."""
    counts = {c: [0, 0, 0] for c in CATEGORIES}
    misses: list[Miss] = []
    n = 0
    for item in items:
        n += 1
        for cat in CATEGORIES:
            p, e = item.predicted.get(cat), item.expected.get(cat)
            tally = counts[cat]
            if p is not None:
                tally[1] += 1
                if p == e:
                    tally[0] += 1
            if e is not None:
                tally[2] += 1
            if p != e:
                misses.append(Miss(item.id, cat, p, e, item.title))
    per = {c: CategoryScore(*counts[c]) for c in CATEGORIES}
    micro = CategoryScore(
        correct=sum(per[c].correct for c in HEADLINE_CATEGORIES),
        predictions=sum(per[c].predictions for c in HEADLINE_CATEGORIES),
        labels=sum(per[c].labels for c in HEADLINE_CATEGORIES),
    )
    return Report(categories=per, micro=micro, misses=tuple(misses), items=n)
