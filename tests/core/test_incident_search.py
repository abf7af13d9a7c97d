"""What ``/incidents`` finds an incident by: its words, and the gazetteer places it lies in."""

from __future__ import annotations

import pytest

from bot.core.gazetteer import Gazetteer
from bot.core.incident_query import search_text
from bot.core.incident_search import (
    SearchTerm,
    floor_entry,
    incident_entries,
    incident_places,
    resolve_terms,
    term_matches,
)


def test_a_town_lies_in_its_province_and_country(gazetteer: Gazetteer) -> None:
    places = incident_places(gazetteer, "Saraqib, Idlib", ("Idlib (Saraqib)", "shelling"))
    saraqib = gazetteer.lookup("Saraqib")[0].key
    assert {saraqib, "SY-ID", "SY"} <= places
    assert not any(p.startswith("UA") for p in places)


def test_an_incident_with_no_known_place_has_none(gazetteer: Gazetteer) -> None:
    assert incident_places(gazetteer, None, ("shelling",)) == frozenset()
    assert incident_places(gazetteer, "Nowhere-in-particular", ()) == frozenset()


def test_a_name_several_places_share_keeps_the_one_its_neighbours_agree_with(gazetteer: Gazetteer) -> None:
    # "Donetsk" is a city and an oblast; the town named beside it decides nothing away: both are
    # in Ukraine, and neither drags in a place elsewhere.
    places = incident_places(gazetteer, "Bakhmut, Donetsk", ("Donetsk (Bakhmut)",))
    assert {"UA-14", "UA"} <= places
    assert {gazetteer.places[p].country for p in places} == {"UA"}


@pytest.mark.parametrize("typed", ["Idlib", "IDLEB", "Idleb", "إدلب", "ادلب"])
def test_any_spelling_or_script_resolves_to_the_province(gazetteer: Gazetteer, typed: str) -> None:
    (term,) = resolve_terms([typed], gazetteer)
    assert "SY-ID" in term.places


def test_words_that_together_name_a_place_are_one_term(gazetteer: Gazetteer) -> None:
    terms = resolve_terms(["maarat", "al", "numan", "market"], gazetteer)
    assert [t.phrase for t in terms] == ["maarat al numan", "market"]
    assert terms[0].places and terms[1].places == ()


def test_without_a_gazetteer_terms_are_words_only() -> None:
    assert resolve_terms(["Idlib", "%"], None) == (SearchTerm("idlib"),)


def test_entries_hold_words_places_watchlist_and_floors() -> None:
    search = search_text(place="Saraqib", title="Air raid on the market", incident_terms=("airstrike",))
    entries = incident_entries(search=search, watchlist="idlib", killed=12, wounded=None, places={"SY-ID"})
    assert {"*", "l:idlib", "w:saraqib", "w:market", "w:airstrike", "p:SY-ID", "k:1", "k:10"} <= entries
    assert "k:20" not in entries and not any(e.startswith("x:") for e in entries)
    assert not any(
        len(e) > 120 for e in incident_entries(search="x" * 500, watchlist="w", killed=None, wounded=None)
    )


@pytest.mark.parametrize(
    ("at_least", "entry"),
    [(0, None), (1, "k:1"), (9, "k:5"), (10, "k:10"), (250, "k:200"), (10**6, "k:10000")],
)
def test_a_floor_walks_the_highest_range_not_above_it(at_least: int, entry: str | None) -> None:
    assert floor_entry("k:", at_least) == entry


def test_a_term_matches_by_whole_words_or_by_place() -> None:
    search = search_text(place="Maʿarrat al-Nuʿman", title="Market hit", incident_terms=())
    assert term_matches(SearchTerm("al numan"), search=search, places=())
    assert term_matches(SearchTerm("numan al"), search=search, places=())  # words, in any order
    assert not term_matches(SearchTerm("numa"), search=search, places=())  # whole words only
    assert term_matches(SearchTerm("idlib", ("SY-ID",)), search=search, places={"SY-ID", "SY"})
    assert not term_matches(SearchTerm("kherson", ("UA-65",)), search=search, places={"SY-ID", "SY"})
