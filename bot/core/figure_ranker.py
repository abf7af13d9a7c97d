"""A learnt choice of each category's headline figure among every number the item offers.

The rules (``bot.core.casualties``) classify each count by the words around it and pick one per
category. On news nobody tuned them on they miss a quarter of the labelled figures, mostly because
the right number was among the item's numbers but the rules either never made it a candidate or
chose another one (#18). This module turns the choice into a classification:

* **Options** per category: every count in the item's casualty sentences, the rules' own
  candidates (sums of groups included), and the singular or zero count the rules read ("a man was
  killed" → 1; "no one was hurt" → 0).
* **Features** of an option: what the rules made of it (its category, scope, toll wording,
  subset, whether it is their pick) and its surroundings (a casualty word of the category just
  before or after, a person or a thing counted, background or hypothetical wording, title or body,
  size, vagueness).
* **A logistic model** (trained by ``eval/casualties/train_ranker.py`` on the dev split only)
  scores each option; the best one is the category's figure when its probability reaches the
  category's threshold, else the category is empty. The probability is the figure's
  ``confidence``.

Status: an experiment, not wired into the bot. Out of fold on the dev split it scores 0.812 against
the rules' 0.790, and 0.791 against 0.781 on the sealed split, so no weights ship: these features
cannot tell the main event from the others well enough (``docs/ACCURACY.md``, #18).

Pure: text in, figures out; the model is data handed in.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.core import casualty_cues as cues
from bot.core.casualties import Reading, decide, read_figures, sentence_spans, with_headlines
from bot.core.figures import Casualties, Category, Headline, Scope
from bot.core.numbers import Quantity, find_quantities

_I = re.IGNORECASE
_CUE = {
    Category.KILLED: re.compile(
        r"\b(?:kill\w*|dead|deaths?|died|dies|die|dying|toll|bodies|lives|fatal\w*|perish\w*|slain|"
        r"murder\w*|massacr\w*|execut\w*|drown\w*|shot)\b",
        _I,
    ),
    Category.WOUNDED: re.compile(
        r"\b(?:wound\w*|injur\w*|hurt|hospitali[sz]\w*|casualt\w*|critical\w*)\b", _I
    ),
    Category.DISPLACED: re.compile(
        r"\b(?:displac\w*|fled|flee\w*|evacuat\w*|homeless|refugees?|uproot\w*|shelters?)\b", _I
    ),
    Category.MISSING: re.compile(r"\b(?:missing|unaccounted|disappear\w*)\b", _I),
}
_PERSON_AFTER = re.compile(
    r"^\s+(?:[\w'’-]+\s+){0,2}?(?:people|persons?|civilians?|children|kids|men|women|soldiers?|"
    r"troops|officers?|police\w*|residents?|villagers?|migrants?|refugees?|workers?|students?|"
    r"passengers?|fighters?|militants?|members?|victims?|Palestinians?|Israelis?|Ukrainians?|"
    r"Russians?|family|babies|teenagers?|others?|pilgrims?|miners?|patients?|journalists?)\b",
    _I,
)
_THING_AFTER = re.compile(
    r"^\s+(?:[\w'’-]+\s+){0,2}?(?:homes?|houses?|buildings?|cars?|vehicles?|towns?|villages?|"
    r"districts?|regions?|provinces?|countries|states?|hospitals?|schools?|tonnes?|tons?|acres?|"
    r"hectares?|animals?|cattle|cows?|horses?|sheep|goats?|dogs?|cats?|birds?|fish|whales?|dolphins?|"
    r"elephants?|trees?|flights?|shops?|years?|days?|"
    r"months?|weeks?|hours?|times|percent|per\s+cent|drones?|missiles?|rockets?|shells?)\b",
    _I,
)
_BACKGROUND = re.compile(
    r"\b(?:since|so\s+far|this\s+year|last\s+year|in\s+total|total\s+of|overall|cumulative|"
    r"over\s+the\s+(?:past|last)|in\s+the\s+(?:past|last)|(?:years?|months?|weeks?)\s+ago|"
    r"anniversary|war\s+(?:that|which|has)|(?:19|20)\d\d)\b",
    _I,
)
_TOLL = re.compile(r"\b(?:toll|rises?\s+to|climb\w*\s+to|reach\w*|passe[sd]|tops?)\b", _I)
_ONE_PERSON = (
    r"(?:man|woman|boy|girl|child|baby|toddler|teen\w*|student|soldier|officer|policeman|"
    r"policewoman|journalist|reporter|worker|driver|pilot|passenger|pedestrian|cyclist|"
    r"peacekeeper|civilian|father|mother|son|daughter|wife|husband|resident|tourist|"
    r"photographer|activist|doctor|nurse|guard|prisoner|inmate|suspect|gunman|attacker|"
    r"militant|commander|leader|mastermind|beautician|clerk|farmer|fisherman|hiker|climber)"
)
# "a UN peacekeeper killed", "killed a beautician", "Kenji Nagai … was shot and killed"
_SINGLE_BEFORE_CUE = re.compile(
    rf"\b(?:a|an|one|the|another)\s+(?:[\w'’-]+\s+){{0,3}}?{_ONE_PERSON}\b(?:\s*,\s*\d+\s*,)?"
    r"(?:\s+(?:\w+\s+){0,4}?)?$",
    _I,
)
_SINGLE_AFTER_CUE = re.compile(
    rf"^\s*(?:an?|one|the|his|her|their)\s+(?:[\w'’-]+\s+){{0,3}}?{_ONE_PERSON}\b", _I
)
_NAME_BEFORE_CUE = re.compile(
    r"\b[A-Z][\w'’-]+\s+[A-Z][\w'’-]+(?:\s*,\s*\d{1,3}\s*,)?\s+(?:(?:was|is|has|had|been|being|"
    r"who)\s+){0,3}(?:\w+\s+(?:and\s+)?)?$"
)
# headline style drops the article: "UN peacekeeper killed", "British woman is killed"
_BARE_PERSON_BEFORE_CUE = re.compile(
    rf"\b{_ONE_PERSON}(?:\s*,\s*\d{{1,3}}\s*,)?\s+(?:(?:is|was|has\s+been|gets?|got)\s+)?(?:\w+\s+)?$", _I
)
_PLURAL_AFTER_CUE = re.compile(
    r"^\s*(?:\w+\s+){0,2}?(?:people|civilians|soldiers|children|dozens|scores|hundreds)\b", _I
)
WINDOW = 60
LEXICAL = ("w<:", "w>:", "t:")
"""Prefixes of the word features: the 4 words before a count, the 4 after it, the title's words."""

