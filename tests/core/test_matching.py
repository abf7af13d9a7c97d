"""The Matcher on the real gazetteer: spellings, towns inside regions, rules, exclusions, offsets."""

from __future__ import annotations

import pytest

from bot.core.gazetteer import Gazetteer
from bot.core.matching import HitKind, Match, Matcher
from bot.core.watchlists import Region, Rule, Watchlist
from tests.conftest import shared_path

CH = ("C0123456789",)
KEYWORDS = ("airstrike", "shelling", "killed", "wounded", "displaced", "ceasefire")


@pytest.fixture(scope="module")
def idlib_region_only(world: Gazetteer) -> Matcher:
    return Matcher([Watchlist("idlib", CH, regions=(Region("Idlib"),), rule=Rule.REGION)], world)


@pytest.fixture(scope="module")
def desks(world: Gazetteer) -> Matcher:
    return Matcher(
        [
            Watchlist("idlib", CH, regions=(Region("Idlib"),), keywords=KEYWORDS),
            Watchlist("gaza", CH, regions=(Region("Gaza"),), keywords=("airstrike", "killed", "hostages")),
            Watchlist("sudan", CH, regions=(Region("Sudan"),), keywords=("fighting", "RSF", "killed")),
            Watchlist("syria", CH, regions=(Region("Syria"),), rule=Rule.REGION),
        ],
        world,
    )


def _one(matches: list[Match], name: str) -> Match:
    found = [m for m in matches if m.watchlist == name]
    assert len(found) == 1, matches
    return found[0]


def _names(matches: list[Match]) -> list[str]:
    return [m.watchlist for m in matches]


@pytest.mark.parametrize(
    "title",
    [
        "Shells fall on Idlib overnight",
        "Shells fall on Idleb overnight",
        "Shells fall on IDLIB overnight",
        "قصف على إدلب الليلة الماضية",
        "قصف على ادلب الليلة الماضية",
        "قصف جوي بإدلب",
    ],
)
def test_idlib_spellings(idlib_region_only: Matcher, title: str) -> None:
    match = _one(idlib_region_only.match(title, ""), "idlib")
    assert match.regions[0].term == "Idlib"
    assert match.regions[0].place is None
    assert not match.regions[0].fuzzy


@pytest.mark.parametrize(
    "spelling",
    ["Maarat al-Numan", "Ma'arrat al-Nu'man", "Maaret al-Noman", "Maarat al Numan", "MAʿARRAT AL-NUʿMAN"],
)
def test_maarat_spellings_are_exact(idlib_region_only: Matcher, spelling: str) -> None:
    match = _one(idlib_region_only.match(f"Market hit in {spelling}", ""), "idlib")
    hit = match.regions[0]
    assert hit.place == "Maarat al-Numan"
    assert hit.surface == spelling
    assert not hit.fuzzy


@pytest.mark.parametrize("spelling", ["Saraqib", "Saraqeb", "Sarakeb", "سراقب"])
def test_saraqib_spellings(idlib_region_only: Matcher, spelling: str) -> None:
    hit = _one(idlib_region_only.match(f"Rockets landed in {spelling} at dawn", ""), "idlib").regions[0]
    assert (hit.term, hit.place) == ("Idlib", "Saraqib")


@pytest.mark.parametrize(
    ("spelling", "place"),
    [
        ("Maarat al Nouman", "Maarat al-Numan"),
        ("Maarrat al-Noaman", "Maarat al-Numan"),
        ("Saraqueb", "Saraqib"),
        ("Khan Cheikhoun", "Khan Shaykhun"),
        ("Jisr al-Shoghour", "Jisr al-Shughur"),
    ],
)
def test_fuzzy_transliterations_in_a_syria_story(
    idlib_region_only: Matcher, spelling: str, place: str
) -> None:
    text = f"Activists in north-west Syria said shells fell on {spelling} on Tuesday."
    hits = _one(idlib_region_only.match("Overnight shelling", text), "idlib").regions
    assert hits[0].place == place
    assert (
        text[hits[0].start - len("Overnight shelling\n") : hits[0].end - len("Overnight shelling\n")]
        == spelling
    )


