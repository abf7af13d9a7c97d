"""Same event or not: judgements on event signatures, and story keys for re-issued articles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.core.figures import Casualties, Category, Headline
from bot.core.incidents.model import Incident, Source
from bot.core.incidents.same_event import GenericWords, compatible_kinds, find_event, generic_words, judge
from bot.core.incidents.signature import EventSignature
from bot.core.incidents.stories import canonical_link, story_key

T0 = datetime(2026, 3, 4, 8, 0, tzinfo=UTC)


def sig(place: str = "idlib", kind: str = "strike", *, specific: bool = False, sites: tuple[str, ...] = (),
        names: tuple[str, ...] = (), tokens: tuple[str, ...] = ()) -> EventSignature:  # fmt: skip
    return EventSignature(kind, place, place, specific, frozenset(sites), frozenset(names), frozenset(tokens))


def incident(event: EventSignature, killed: int | None = None, hours: float = 0) -> Incident:
    at = T0 + timedelta(hours=hours)
    figures = Casualties(killed=Headline(Category.KILLED, killed)) if killed is not None else Casualties()
    return Incident(
        key=f"k-{event.place_key}-{hours}", watchlist="idlib", place=event.place, title="t", summary="",
        casualties=figures, terms=(), sources=(Source("f", "i", "F", None, at),), tokens=event.tokens,
        first_seen=at, updated=at, alerted=True, event=event,
    )  # fmt: skip


def test_kinds_that_can_be_one_event() -> None:
    assert compatible_kinds("strike", "blast") and compatible_kinds("disaster", "displacement")
    assert not compatible_kinds("strike", "ceasefire") and not compatible_kinds("aid", "fighting")


def test_a_hospital_and_a_school_are_two_events() -> None:
    hospital = incident(sig(sites=("hospital",)))
    assert judge(sig(sites=("school",)), T0, Casualties(), hospital) is None
    joined = judge(sig(sites=("hospital",)), T0, Casualties(), hospital)
    assert joined is not None and joined.joins()


def test_two_towns_are_two_events_and_the_region_is_not_a_town() -> None:
    saraqib = incident(sig("saraqib", specific=True))
    assert judge(sig("ariha", specific=True), T0, Casualties(), saraqib) is None
    region_wide = judge(sig("idlib"), T0, Casualties(), saraqib)
    assert region_wide is None or not region_wide.joins()


def test_ongoing_fighting_in_one_place_is_one_event() -> None:
    clashes = incident(sig("khartoum", "fighting", specific=True))
    verdict = judge(
        sig("khartoum", "casualties", specific=True), T0 + timedelta(hours=20), Casualties(), clashes
    )
    assert verdict is not None and verdict.joins() and "ongoing in khartoum" in " ".join(verdict.reasons)


def test_the_same_toll_or_a_shared_name_is_evidence_but_the_wars_words_are_not() -> None:
    lead = incident(sig(sites=("market",), names=("saraqib",)), killed=9)
    assert judge(sig(names=("saraqib",)), T0, Casualties(), lead).joins()  # type: ignore[union-attr]
    nine = Casualties(killed=Headline(Category.KILLED, 9))
    assert judge(sig(), T0, nine, lead).joins()  # type: ignore[union-attr]
    war = [incident(sig(f"p{n}", names=("hamas",)), hours=n) for n in range(5)]
    assert "hamas" in generic_words(war)
    assert (
        find_event(sig("gaza", names=("hamas",)), T0, Casualties(), war, generic=generic_words(war)) is None
    )


def test_time_window_and_earlier_reports() -> None:
    lead = incident(sig(sites=("market",)))
    assert judge(sig(sites=("market",)), T0 + timedelta(hours=37), Casualties(), lead) is None
    earlier = judge(sig(sites=("market",)), T0 - timedelta(hours=2), Casualties(), lead)
    assert earlier is not None and earlier.joins()  # a late-polled feed's earlier report


def test_story_keys_ignore_tracking_parameters_and_guids() -> None:
    a = "https://www.example.com/news/2023/strike?utm_source=rss&utm_campaign=x#top"
    b = "http://example.com/news/2023/strike/?traffic_source=rss"
    assert canonical_link(a) == canonical_link(b) == "example.com/news/2023/strike"
    assert story_key(a, "Title A") == story_key(b, "Another title")
    assert story_key("https://example.com/news/2023/other", "Title A") != story_key(a, "Title A")
    assert canonical_link("https://example.com/item?id=7&utm_medium=rss") == "example.com/item?id=7"
    assert story_key(None, "Strike on market", "Wire") == story_key(None, "Strike on market!", "Wire")
    assert canonical_link("javascript:alert(1)") is None


_WORDS = st.frozensets(
    st.sampled_from(["idlib", "gaza", "strike", "market", "sarmada", "aid", "x", "y"]), max_size=5
)


@given(st.lists(st.tuples(st.booleans(), st.booleans(), _WORDS, _WORDS), max_size=60))
def test_generic_words_counted_as_they_come_are_the_recount(
    ops: list[tuple[bool, bool, frozenset[str], frozenset[str]]],
) -> None:
    # Asked after some changes only: the answer is kept between questions, as triage asks.
    kept: list[EventSignature] = []
    counted = GenericWords()
    for remove, ask, names, tokens in ops:
        if remove and kept:
            counted.remove(kept.pop(len(names) % len(kept)))
        else:
            sig = EventSignature(None, None, None, False, frozenset(), names, tokens)
            kept.append(sig)
            counted.add(sig)
        if ask:
            assert counted.current() == generic_words((), kept)
    assert counted.current() == generic_words((), kept)
