"""Issue #19 on the real, packaged gazetteer: small front-line places, shared and historic names decided
by context, names that are not the place, and genre cues that reach the digest under rule = "region".
Every text here is written by us."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.gazetteer import Gazetteer, Need, describe_expansion
from bot.core.items import FeedItem
from bot.core.matching import Matcher
from bot.core.rehearsal import rehearse
from bot.core.tiers import Tier
from bot.core.watchlists import Region, Rule, Watchlist

CH = ("C0REGION001",)
NOW = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)


def _watch(name: str, region: str) -> Watchlist:
    return Watchlist(name, CH, regions=(Region(region),), rule=Rule.REGION)


@pytest.fixture(scope="module")
def regions(gazetteer: Gazetteer) -> Matcher:
    return Matcher(
        [
            _watch("donetsk", "Donetsk Oblast"),
            _watch("darfur", "Darfur"),
            _watch("idlib", "Idlib"),
            _watch("mariupol", "Mariupol"),
        ],
        gazetteer,
    )


def _hits(m: Matcher, title: str, summary: str = "") -> dict[str, list[str]]:
    return {x.watchlist: [h.surface for h in x.regions] for x in m.match(title, summary)}


@pytest.mark.parametrize("town", ["Chasiv Yar", "Siversk", "Urozhaine", "Vuhledar", "Staromaiorske"])
def test_small_front_line_towns_are_inside_donetsk_oblast(
    gazetteer: Gazetteer, regions: Matcher, town: str
) -> None:
    assert town in {p.name for p in gazetteer.expand("Donetsk Oblast").places}
    assert _hits(regions, f"Russian troops shell {town} overnight") == {"donetsk": [town]}


def test_pokrovsk_is_the_donetsk_town_though_engels_once_had_its_name(regions: Matcher) -> None:
    assert _hits(regions, "Missile strike on Pokrovsk kills two") == {"donetsk": ["Pokrovsk"]}


def test_salqin_matches_on_its_own(gazetteer: Gazetteer, regions: Matcher) -> None:
    """It used to match only beside "Idlib province", while watch show listed it as covered."""
    assert _hits(regions, "Shelling hits Salqin") == {"idlib": ["Salqin"]}
    uses = [u for u in gazetteer.name_uses(gazetteer.expand("Idlib")) if u.place.name == "Salqin"]
    assert uses and all(u.need is Need.ALONE for u in uses if u.name == "Salqin")


def test_a_reporter_surnamed_like_mariupols_soviet_name_is_not_mariupol(regions: Matcher) -> None:
    assert _hits(regions, "Reporter Zhdanov said the convoy was turned back") == {}
    assert _hits(regions, "Opposition figure Ivan Zhdanov sentenced in absentia") == {}
    # Beside a current name, the old name is the city.
    assert "mariupol" in _hits(regions, "Mariupol, called Zhdanov in Soviet times, is rebuilt by Russia")


@pytest.mark.parametrize(
    "title",
    [
        "Shakhtar Donetsk beat Antwerp in the Champions League",
        "A Darfuri activist at COP28 calls for climate finance",
        "Critics warn the city could become another Mariupol.",
    ],
)
def test_names_that_are_not_the_place(regions: Matcher, title: str) -> None:
    assert _hits(regions, title) == {}


def test_watch_show_lists_what_needs_context_and_what_is_filtered(gazetteer: Gazetteer) -> None:
    text = describe_expansion(gazetteer, _watch("donetsk", "Donetsk Oblast"))
    assert "Chasiv Yar" in text and "Urozhaine" in text
    assert "names that count only beside their province or country" in text
    assert "never matched" in text
    assert "shakhtar donetsk: a football club" in text
    assert "historic names, only beside a current name" in text


@pytest.mark.parametrize(
    ("title", "link"),
    [
        ("Analysis: What the fall of Marinka means for Donetsk", "https://news.example/world/1"),
        ("Can Ukraine hold Avdiivka through the winter?", "https://news.example/world/2"),
        ("The long siege of Bakhmut", "https://news.example/opinion/3"),
        ("Donetsk after the war: a view from Kramatorsk", "https://news.example/programmes/inside-story/4"),
    ],
)
def test_genre_cues_send_region_items_to_the_digest_not_to_nowhere(
    gazetteer: Gazetteer, title: str, link: str
) -> None:
    """Under rule = "region" an analysis, a yes/no question or an opinion link about the region is a
    digest item with its reason (#8), never a silent drop."""
    watch = _watch("donetsk", "Donetsk Oblast")
    item = FeedItem("wire", "x1", title, "Shelling went on near the town.", link, NOW - timedelta(hours=1))
    result = rehearse(
        [item], watch, Matcher((watch,), gazetteer), since=NOW - timedelta(days=1), now=NOW, source_names={}
    )
    assert [t.tier for t in result.tiers] == [Tier.DIGEST], result.tiers
    assert result.tiers[0].reasons


def test_a_capital_is_named_by_its_country_too(gazetteer: Gazetteer) -> None:
    """Reports name Khartoum as "Sudan's capital" or "the Sudanese capital" as often as by name."""
    m = Matcher([_watch("khartoum", "Khartoum")], gazetteer)
    assert _hits(m, "Heavy fighting rages in Sudan's capital") == {"khartoum": ["Sudan's capital"]}
    assert _hits(m, "Families flee the Sudanese capital") == {"khartoum": ["Sudanese capital"]}
    assert _hits(m, "Fighting spreads across Sudan") == {}


def test_place_ids_stay_stable_when_geonames_now_lists_a_supplement_town(gazetteer: Gazetteer) -> None:
    """Vuhledar was our supplement's place (extra:N) while the gazetteer read only towns of 15,000+;
    geonames' 500+ list has it now, and it keeps its id (incidents may hold it)."""
    (vuhledar,) = gazetteer.lookup("Vuhledar")
    assert vuhledar.key.startswith("extra:") and vuhledar.population == 14_144
