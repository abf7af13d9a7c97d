"""Surveys made ahead of triage, answered from memory.

A poll round downloads 1,000 feeds and triages their items together, under one lock, so that the
earliest report of an event leads it. Surveying an item (which watched regions it names, and what
a tier decision needs to know) depends only on its text and the matcher, so the engine surveys each
feed's items as soon as they are parsed, while the round's other feeds are still downloading and
being parsed; triage then finds the answers here instead of surveying again. The answers are only
used with the matcher that made them: if the watchlists changed in between, triage surveys afresh.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.core.items import FeedItem
from bot.core.matching import Match, Survey
from bot.core.reader import TextKey
from bot.core.triage import TextMatcher


def survey_items(matcher: TextMatcher, items: Iterable[FeedItem]) -> dict[TextKey, tuple[Survey, ...]]:
    """Every item's survey, by its text."""
    return {
        (i.title, i.summary, i.link): tuple(matcher.survey(i.title, i.summary, link=i.link)) for i in items
    }


@dataclass(frozen=True, slots=True)
class KnownSurveys:
    """``inner``, with the surveys in ``known`` answered from memory (text not there goes to it)."""

    inner: TextMatcher
    known: Mapping[TextKey, tuple[Survey, ...]]

    def match(self, title: str, summary: str, *, link: str | None = None) -> list[Match]:
        return self.inner.match(title, summary, link=link)

    def survey(self, title: str, summary: str, *, link: str | None = None) -> list[Survey]:
        found = self.known.get((title, summary, link))
        return list(found) if found is not None else self.inner.survey(title, summary, link=link)