FEATURES: tuple[str, ...] = (
    "rules_head",
    "rules_cat",
    "rules_cat_incident",
    "rules_cat_weak",
    "rules_cat_background",
    "rules_update",
    "rules_subset",
    "rules_other_cat",
    "singular",
    "zero",
    "in_title",
    "first_body_sentence",
    "vague",
    "qualified",
    "person_after",
    "thing_after",
    "cue_after",
    "cue_before",
    "cue_sentence",
    "other_cue_near",
    "background_near",
    "hypothetical",
    "toll_near",
    "max_cued",
    "log_value",
    "many_numbers",
    "repeated",
    "title_cue_cat",
    "title_cue_any",
    "one_option",
    "one_person_title",
    "one_person_body",
    "one_name_title",
    "one_name_body",
    "one_cue_title",
    "one_cue_body",
    "one_plural_near",
    "one_alone",
    "one_alone_title",
    "cat_killed",
    "cat_wounded",
    "cat_displaced",
    "cat_missing",
)


@dataclass(frozen=True, slots=True)
class Option:
    """One value a category's headline could take, and what speaks for it."""

    category: Category
    value: int
    features: Mapping[str, float]
    qualifier: str | None = None
    group: str | None = None


@dataclass(frozen=True, slots=True)
class RankerModel:
    """Weights over ``FEATURES`` (missing ones are 0) and a threshold per category."""

    weights: Mapping[str, float]
    bias: float
    thresholds: Mapping[str, float] = field(default_factory=dict)
    trained_on: str = ""

    def probability(self, features: Mapping[str, float]) -> float:
        z = self.bias + sum(self.weights.get(k, 0.0) * v for k, v in features.items())
        return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))

    def threshold(self, category: Category) -> float:
        return self.thresholds.get(category.value, 0.5)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RankerModel:
        return cls(
            weights={str(k): float(v) for k, v in data["weights"].items()},
            bias=float(data["bias"]),
            thresholds={str(k): float(v) for k, v in data.get("thresholds", {}).items()},
            trained_on=str(data.get("trained_on", "")),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "weights": dict(self.weights),
            "bias": self.bias,
            "thresholds": dict(self.thresholds),
            "trained_on": self.trained_on,
        }


