"""Small places and shared names (issue #19), on hand-made records: a name other places share is kept
and decided by context, never dropped everywhere; a dropped name says why."""

from __future__ import annotations

from bot.core.gazetteer import (
    Gazetteer,
    NamePolicy,
    NameUse,
    Need,
    PlaceKind,
    PlaceRecord,
    describe_expansion,
)
from bot.core.matching import Matcher
from bot.core.watchlists import Region, Rule, Watchlist

CH = ("C0123456789",)
POLICY = NamePolicy(
    stopwords=frozenset({"city"}),
    english_words=frozenset({"christmas", "smith", "royal", "city", "harbour", "rugby"}),
    everyday_words=frozenset({"rugby"}),
    not_places=frozenset({"miners ostrava"}),
    not_place_notes={"miners ostrava": "a football club"},
)


def _rec(key: str, name: str, country: str, pop: int, parent: str, **kw: object) -> PlaceRecord:
    return PlaceRecord(key, name, PlaceKind.CITY, country, pop, primary=(name,), parent=parent, **kw)  # type: ignore[arg-type]


def _world() -> Gazetteer:
    """Two invented countries: Ostland (provinces Kohlfeld and Seeland) and Westmark."""
    return Gazetteer.build(
        [
            PlaceRecord("OS", "Ostland", PlaceKind.COUNTRY, "OS", 40_000_000, primary=("Ostland",)),
            PlaceRecord("WM", "Westmark", PlaceKind.COUNTRY, "WM", 140_000_000, primary=("Westmark",)),
            PlaceRecord("OS-K", "Kohlfeld", PlaceKind.SUBDIVISION, "OS", primary=("Kohlfeld",), parent="OS"),
            PlaceRecord("OS-S", "Seeland", PlaceKind.SUBDIVISION, "OS", primary=("Seeland",), parent="OS"),
            PlaceRecord("WM-R", "Rotberg", PlaceKind.SUBDIVISION, "WM", primary=("Rotberg",), parent="WM"),
            # A front-line village of 900 people, the only place of its name.
            _rec("v1", "Uroshaine", "OS", 900, "OS-K", lat=47.7, lon=37.3),
            # A town whose name was once the name of a bigger city abroad (Engels was Pokrovsk).
            _rec("t1", "Pokrova", "OS", 60_000, "OS-K", lat=48.3, lon=37.2),
            _rec(
                "w1",
                "Engelsburg",
                "WM",
                200_000,
                "WM-R",
                alternates=("Pokrova",),
                lat=51.5,
                lon=46.1,
            ),
            # A village name found in both provinces.
            _rec("a1", "Andrivka", "OS", 1_200, "OS-K", lat=47.9, lon=37.9),
            _rec("a2", "Andrivka", "OS", 600, "OS-S", lat=46.4, lon=35.1),
            # A town sharing its name with a town of similar size abroad.
            _rec("s1", "Salkino", "OS", 30_000, "OS-K", lat=48.0, lon=38.0),
            _rec("s2", "Salkino", "WM", 40_000, "WM-R", lat=55.0, lon=40.0),
            # A namesake just across the border (10 km): the same spot for a desk.
            _rec("r1", "Rafa", "OS", 120_000, "OS-K", lat=47.0, lon=38.5),
            _rec("r2", "Rafa", "WM", 150_000, "WM-R", lat=47.05, lon=38.6),
            # A big city with its historic name, and a small town elsewhere named like it today.
            _rec("m1", "Marinopol", "OS", 230_000, "OS-K", alternates=("Zhdanovo",), lat=47.1, lon=37.5),
            # Small places named like English words or names, and a curated one.
            _rec("e1", "Christmas", "WM", 700, "WM-R"),
            _rec("e2", "Smith", "WM", 1_500, "WM-R"),
            _rec("e3", "Harbour", "OS", 0, "OS-K", curated=("Harbour",)),
            _rec("e4", "Rugby", "WM", 70_000, "WM-R"),
            # A city whose alternate name is the own name of several villages.
            _rec("c1", "Grosstadt", "OS", 500_000, "OS-S", alternates=("Lipovka",), lat=46.0, lon=34.0),
            _rec("l1", "Lipovka", "WM", 700, "WM-R", lat=53.0, lon=41.0),
            _rec("l2", "Lipovka", "WM", 650, "WM-R", lat=54.0, lon=42.0),
        ],
        POLICY,
    )


def _uses(g: Gazetteer, region: str) -> dict[tuple[str, str], NameUse]:
    return {(u.place.key, u.name): u for u in g.name_uses(g.expand(region))}


def test_a_small_place_keeps_its_name() -> None:
    g = _world()
    assert [p.key for p in g.lookup("Uroshaine")] == ["v1"]
    assert _uses(g, "Kohlfeld")[("v1", "Uroshaine")].need is Need.ALONE


def test_a_name_another_place_once_had_is_not_dropped_from_the_town_that_has_it() -> None:
    """Pokrovsk is Pokrovsk; that Engels was once called so does not take the name from it."""
    g = _world()
    assert "Pokrova" in g.places["t1"].names
    assert _uses(g, "Kohlfeld")[("t1", "Pokrova")].need is Need.ALONE


