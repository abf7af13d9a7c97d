"""Is a matched item an event report from the watched place? A tiny learned scorer (pure core).

A watch match says the text names the region and uses the watch's vocabulary. Many such items still
report nothing that happened there: a foreign leader's statement, politics abroad, an explainer
without a genre label, a diaspora story, a passing mention. This module scores a match with a
logistic-regression model over features that say nothing about *which* region is watched, so the
same weights serve any watchlist an admin creates:

* the words and word pairs of the headline and of the start of the description, with every
  surface form of the matched region (and, by default, every watch keyword hit) replaced by a
  placeholder, other proper names by "xnamex" and numbers by "#";
* whether a region hit is in the headline, whether it opens the headline, how often it is named;
* whether the item carries an incident casualty figure (``extract_casualties``);
* whether the headline is a question; a few genre words of the link's section ("features", "video").

The weights are derived numbers (``bot/data/relevance_weights.json``, built by
``eval/matching/train_relevance.py``); the adapter reads the file and passes the parsed
``RelevanceModel`` in. Scoring is a sum of weights and a sigmoid.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from bot.core.casualties import extract_casualties
from bot.core.normalize import tokenize

PLACE = "xplacex"
KEYWORD = "xkeywordx"
NAME = "xnamex"
NUMBER = "#"
_DESCRIPTION_WORDS = 40
# Section words of a link that say what kind of piece it is. Only these: other path segments name
# regions ("/middle-east/", "/africa/") and would tie the model to the watchlists it was trained on.
_SECTION_WORDS = frozenset(
    "news features feature video videos live liveblog gallery program newsfeed interactive longform "
    "explained economy business sport sports culture politics lifestyle science technology tech "
    "world us-news uk-news global-development environment books film music travel".split()
)

Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class RelevanceModel:
    """Logistic-regression weights over named features, and the gate's threshold on the score."""

    weights: Mapping[str, float]
    bias: float
    threshold: float
    mask_keywords: bool = True

    def score(self, features: Sequence[str]) -> float:
        """The probability-like score in (0, 1) that the item is an event report from the place."""
        z = self.bias + sum(self.weights.get(f, 0.0) for f in features)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def model_from_dict(raw: Mapping[str, Any]) -> RelevanceModel:
    """The model from its parsed JSON form; ``ValueError`` when a field is missing or of the wrong type."""
    try:
        weights = {str(k): float(v) for k, v in dict(raw["weights"]).items()}
        return RelevanceModel(
            weights=MappingProxyType(weights),
            bias=float(raw["bias"]),
            threshold=float(raw["threshold"]),
            mask_keywords=bool(raw.get("mask_keywords", True)),
        )
    except (KeyError, TypeError, ValueError) as e:
        raise ValueError(f"bad relevance model: {e}") from e


def features(
    title: str,
    description: str,
    regions: Sequence[Span],
    keywords: Sequence[Span] = (),
    *,
    link: str | None = None,
) -> list[str]:
    """The features of a match. Spans index ``title + "\\n" + description`` (as ``Hit`` does).

    ``regions`` are the matched region/place surface forms, ``keywords`` the watch keyword hits to
    mask (pass none to keep the words).
    """
    text = f"{title}\n{description}"
    masked = _mask(text, [(a, b, PLACE) for a, b in regions] + [(a, b, KEYWORD) for a, b in keywords])
    head, _, body = masked.partition("\n")
    title_words = _words(head)
    body_words = _words(body)[:_DESCRIPTION_WORDS]
    out = [f"t:{w}" for w in set(title_words)]
    out += [f"t:{a}_{b}" for a, b in set(itertools.pairwise(title_words))]
    out += [f"d:{w}" for w in set(body_words)]
    out += [f"d:{a}_{b}" for a, b in set(itertools.pairwise(body_words))]
    in_title = sum(1 for a, _ in regions if a < len(title))
    out.append("f:place_in_title" if in_title else "f:place_not_in_title")
    if title_words[:1] == [PLACE]:
        out.append("f:title_opens_with_place")
    out.append(f"f:place_named_{min(len(regions), 3)}")
    if not body_words:
        out.append("f:no_description")
    if title.rstrip().endswith("?"):
        out.append("f:question")
    casualties = extract_casualties(title, description)
    out.append("f:casualty_figure" if casualties.headlines else "f:no_casualty_figure")
    out += [f"u:{s}" for s in _sections(link)]
    return out


def relevance_veto(
    model: RelevanceModel,
    title: str,
    description: str,
    regions: Sequence[Span],
    keywords: Sequence[Span],
    *,
    link: str | None = None,
) -> str | None:
    """Why the match is not an event report from the place (score below the threshold), or None."""
    found = features(title, description, regions, keywords if model.mask_keywords else (), link=link)
    value = model.score(found)
    if value >= model.threshold:
        return None
    return f"not an event report (score {value:.2f} < {model.threshold:.2f})"


def _mask(text: str, spans: list[tuple[int, int, str]]) -> str:
    """``text`` with each span replaced by its placeholder; overlapping spans keep the first, longest."""
    out: list[str] = []
    at = 0
    for start, end, placeholder in sorted(spans, key=lambda s: (s[0], -s[1])):
        if start < at:
            continue
        out.append(text[at:start])
        out.append(f" {placeholder} ")
        at = end
    out.append(text[at:])
    return "".join(out)


def _words(text: str) -> list[str]:
    """Normalised words; numbers become "#" and proper names "xnamex".

    A name is a capitalised word that does not open a sentence. Names are dropped because they tie
    the model to one conflict ("Israel", "Hamas", "RSF"); what generalises is the shape ("xnamex
    says", "xnamex urges"). A headline in Title Case says nothing about names and keeps its words.
    """
    tokens = tokenize(text)
    caps = [text[t.start].isupper() for t in tokens]
    title_case = len(tokens) >= 4 and sum(caps) > 0.6 * len(tokens)
    out: list[str] = []
    for i, t in enumerate(tokens):
        if t.norm[0].isdigit():
            out.append(NUMBER)
        elif t.norm in (PLACE, KEYWORD):
            out.append(t.norm)
        elif caps[i] and not title_case and i > 0 and not _opens_sentence(text, t.start):
            out.append(NAME)
        else:
            out.append(t.norm)
    return out


def _opens_sentence(text: str, start: int) -> bool:
    before = text[max(0, start - 3) : start].rstrip(" \"'‘“(")
    return not before or before[-1] in ".!?:\n"


def _sections(link: str | None) -> list[str]:
    if not link:
        return []
    try:
        segments = urlsplit(link).path.lower().split("/")[:-1]
    except ValueError:
        return []
    return sorted({s for s in segments if s in _SECTION_WORDS})