def load_model(path: Path) -> RankerModel:
    """A model saved by ``eval/casualties/train_ranker.py``."""
    return RankerModel.from_json(json.loads(path.read_text(encoding="utf-8")))


@dataclass(frozen=True, slots=True)
class Ranked:
    """The figures with a confidence (0–1) for each headline."""

    casualties: Casualties
    confidence: Mapping[Category, float]


def options(reading: Reading, rules: Casualties | None = None) -> list[Option]:
    """Every option of every category, with its features."""
    if not reading.triggered:
        return []
    rules = rules or decide(reading)
    text = reading.text
    title_end = len(reading.title)
    body_first_end = _first_sentence_end(text, title_end)
    mentions = _mentions(text)
    singular = reading.singular(())
    out: list[Option] = []
    for category in Category:
        found: dict[int, dict[str, float]] = {}
        shown: dict[int, tuple[str | None, str | None]] = {}
        head = rules.headline(category)

        for c in reading.candidates:
            f = c.figure
            if f.category is not category:
                continue
            _note(
                found,
                f.value,
                {
                    "rules_cat": 1.0,
                    "rules_cat_incident": float(f.scope is Scope.INCIDENT and not c.weak),
                    "rules_cat_weak": float(c.weak),
                    "rules_cat_background": float(f.scope is Scope.BACKGROUND),
                    "rules_update": float(f.update),
                    "rules_subset": float(f.subset),
                    "in_title": float(f.span[0] < title_end),
                    "vague": float(f.vague),
                    "qualified": float(f.qualifier is not None),
                },
            )
            shown.setdefault(f.value, (f.qualifier, f.group))
        other_values = {c.figure.value for c in reading.candidates if c.figure.category is not category}
        cue = _CUE[category]
        others = [p for k, p in _CUE.items() if k is not category]
        title = reading.title
        item_feats = {
            "title_cue_cat": float(cue.search(title) is not None),
            "title_cue_any": float(any(p.search(title) for p in _CUE.values())),
            **{f"t:{w}": 1.0 for w in _words(title)},
        }
        for q, start, s_start, s_text in mentions:
            at = start - s_start
            before = s_text[max(0, at - WINDOW) : at]
            after = s_text[at + len(q.text) : at + len(q.text) + WINDOW]
            near_after = " ".join(after.split()[:6])
            near_before = " ".join(before.split()[-6:])
            _note(
                found,
                q.value,
                {
                    "in_title": float(start < title_end),
                    "first_body_sentence": float(title_end < start < body_first_end),
                    "vague": float(q.vague),
                    "qualified": float(q.qualifier is not None),
                    "person_after": float(_PERSON_AFTER.match(after) is not None),
                    "thing_after": float(_THING_AFTER.match(after) is not None),
                    "cue_after": float(cue.search(near_after) is not None),
                    "cue_before": float(cue.search(near_before) is not None),
                    "cue_sentence": float(cue.search(s_text) is not None),
                    "other_cue_near": float(any(p.search(near_after) for p in others)),
                    "background_near": float(_BACKGROUND.search(s_text) is not None),
                    "hypothetical": float(cues.HYPOTHETICAL.search(before[-50:]) is not None),
                    "toll_near": float(_TOLL.search(" ".join(before.split()[-12:])) is not None),
                },
            )
            lexical = {f"w<:{w}": 1.0 for w in _words(before)[-4:]}
            lexical.update({f"w>:{w}": 1.0 for w in _words(after)[:4]})
            _note(found, q.value, lexical)
            shown.setdefault(q.value, (q.qualifier, None))
        if category in singular:
            value = singular[category]
            _note(found, value, {"singular": 1.0, "zero": float(value == 0)})
        if category is not Category.DISPLACED:
            one = _one_person(text, title_end, cue)
            if one:
                _note(found, 1, one)
        if head is not None:
            _note(found, head.value, {"rules_head": 1.0})
            shown[head.value] = (head.qualifier, head.group)
        cued = [
            v for v, f in found.items() if f.get("cue_after") or f.get("cue_before") or f.get("rules_cat")
        ]
        top = max(cued, default=None)
        counts = {m[0].value: 0 for m in mentions}
        for m in mentions:
            counts[m[0].value] += 1
        numbers_cued = {
            v
            for v, f in found.items()
            if v > 1
            and (
                f.get("cue_after")
                or f.get("rules_cat")
                or (f.get("cue_before") and not f.get("other_cue_near"))
            )
        }
        for value, feats in found.items():
            if feats.get("one_option") and value == 1 and not numbers_cued:
                feats["one_alone"] = 1.0
                feats["one_alone_title"] = max(
                    feats.get("one_cue_title", 0.0),
                    feats.get("one_person_title", 0.0),
                    feats.get("one_name_title", 0.0),
                )
            feats["rules_other_cat"] = float(value in other_values and not feats.get("rules_cat"))
            feats["max_cued"] = float(value == top)
            feats["log_value"] = math.log10(value + 1) / 6
            feats["many_numbers"] = min(len(mentions), 10) / 10
            feats["repeated"] = float(counts.get(value, 0) > 1)
            feats[f"cat_{category.value}"] = 1.0
            feats.update(item_feats)
            # words say different things of different categories: each also as its own feature
            feats.update(
                {f"{category.value}|{k}": v for k, v in list(feats.items()) if k.startswith(LEXICAL)}
            )
            qualifier, group = shown.get(value, (None, None))
            out.append(Option(category, value, dict(feats), qualifier, group))
    return out


