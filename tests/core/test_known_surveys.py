"""Surveys made ahead of triage are answered from memory, and only those."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.gazetteer import Gazetteer
from bot.core.items import FeedItem
from bot.core.known_surveys import KnownSurveys, survey_items
from bot.core.matching import Matcher
from bot.core.watchlists import Region, Watchlist

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
IDLIB = Watchlist("idlib", ("C0IDLIB0001",), (Region("Idlib"),), ("airstrike", "killed"))


def item(n: int, title: str) -> FeedItem:
    return FeedItem(
        "wire", f"g{n}", title, "Rescuers said the toll could rise.", f"https://w.example/{n}", NOW
    )


def test_known_surveys_answer_from_memory_and_the_rest_from_the_matcher(gazetteer: Gazetteer) -> None:
    matcher = Matcher((IDLIB,), gazetteer)
    ahead = [item(1, "Airstrike on Saraqib kills 4"), item(2, "Markets rally in Tokyo")]
    known = survey_items(matcher, ahead)
    assert [len(v) for v in known.values()] == [1, 0]
    answered = KnownSurveys(matcher, known)
    later = item(3, "Airstrike on Idlib city kills 9 civilians")
    for i in (*ahead, later):
        assert answered.survey(i.title, i.summary, link=i.link) == matcher.survey(
            i.title, i.summary, link=i.link
        )
    assert answered.match(later.title, later.summary, link=later.link) == matcher.match(
        later.title, later.summary, link=later.link
    )


def test_an_answer_in_memory_is_what_is_given_even_if_the_matcher_would_now_say_otherwise(
    gazetteer: Gazetteer,
) -> None:
    # The engine only pairs surveys with the matcher that made them; this shows why it must.
    i = item(1, "Airstrike on Saraqib kills 4")
    answered = KnownSurveys(Matcher((), gazetteer), survey_items(Matcher((IDLIB,), gazetteer), [i]))
    assert [s.watchlist for s in answered.survey(i.title, i.summary, link=i.link)] == ["idlib"]
