"""Hostile and odd headlines: reading, tiering and signing any text never fails and stays bounded."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.core.gazetteer import Gazetteer
from bot.core.headline import read_headline
from bot.core.incidents.signature import build_signature, site_names
from bot.core.incidents.stories import canonical_link, story_key
from bot.core.matching import Matcher
from bot.core.tiers import tier_of
from bot.core.watchlists import Region, Rule, Watchlist

WORDS = st.sampled_from(
    "Gaza strike kills 9 says as after amid : | ? ' \" — , ; Live WATCH: toll rises to first second "
    "hospital dam convoy truce begins Why Analysis Israel Hamas 500 dozens hundreds al- Bab".split()
)
HEADLINES = st.one_of(st.text(max_size=300), st.lists(WORDS, max_size=40).map(" ".join))


@given(title=HEADLINES)
def test_any_headline_reads(title: str) -> None:
    reading = read_headline(title)
    assert isinstance(reading.reports_event, bool)
    assert len(reading.core) <= len(" ".join(title.split())) + 1


@given(title=HEADLINES, summary=st.text(max_size=400))
def test_any_item_gets_a_tier_and_a_signature(gazetteer: Gazetteer, title: str, summary: str) -> None:
    watch = Watchlist("gaza", ("C0GAZA00001",), (Region("Gaza"),), ("strike",), rule=Rule.REGION)
    for survey in Matcher([watch], gazetteer).survey(title, summary):
        reading = read_headline(title)
        assert tier_of(survey, reading, summary).reasons
        signature = build_signature(title, summary, survey.match, reading)
        assert signature.place_key is not None
    assert isinstance(site_names(title, _hints()), frozenset)


@given(link=st.text(max_size=200), title=st.text(max_size=100))
def test_any_link_gets_a_story_key(link: str, title: str) -> None:
    assert len(story_key(link, title)) == 24
    canonical_link(link)  # never raises


def _hints():  # type: ignore[no-untyped-def]
    from bot.core.incidents.places import PlaceHints

    return PlaceHints()