def test_a_name_yields_to_a_smaller_namesake_whose_province_alone_is_named() -> None:
    """ "Pokrovsk, Saratov region" is not the Donetsk town, though "Pokrovsk" alone is."""
    g = _world()
    use = _uses(g, "Kohlfeld")[("t1", "Pokrova")]
    assert use.need is Need.ALONE and "Rotberg" in use.unless and "Kohlfeld" in use.context
    m = _matcher(g, "Kohlfeld")
    assert _hit(m, "Drones hit Pokrova in Rotberg province") == []
    assert _hit(m, "Drones hit Pokrova") == [("kohlfeld", ["Pokrova"])]
    assert _hit(m, "Drones hit Pokrova, Kohlfeld, and Rotberg") == [("kohlfeld", ["Pokrova", "Kohlfeld"])]
    text = describe_expansion(g, Watchlist("k", CH, regions=(Region("Kohlfeld"),), rule=Rule.REGION))
    assert "Pokrova: not beside Rotberg alone" in text


def test_a_village_name_common_in_the_country_needs_its_province() -> None:
    g = _world()
    use = _uses(g, "Kohlfeld")[("a1", "Andrivka")]
    assert use.need is Need.REGION
    assert "Kohlfeld" in use.context and "Ostland" not in use.context
    assert "Seeland" in use.why or "also Andrivka" in use.why
    # Watching the whole country, every Andrivka is inside: it counts on its own.
    assert _uses(g, "Ostland")[("a1", "Andrivka")].need is Need.ALONE


def test_a_namesake_abroad_of_similar_size_needs_the_province_or_the_country() -> None:
    g = _world()
    smaller = Gazetteer.build(
        [*(_world_records()), _rec("s3", "Salkino", "WM", 9_000, "WM-R", lat=55.0, lon=40.0)], POLICY
    )
    bigger = _uses(g, "Kohlfeld")[("s1", "Salkino")]
    assert bigger.need is Need.REGION  # the rival abroad is bigger: naming Ostland does not settle it
    assert _uses(smaller, "Kohlfeld")[("s1", "Salkino")].need is Need.COUNTRY


def _world_records() -> list[PlaceRecord]:
    return [
        PlaceRecord("OS", "Ostland", PlaceKind.COUNTRY, "OS", 40_000_000, primary=("Ostland",)),
        PlaceRecord("WM", "Westmark", PlaceKind.COUNTRY, "WM", 140_000_000, primary=("Westmark",)),
        PlaceRecord("OS-K", "Kohlfeld", PlaceKind.SUBDIVISION, "OS", primary=("Kohlfeld",), parent="OS"),
        PlaceRecord("WM-R", "Rotberg", PlaceKind.SUBDIVISION, "WM", primary=("Rotberg",), parent="WM"),
        _rec("s1", "Salkino", "OS", 30_000, "OS-K", lat=48.0, lon=38.0),
    ]


def test_a_namesake_across_the_border_or_far_smaller_is_no_rival() -> None:
    g = _world()
    assert _uses(g, "Kohlfeld")[("r1", "Rafa")].need is Need.ALONE
    assert _uses(g, "Rotberg")[("r2", "Rafa")].need is Need.ALONE


def test_historic_names_need_the_region_and_say_so() -> None:
    g = _world()
    assert g.places["m1"].historic == ("Zhdanovo",)
    use = _uses(g, "Kohlfeld")[("m1", "Zhdanovo")]
    assert use.need is Need.REGION and use.historic
    assert "historic" in use.why


def test_small_places_named_like_english_words_are_filtered_with_the_reason() -> None:
    g = _world()
    assert g.lookup("Christmas") == () and g.lookup("Smith") == ()
    assert g.lookup("Rugby") == ()  # a town of 70,000, but an everyday word
    assert any("common English word" in why for _, why in g.places["e1"].filtered)
    # A spelling our supplement wrote stays, whatever the word list says.
    assert [p.key for p in g.lookup("Harbour")] == ["e3"]


def test_a_village_name_is_not_a_city_alternate() -> None:
    g = _world()
    assert "Lipovka" not in g.places["c1"].names
    assert ("Lipovka", "the own name of 2 other places (a village name)") in g.places["c1"].filtered


# --- matching with context ---------------------------------------------------------------------


def _matcher(g: Gazetteer, *regions: str) -> Matcher:
    return Matcher([Watchlist(r.lower(), CH, regions=(Region(r),), rule=Rule.REGION) for r in regions], g)


def _hit(m: Matcher, title: str) -> list[tuple[str, list[str]]]:
    return [(x.watchlist, [h.surface for h in x.regions]) for x in m.match(title, "")]


def test_a_unique_small_place_matches_on_its_own() -> None:
    m = _matcher(_world(), "Kohlfeld")
    assert _hit(m, "Shelling hits Uroshaine") == [("kohlfeld", ["Uroshaine"])]
    assert _hit(m, "Troops enter Pokrova") == [("kohlfeld", ["Pokrova"])]