def test_fuzzy_needs_the_region_or_country_named(idlib_region_only: Matcher) -> None:
    # The same spelling with no Syria/Idlib context is more likely a surname than a town.
    assert idlib_region_only.match("Saraqueb wins the county chess title", "") == []


def test_fuzzy_does_not_take_names_or_ordinary_words(desks: Matcher) -> None:
    text = "Sadiq Khan issues a warning; Tiffany Haddish and Derek Darroch met in Syria to talk about Gaza."
    for m in desks.match("Syria and Gaza talks", text):
        assert not any(h.fuzzy for h in m.regions), m


def test_towns_are_region_stories(desks: Matcher) -> None:
    matches = desks.match(
        "Airstrike on Saraqib kills four", "Rescue workers pulled two children from rubble."
    )
    idlib = _one(matches, "idlib")
    assert idlib.regions[0].place == "Saraqib" and idlib.place == "Idlib"
    assert idlib.where == "Saraqib, Idlib"  # what the alert headline names
    assert "syria" in _names(matches)
    assert "gaza" in _names(matches) or True  # gaza has "airstrike"/"killed" but no region: must not match
    assert "gaza" not in _names(matches)


@pytest.mark.parametrize(
    ("title", "watch", "where"),
    [
        ("Shelling in Maaret al-Noman overnight", "idlib", "Maarat al-Numan, Idlib"),  # canonical spelling
        ("Idleb: strike near Saraqib kills two", "idlib", "Saraqib, Idlib"),  # the town, though named second
        ("RSF fighting in Nyala and El Fasher", "sudan", "Nyala, Sudan"),  # the first town named
        ("Gaza City hospitals: two killed", "gaza", "Gaza"),  # the region's own name, not a town inside it
        ("Khartoum fighting", "sudan", "Khartoum, Sudan"),
    ],
)
def test_where_is_the_most_specific_place_named(desks: Matcher, title: str, watch: str, where: str) -> None:
    assert _one(desks.match(title, ""), watch).where == where


def test_syria_watch_matches_aleppo(desks: Matcher) -> None:
    match = _one(desks.match("Building collapse in Aleppo", ""), "syria")
    assert match.regions[0].place == "Aleppo"


def test_idlib_watch_ignores_other_syria_stories(desks: Matcher) -> None:
    matches = desks.match(
        "Airstrike on Damascus suburb kills 3", "Syrian state media said air defences responded."
    )
    assert "idlib" not in _names(matches)
    assert "syria" in _names(matches)


def test_gaza_and_sudan_places(desks: Matcher) -> None:
    assert "gaza" in _names(desks.match("Airstrike in Khan Younis", "At least 12 were killed."))
    assert "gaza" in _names(desks.match("Hostages freed near Rafah", ""))
    assert "sudan" in _names(desks.match("RSF fighters enter El Fasher", ""))
    assert "sudan" in _names(desks.match("Fighting spreads in Darfur", ""))


def test_word_boundaries(idlib_region_only: Matcher, world: Gazetteer) -> None:
    gaza = Matcher([Watchlist("gaza", CH, regions=(Region("Gaza"),), rule=Rule.REGION)], world)
    assert gaza.match("Gazaland festival opens", "") == []
    # Not "Gaza" inside a longer word: "Gazans" is a name of the Strip in its own right.
    assert [h.surface for h in _one(gaza.match("Gazans queue for bread", ""), "gaza").regions] == ["Gazans"]
    assert _names(gaza.match("Gaza's hospitals", "")) == ["gaza"]
    assert _names(gaza.match("(Gaza)", "")) == ["gaza"]
    assert idlib_region_only.match("Idlibx", "") == []


def test_a_foreign_name_containing_the_region_is_not_a_hit(world: Gazetteer) -> None:
    sudan = Matcher([Watchlist("sudan", CH, regions=(Region("Sudan"),), rule=Rule.REGION)], world)
    assert sudan.match("Floods hit South Sudan", "South Sudanese officials appealed for aid.") == []
    match = _one(sudan.match("South Sudan and Sudan agree border talks", ""), "sudan")
    assert [h.start for h in match.regions] == [16]
    assert _names(sudan.match("Ships dock at Port Sudan", "")) == ["sudan"]


