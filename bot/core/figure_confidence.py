"""How far to trust each headline casualty figure: a probability that it is the item's figure.

The rules (``bot.core.casualties``) state every figure they choose with the same assurance, yet on
news nobody tuned them on about one chosen figure in six is wrong (#18), and the wrong ones have a
shape: a figure chosen among several different counts, one set in a sentence that only weakly
belongs to the event, a victim read from wording with no number, an item that also carries
background totals or disputed claims. ``features`` describes how a headline was decided in those
terms; a logistic model over them (``ConfidenceModel``; weights in
``bot/data/figure_confidence.json``, fitted on the #18 dev split by
``eval/casualties/train_confidence.py``) turns that into a probability. Alerts mark a figure whose
confidence is below the model's ``low`` threshold as uncertain rather than stating it flatly.

The confidence changes no figure: precision and recall are the rules' own. Pure: the model is data
handed in.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from bot.core import casualty_cues as cues
from bot.core.casualties import Reading, decide, read_figures
from bot.core.figures import Casualties, Category, Headline, Scope

Extractor = Callable[[str, str], Casualties]

# Words that put a figure in doubt or in another event's story.
_DISPUTE = re.compile(
    r"\b(?:denie[sd]|deny|disputed?|dismiss(?:es|ed)?|unverified|could\s+not\s+(?:be\s+)?(?:independently\s+)?"
    r"verif|without\s+evidence|claim(?:s|ed)?|alleged(?:ly)?|rumou?r)",
    re.IGNORECASE,
)
_OTHER_EVENT = re.compile(
    r"\b(?:meanwhile|separately|elsewhere|in\s+another|in\s+a\s+separate|also\s+on|earlier\s+(?:on|this)|"
    r"newsletter|briefing|round-?up|live\s+updates?|what\s+we\s+know)\b",
    re.IGNORECASE,
)
_FOLLOW_UP = re.compile(
    r"\b(?:trial|court|sentenced|jailed|inquest|convicted|charged|accused|funeral|anniversary|memorial|"
    r"tribute|remember|years?\s+(?:ago|after|on)|acquitted|appeal)\b",
    re.IGNORECASE,
)

FEATURES: tuple[str, ...] = (
    "bias",
    "killed",
    "wounded",
    "displaced",
    "missing",
    "zero",
    "singular",
    "toll",
    "weak",
    "vague",
    "qualifier",
    "group",
    "in_title",
    "title_trigger",
    "rivals",
    "rivals_larger",
    "background_same",
    "background_any",
    "categories",
    "log_value",
    "log_length",
    "dispute",
    "other_event",
    "follow_up",
    "candidates",
)


@dataclass(frozen=True, slots=True)
class ConfidenceModel:
    """Logistic weights over ``FEATURES`` and the probability below which a figure is uncertain."""

    weights: Mapping[str, float]
    low: float

    def probability(self, x: Mapping[str, float]) -> float:
        z = sum(self.weights.get(name, 0.0) * value for name, value in x.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> ConfidenceModel:
        """From the packaged JSON shape; ``ValueError`` names what is wrong."""
        weights = raw.get("weights")
        low = raw.get("low")
        if not isinstance(weights, Mapping) or not weights:
            raise ValueError("'weights' must be a non-empty object")
        unknown = sorted(set(weights) - set(FEATURES))
        if unknown:
            raise ValueError(f"unknown features: {', '.join(unknown)}")
        if not all(isinstance(v, int | float) and math.isfinite(v) for v in weights.values()):
            raise ValueError("every weight must be a finite number")
        if not isinstance(low, int | float) or not 0.0 <= low <= 1.0:
            raise ValueError("'low' must be a probability")
        return cls(weights={str(k): float(v) for k, v in weights.items()}, low=float(low))


def features(reading: Reading, casualties: Casualties, category: Category) -> dict[str, float]:
    """How the headline of ``category`` was decided, as numbers (empty when there is none)."""
    head = casualties.headline(category)
    if head is None:
        return {}
    title_end = len(reading.title)
    mine = [c for c in reading.candidates if c.figure.category is category and not c.figure.subset]
    incident = [c for c in mine if c.figure.scope is Scope.INCIDENT]
    chosen = [c for c in incident if c.figure.value == head.value]
    values = {c.figure.value for c in incident}
    text = reading.text
    description = text[title_end:]
    return {
        "bias": 1.0,
        category.value: 1.0,
        "zero": float(head.value == 0),
        "singular": float(not chosen and head.value > 0),
        "toll": float(any(c.figure.update for c in chosen)),
        "weak": float(bool(chosen) and all(c.weak for c in chosen)),
        "vague": float(any(c.figure.vague for c in chosen)),
        "qualifier": float(head.qualifier is not None),
        "group": float(head.group is not None),
        "in_title": float(any(c.figure.span[0] < title_end for c in chosen)),
        "title_trigger": float(any(s in f" {reading.title.lower()}" for s in cues.TRIGGER_STEMS)),
        "rivals": float(min(3, len(values - {head.value}))),
        "rivals_larger": float(any(v > head.value for v in values)),
        "background_same": float(any(c.figure.scope is Scope.BACKGROUND for c in mine)),
        "background_any": float(any(c.figure.scope is Scope.BACKGROUND for c in reading.candidates)),
        "categories": float(len(casualties.headlines)),
        "log_value": math.log1p(head.value) / 10.0,
        "log_length": math.log1p(len(description)) / 8.0,
        "dispute": float(_DISPUTE.search(text) is not None),
        "other_event": float(_OTHER_EVENT.search(text) is not None),
        "follow_up": float(_FOLLOW_UP.search(text) is not None),
        "candidates": float(min(6, len(reading.candidates))) / 6.0,
    }


def with_confidence(reading: Reading, casualties: Casualties, model: ConfidenceModel) -> Casualties:
    """``casualties`` with each headline's ``confidence`` and ``uncertain`` set by ``model``."""

    def judged(category: Category) -> Headline | None:
        head = casualties.headline(category)
        if head is None:
            return None
        p = round(model.probability(features(reading, casualties, category)), 3)
        return replace(head, confidence=p, uncertain=p < model.low)

    return replace(
        casualties,
        killed=judged(Category.KILLED),
        wounded=judged(Category.WOUNDED),
        displaced=judged(Category.DISPLACED),
        missing=judged(Category.MISSING),
    )


def confident_extractor(model: ConfidenceModel | None) -> Extractor:
    """The rules' figures, each with its confidence under ``model`` (None: the rules alone)."""

    def extract(title: str, description: str) -> Casualties:
        reading = read_figures(title, description)
        casualties = decide(reading)
        if model is None or not casualties.headlines:
            return casualties
        return with_confidence(reading, casualties, model)

    return extract


def training_rows(
    reading: Reading, casualties: Casualties, labels: Mapping[str, int | None], categories: Sequence[Category]
) -> list[tuple[dict[str, float], bool]]:
    """(features, right) for each headline the rules state: the confidence model's training data."""
    return [
        (features(reading, casualties, c), casualties.value(c) == labels.get(c.value))
        for c in categories
        if casualties.headline(c) is not None
    ]