def test_a_shared_name_matches_only_beside_its_province() -> None:
    m = _matcher(_world(), "Kohlfeld")
    assert _hit(m, "Shelling hits Andrivka") == []
    assert _hit(m, "Shelling hits Andrivka in Ostland") == []
    assert _hit(m, "Shelling hits Andrivka, Kohlfeld province") == [("kohlfeld", ["Andrivka", "Kohlfeld"])]


def test_a_historic_name_is_not_a_person() -> None:
    m = _matcher(_world(), "Kohlfeld")
    assert _hit(m, "Reporter Zhdanovo said talks failed in Westmark") == []
    assert _hit(m, "Zhdanovo, as Kohlfeld's port was called, burns") == [
        ("kohlfeld", ["Zhdanovo", "Kohlfeld"])
    ]
    assert _hit(m, "Kohlfeld: reporter Zhdanovo said the port burns") == [("kohlfeld", ["Kohlfeld"])]


def test_listed_phrases_and_context_rules_are_not_the_place() -> None:
    g = Gazetteer.build(
        [
            PlaceRecord(
                "OS", "Ostland", PlaceKind.COUNTRY, "OS", 40_000_000, primary=("Ostland", "Ostlander")
            ),
            _rec("o1", "Ostrava", "OS", 300_000, "OS"),
        ],
        POLICY,
    )
    m = _matcher(g, "Ostland")
    assert _hit(m, "Miners Ostrava win the cup") == []
    assert _hit(m, "FC Ostrava sign a striker") == []
    assert _hit(m, "An Ostlander activist speaks at COP28") == []
    assert _hit(m, "Critics fear the city becomes another Ostrava.") == []
    assert _hit(m, "Missiles hit Ostrava") == [("ostland", ["Ostrava"])]
    assert _hit(m, "Another Ostrava hospital is hit") == [("ostland", ["Ostrava"])]


def test_watch_show_says_what_matches_what_needs_context_and_what_is_filtered() -> None:
    g = _world()
    text = describe_expansion(g, Watchlist("k", CH, regions=(Region("Kohlfeld"),), rule=Rule.REGION))
    assert "names, matching on their own" in text
    assert "      Uroshaine" in text
    assert "names that count only beside their province or country" in text
    assert "Andrivka: only beside Kohlfeld" in text
    assert "Zhdanovo (Marinopol): only beside Kohlfeld" in text and "a historic or foreign name" in text
    assert "never matched" in text
    assert "Harbour" not in text.split("never matched")[1]
    club = describe_expansion(
        Gazetteer.build([_rec("o1", "Ostrava", "OS", 300_000, "OS"), *_world_records()], POLICY),
        Watchlist("o", CH, regions=(Region("Ostrava"),), rule=Rule.REGION),
    )
    assert "miners ostrava: a football club" in club
    assert "context rules" in club


def test_of_two_provinces_sharing_a_name_the_one_with_five_times_the_towns_keeps_it() -> None:
    """Florida is the US state; Uruguay's Florida counts only beside "Uruguay"."""
    g = Gazetteer.build(
        [
            PlaceRecord("OS", "Ostland", PlaceKind.COUNTRY, "OS", 40_000_000, primary=("Ostland",)),
            PlaceRecord("WM", "Westmark", PlaceKind.COUNTRY, "WM", 140_000_000, primary=("Westmark",)),
            PlaceRecord("OS-F", "Florin", PlaceKind.SUBDIVISION, "OS", primary=("Florin",), parent="OS"),
            PlaceRecord("WM-F", "Florin", PlaceKind.SUBDIVISION, "WM", primary=("Florin",), parent="WM"),
            *(_rec(f"o{i}", f"Ostburg{'x' * i}", "OS", 20_000, "OS-F") for i in range(5)),
            _rec("w0", "Westheim", "WM", 20_000, "WM-F"),
        ],
        POLICY,
    )
    big = _uses(g, "Ostland")[("OS-F", "Florin")]
    small = _uses(g, "Westmark")[("WM-F", "Florin")]
    assert big.need is Need.ALONE
    assert small.need is Need.COUNTRY and "Westmark" in small.context
    m = _matcher(g, "Ostland", "Westmark")
    assert _hit(m, "Storms hit Florin") == [("ostland", ["Florin"])]
    # Beside its country the smaller one counts too (the bigger one still does: the name is its own).
    assert ("westmark", ["Florin", "Westmark"]) in _hit(m, "Storms hit Florin, Westmark")


def test_a_province_named_like_its_town_is_no_context_for_the_town() -> None:
    g = Gazetteer.build(
        [
            *_world_records(),
            PlaceRecord("OS-L", "Lindau", PlaceKind.SUBDIVISION, "OS", primary=("Lindau",), parent="OS"),
            _rec("n1", "Lindau", "OS", 30_000, "OS-L", lat=40.0, lon=30.0),
            _rec("n2", "Lindau", "WM", 90_000, "WM-R", lat=50.0, lon=10.0),
        ],
        POLICY,
    )
    use = _uses(g, "Ostland")[("n1", "Lindau")]
    assert use.need is Need.REGION and "Lindau" not in use.context