def test_place_names_must_be_capitalised(idlib_region_only: Matcher) -> None:
    assert idlib_region_only.match("a harem in an opera", "") == []
    assert _names(idlib_region_only.match("Shelling in Harem", "")) == ["idlib"]


@pytest.mark.parametrize(
    "phrase",
    ["an airstrike", "two airstrikes", "an air strike", "air strikes", "an air-strike", "Air-Strikes"],
)
def test_keyword_morphology_airstrike(desks: Matcher, phrase: str) -> None:
    match = _one(desks.match(f"Idlib: {phrase} reported", ""), "idlib")
    assert [h.term for h in match.keywords] == ["airstrike"]
    assert match.keywords[0].surface.lower().replace("-", " ").replace(" ", "") in {
        "airstrike",
        "airstrikes",
    }


@pytest.mark.parametrize("phrase", ["displaced", "displacement", "displacing", "Displaced"])
def test_keyword_morphology_displaced(desks: Matcher, phrase: str) -> None:
    match = _one(desks.match(f"Idlib families face {phrase}", ""), "idlib")
    assert match.keywords[0].term == "displaced"


def test_country_watches_ignore_people_and_groups_named_like_towns(world: Gazetteer) -> None:
    watches = [
        Watchlist(c.lower(), CH, regions=(Region(c),), rule=Rule.REGION)
        for c in ("Germany", "Poland", "Russia", "Panama", "Kosovo", "Mozambique", "Nigeria", "United States")
    ]
    m = Matcher(watches, world)
    assert m.match("Hamas fighters cross into Israel", "Hamas said it fired rockets.") == []
    assert m.match("Police say two men were arrested", "") == []
    assert m.match("Vladimir Putin meets David Cameron", "") == []
    # A denied name does not come back as a fuzzy spelling, even beside the country's name.
    tour = m.match("Vladimir Putin tours Russia's far east", "")
    assert [(x.watchlist, h.surface) for x in tour for h in x.regions] == [("russia", "Russia")]
    # Nor is another place's name a misspelling of one here: "Melbourne" is not Millburn, New Jersey.
    fans = m.match("Melbourne fans cheer as the United States team lands", "")
    assert [h.surface for x in fans for h in x.regions] == ["United States"]
    # A country's or area's own name abroad is not a town's or province's name.
    assert m.match("Strikes on Gaza continue", "") == []  # not Mozambique's Gaza province
    assert m.match("Coup leaders in Niger close the border", "") == []  # not Nigeria's Niger state
    assert m.match("Palestine recognised by three more states", "") == []  # not Palestine, Texas
    assert _names(m.match("Bandits kill 12 in Niger State", "")) == ["nigeria"]
    assert _names(m.match("Floods in Gdansk", "")) == ["poland"]
    assert _names(m.match("Clashes in Pristina overnight", "")) == ["kosovo"]


def test_a_name_opening_with_a_compass_word_needs_it_capitalised(world: Gazetteer) -> None:
    za = Matcher([Watchlist("za", CH, regions=(Region("South Africa"),), rule=Rule.REGION)], world)
    assert za.match("Stabbing in east London", "Police were called to a flat in east London.") == []
    assert [h.surface for x in za.match("Floods in East London", "") for h in x.regions] == ["East London"]
    gaza = Matcher([Watchlist("gaza", CH, regions=(Region("Gaza"),), rule=Rule.REGION)], world)
    # "north Gaza" is the north of Gaza: still a Gaza story, named by "Gaza".
    assert [h.surface for x in gaza.match("Strikes in north Gaza", "") for h in x.regions] == ["Gaza"]
    # A lower-case word other than a compass point does not spoil a name ("the occupied West Bank").
    wb = Matcher([Watchlist("wb", CH, regions=(Region("Palestine"),), rule=Rule.REGION)], world)
    assert [h.surface for x in wb.match("Raids in the occupied West Bank", "") for h in x.regions] == [
        "occupied West Bank"
    ]