def rank(title: str, description: str, model: RankerModel) -> Ranked:
    """The item's figures as the model chooses them, each with its confidence."""
    reading = read_figures(title, description)
    if not reading.triggered:
        return Ranked(Casualties(), {})
    rules = decide(reading)
    heads: dict[Category, Headline] = {}
    confidence: dict[Category, float] = {}
    for category, best in _best(options(reading, rules), model).items():
        option, p = best
        if p >= model.threshold(category):
            heads[category] = Headline(category, option.value, option.qualifier, option.group)
            confidence[category] = p
    return Ranked(with_headlines(reading, heads), confidence)


_WORD = re.compile(r"[a-z][a-z'’-]+")


def _words(text: str) -> list[str]:
    """Lower-cased words, for the lexical features (what the words themselves say)."""
    return _WORD.findall(text.lower())


def _one_person(text: str, title_end: int, cue: re.Pattern[str]) -> dict[str, float]:
    """What speaks for a count of one: a single person (an article and a person noun, or a name)
    right before or after a casualty word of the category, in the title or the body."""
    feats: dict[str, float] = {}
    for m in cue.finditer(text):
        before, after = text[max(0, m.start() - 80) : m.start()], text[m.end() : m.end() + 60]
        where = "title" if m.start() < title_end else "body"
        if _PLURAL_AFTER_CUE.match(after):
            feats["one_plural_near"] = 1.0
        if (
            _SINGLE_BEFORE_CUE.search(before)
            or _SINGLE_AFTER_CUE.match(after)
            or (where == "title" and _BARE_PERSON_BEFORE_CUE.search(before))
        ):
            feats[f"one_person_{where}"] = 1.0
        elif _NAME_BEFORE_CUE.search(before):
            feats[f"one_name_{where}"] = 1.0
        else:
            feats[f"one_cue_{where}"] = 1.0
    if feats:
        feats["one_option"] = 1.0
    return feats


def _note(found: dict[int, dict[str, float]], value: int, feats: Mapping[str, float]) -> None:
    """Merge what one more mention of ``value`` says into its option (any mention counts)."""
    merged = found.setdefault(value, {})
    for k, v in feats.items():
        merged[k] = max(merged.get(k, 0.0), v)


def _best(opts: Iterable[Option], model: RankerModel) -> dict[Category, tuple[Option, float]]:
    best: dict[Category, tuple[Option, float]] = {}
    for o in opts:
        p = model.probability(o.features)
        if o.category not in best or p > best[o.category][1]:
            best[o.category] = (o, p)
    return best


def _mentions(text: str) -> list[tuple[Quantity, int, int, str]]:
    """Counts in the sentences that hold a casualty word: each with its offset in ``text``, and
    its sentence's offset and text."""
    out = []
    for start, sentence in _sentences(text):
        low = f" {sentence.lower()}"
        if not any(stem in low for stem in cues.TRIGGER_STEMS):
            continue
        out += [(q, start + q.start, start, sentence) for q in find_quantities(sentence)]
    return out


def _sentences(text: str) -> list[tuple[int, str]]:
    return [(start, text[start:end]) for start, end in sentence_spans(text)]


def _first_sentence_end(text: str, title_end: int) -> int:
    for start, sentence in _sentences(text):
        if start > title_end:
            return start + len(sentence)
    return len(text)


__all__ = ["FEATURES", "LEXICAL", "Option", "Ranked", "RankerModel", "load_model", "options", "rank"]
