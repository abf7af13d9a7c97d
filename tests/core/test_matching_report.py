"""Admin aliases in any case, descriptive aliases that need the country named, and the genre cues
that keep comment and analysis items from matching (with the reason an admin can read)."""

from __future__ import annotations

import pytest

from bot.core.gazetteer import Gazetteer
from bot.core.genre import genre_veto, headline_veto, section_veto
from bot.core.matching import Matcher
from bot.core.watchlists import Region, Watchlist
from bot.geo import load_gazetteer

CH = ("C0123456789",)
ALIASES = ("north-west Syria", "rebel-held northwest", "rebel-held areas")


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    world: Gazetteer = load_gazetteer()
    return Matcher(
        [
            Watchlist("idlib", CH, regions=(Region("Idlib", aliases=ALIASES),), keywords=("aid", "killed")),
            Watchlist("sudan", CH, regions=(Region("Sudan"),), keywords=("fighting", "killed")),
        ],
        world,
    )


def _names(m: Matcher, title: str, summary: str = "", link: str | None = None) -> list[str]:
    return [x.watchlist for x in m.match(title, summary, link=link)]


@pytest.mark.parametrize(
    "title",
    [
        "Aid finally reaches the rebel-held northwest of Syria",
        "Aid reaches north-west syria",
        "AID REACHES THE REBEL-HELD NORTHWEST OF SYRIA",
    ],
)
def test_admin_aliases_match_in_any_case(matcher: Matcher, title: str) -> None:
    assert _names(matcher, title) == ["idlib"]


def test_gazetteer_names_keep_the_capital_rule(matcher: Matcher) -> None:
    # "idlib" in lower case is no more a place than "harem" is.
    assert _names(matcher, "aid for idlib", "") == []


def test_descriptive_alias_needs_the_country_named(matcher: Matcher) -> None:
    assert _names(matcher, "Syria lets UN aid into rebel-held areas") == ["idlib"]
    assert _names(matcher, "UN aid reaches rebel-held areas", "Convoys crossed from Turkey into Syria.") == [
        "idlib"
    ]
    # The same words about another war are not Idlib.
    assert _names(matcher, "Yemen: UN aid reaches rebel-held areas") == []
    assert _names(matcher, "UN aid reaches rebel-held areas") == []


@pytest.mark.parametrize(
    ("link", "section"),
    [
        ("https://www.aljazeera.com/opinions/2023/5/10/some-column", "opinions"),
        ("https://www.theguardian.com/commentisfree/2023/apr/20/a-column", "commentisfree"),
        ("https://www.aljazeera.com/program/inside-story/2023/5/24/a-show", "inside-story"),
        ("https://example.com/podcasts/episode-12", "podcasts"),
    ],
)
def test_comment_sections_veto_with_reason(matcher: Matcher, link: str, section: str) -> None:
    title, summary = "Fighting in Sudan must stop now", "Dozens were killed in Khartoum this week."
    assert _names(matcher, title, summary) == ["sudan"]
    found, vetoed = matcher.screen(title, summary, link=link)
    assert found == []
    assert [v.watchlist for v in vetoed] == ["sudan"]
    assert vetoed[0].reason == f"comment/analysis section (/{section}/)"
    assert vetoed[0].match.keywords  # the admin sees what it would have matched on


@pytest.mark.parametrize(
    "link",
    [
        None,
        "https://www.aljazeera.com/news/2023/4/20/sudan-fighting",
        "https://www.nytimes.com/live/2023/04/20/world/sudan-fighting",
        "https://www.aljazeera.com/program/newsfeed/2023/10/11/residents-shelter",
        "https://www.nbcnews.com/video/fighting-in-khartoum-123",
        "not a url at all",
    ],
)
def test_news_live_and_video_links_are_reports(link: str | None) -> None:
    assert section_veto(link) is None


@pytest.mark.parametrize(
    "title",
    [
        "Can the ceasefire stop the fighting in Sudan?",
        "Has Darfur become the main battleground of the fighting?",
        "Sudan unrest: Is the fighting about to spread?",
        "How can the fighting in Sudan be stopped?",
        "Analysis: Sudan's generals keep fighting",
        "Opinion | The fighting in Sudan must end",
        "Q&A: RSF adviser on fighting in Sudan",
        "The world must act on the fighting in Sudan | Letters",
    ],
)
def test_comment_and_speculative_headlines_veto(matcher: Matcher, title: str) -> None:
    found, vetoed = matcher.screen(title, "Dozens were killed in Khartoum.")
    assert found == [] and [v.watchlist for v in vetoed] == ["sudan"]
    assert headline_veto(title) == vetoed[0].reason


@pytest.mark.parametrize(
    "title",
    [
        "Which countries have evacuated nationals from Sudan?",
        "What is happening to hospitals in Khartoum?",
        "Why has it been so hard to get aid to Darfur?",
        "Live: fighting rages in Khartoum",
        "Fighting in Sudan kills dozens",
        "Sudan's army says RSF fighting 'will end soon'",
    ],
)
def test_reports_and_factual_questions_are_kept(matcher: Matcher, title: str) -> None:
    assert genre_veto(title) is None
    assert _names(matcher, title, "Dozens were killed in Khartoum.") == ["sudan"]


def test_no_match_means_no_veto(matcher: Matcher) -> None:
    assert matcher.screen("Can Sudan win the Africa Cup?", "", link="https://x.com/opinion/1") == ([], [])


@pytest.mark.parametrize(
    "title",
    [
        "Thousands rally in London for an end to the fighting in Sudan",
        "Protesters demand an end to the fighting in Sudan",
        "Activist interrupts minister over fighting in Sudan",
    ],
)
def test_protest_headlines_without_harm_veto(matcher: Matcher, title: str) -> None:
    found, vetoed = matcher.screen(title, "")
    assert found == [] and [v.watchlist for v in vetoed] == ["sudan"]
    assert "protest or solidarity" in vetoed[0].reason


def test_protest_with_casualties_is_a_report(matcher: Matcher) -> None:
    assert _names(matcher, "Sudan police kill protester in anti-military demonstrations") == ["sudan"]
    assert _names(matcher, "Protesters shot dead in Khartoum as fighting spreads") == ["sudan"]