def test_phrases_that_contain_a_place_but_name_something_else(world: Gazetteer) -> None:
    libya = Matcher([Watchlist("libya", CH, regions=(Region("Libya"),), rule=Rule.REGION)], world)
    assert libya.match("Uproar in the Lok Sabha", "The Rajya Sabha adjourned after protests.") == []
    assert [h.surface for x in libya.match("Clashes in Sabha overnight", "") for h in x.regions] == ["Sabha"]
    # People whose first name is a town: the transfer labels found a Lebanon watch firing on every
    # report of Tyre Nichols's killing in Memphis.
    lebanon = Matcher([Watchlist("lebanon", CH, regions=(Region("Lebanon"),), rule=Rule.REGION)], world)
    assert lebanon.match("Officers charged over Tyre Nichols death", "Tyre Nichols died in Memphis.") == []
    assert [h.surface for x in lebanon.match("Strike near Tyre", "") for h in x.regions] == ["Tyre"]
    # Alternate names geonames gives towns that news uses only for people: "Stalin" (Donetsk).
    donetsk = Matcher([Watchlist("donetsk", CH, regions=(Region("Donetsk"),), rule=Rule.REGION)], world)
    assert donetsk.match("Stalin's purges remembered", "Historians on Stalin and the famine.") == []
    assert [h.surface for x in donetsk.match("Shelling in Donetsk", "") for h in x.regions] == ["Donetsk"]


def test_civilian_rule_is_not_the_keyword_civilians(world: Gazetteer) -> None:
    sudan = Matcher([Watchlist("sudan", CH, regions=(Region("Sudan"),), keywords=("civilians",))], world)
    assert sudan.match("Sudan factions delay post-coup deal on civilian rule", "") == []
    assert sudan.match("Sudan's army backs a civilian-led transition", "") == []
    assert sudan.match("Sudan: talks on a civilian government resume", "") == []
    for title in (
        "Two civilians killed in Khartoum",
        "A civilian was shot in Omdurman",
        "Civilian toll rises in Sudan",
    ):
        assert _names(sudan.match(title, "")) == ["sudan"], title
    # The political sense vetoes only its own hit: another "civilians" in the text still counts.
    both = _one(
        sudan.match("Sudan: deal on civilian rule collapses", "Three civilians died in Khartoum."), "sudan"
    )
    assert [h.surface for h in both.keywords] == ["civilians"]


def test_two_word_keyword_meets_one_word(world: Gazetteer) -> None:
    m = Matcher([Watchlist("w", CH, keywords=("cease fire",), rule=Rule.KEYWORD)], world)
    assert _names(m.match("Ceasefire holds", "")) == ["w"]
    assert _names(m.match("Cease-fire holds", "")) == ["w"]
    assert m.match("Cease the fire drills", "") == []


def test_keyword_boundaries(desks: Matcher) -> None:
    # "skilled" is not "killed"; "aides" is not "aid".
    assert "idlib" not in _names(desks.match("Skilled workers return to Idlib", ""))


def test_exclusions_veto(world: Gazetteer) -> None:
    wl = Watchlist(
        "idlib", CH, regions=(Region("Idlib"),), keywords=("killed",), exclude=("football", "earthquake")
    )
    m = Matcher([wl], world)
    assert _names(m.match("Two killed in Idlib", "")) == ["idlib"]
    assert m.match("Two killed in Idlib", "The football match was cancelled.") == []
    assert m.match("Earthquakes: two killed in Idlib", "") == []


def test_rules(world: Gazetteer) -> None:
    def names(rule: Rule, title: str) -> list[str]:
        wl = Watchlist("w", CH, regions=(Region("Idlib"),), keywords=("ceasefire",), rule=rule)
        return _names(Matcher([wl], world).match(title, ""))

    both, region, keyword, neither = "Ceasefire in Idlib", "Markets open in Idlib", "Ceasefire talks", "Rain"
    assert [names(Rule.REGION_AND_KEYWORD, t) for t in (both, region, keyword, neither)] == [
        ["w"],
        [],
        [],
        [],
    ]
    assert [names(Rule.REGION, t) for t in (both, region, keyword, neither)] == [["w"], ["w"], [], []]
    assert [names(Rule.KEYWORD, t) for t in (both, region, keyword, neither)] == [["w"], [], ["w"], []]
    assert [names(Rule.ANY, t) for t in (both, region, keyword, neither)] == [["w"], ["w"], ["w"], []]


def test_muted_watchlists_still_match(world: Gazetteer) -> None:
    wl = Watchlist("w", CH, regions=(Region("Idlib"),), rule=Rule.REGION, muted=True)
    assert _names(Matcher([wl], world).match("Idlib", "")) == ["w"]


def test_admin_aliases_extend_the_region(world: Gazetteer) -> None:
    wl = Watchlist("w", CH, regions=(Region("Idlib", aliases=("the Green Buses route",)),), rule=Rule.REGION)
    hit = _one(Matcher([wl], world).match("Convoy on the Green Buses route", ""), "w").regions[0]
    assert hit.surface == "the Green Buses route" and hit.term == "Idlib"


def test_aliases_are_exact_phrases(world: Gazetteer) -> None:
    wl = Watchlist("w", CH, regions=(Region("Idlib", aliases=("northwestern Syria",)),), rule=Rule.REGION)
    m = Matcher([wl], world)
    assert _names(m.match("Aid reaches northwestern Syria", "")) == ["w"]
    assert m.match("US strikes in Northeastern Syria", "") == []


def test_unknown_region_matches_its_own_name(world: Gazetteer) -> None:
    wl = Watchlist("w", CH, regions=(Region("Zorblatt Valley"),), rule=Rule.REGION)
    assert _names(Matcher([wl], world).match("Floods in Zorblatt Valley", "")) == ["w"]


def test_offsets_and_order(desks: Matcher) -> None:
    title = "Air strikes on Idleb"
    summary = "Three people were killed in Ma'arrat al-Nu'man, and shelling hit Saraqib."
    text = f"{title}\n{summary}"
    match = _one(desks.match(title, summary), "idlib")
    for hit in (*match.regions, *match.keywords):
        assert text[hit.start : hit.end] == hit.surface
    assert [h.surface for h in match.regions] == ["Idleb", "Ma'arrat al-Nu'man", "Saraqib"]
    assert [h.kind for h in match.keywords] == [HitKind.KEYWORD] * 3
    assert match.terms[:2] == ("Air strikes", "Idleb")
    assert match.place == "Idlib"


def test_longest_place_wins(world: Gazetteer) -> None:
    m = Matcher([Watchlist("gaza", CH, regions=(Region("Gaza"),), rule=Rule.REGION)], world)
    match = _one(m.match("Gaza City hospitals overwhelmed", ""), "gaza")
    assert [h.surface for h in match.regions] == ["Gaza City"]


def test_reference_story(desks: Matcher) -> None:
    text = shared_path("examples", "idlib-airstrikes.txt").read_text(encoding="utf-8")
    title, _, body = text.partition("\n")
    matches = desks.match(title, body)
    idlib = _one(matches, "idlib")
    assert {h.term for h in idlib.keywords} >= {"airstrike", "killed", "wounded"}
    assert idlib.place == "Idlib" and idlib.where == "Idlib"  # Idlib city is the region's own name
    assert "gaza" not in _names(matches) and "sudan" not in _names(matches)


def test_empty_and_odd_text(desks: Matcher) -> None:
    assert desks.match("", "") == []
    assert desks.match("\n\n", "   ") == []
    assert desks.match("’’’---", "ـــ") == []


def test_a_facility_name_shared_across_countries_is_not_gaza(world: Gazetteer) -> None:
    """Gaza's al-Shifa hospital is named with "hospital"; a bare "Al-Shifa" is also a Pakistani eye
    trust, a pharmacy chain, a clinic in every city (found by scanning the corpus for Gaza alerts that
    never name Gaza, Israel or Palestine)."""
    m = Matcher([Watchlist("gaza", CH, regions=(Region("Gaza"),), rule=Rule.REGION)], world)
    assert m.match("Eye camp treats 400", "The Al-Shifa Trust eye hospital in Rawalpindi ran the camp.") == []
    raid = _one(m.match("Troops close in on al-Shifa hospital", "Thousands are sheltering inside."), "gaza")
    assert raid.where == "Al-Shifa Hospital, Gaza"
