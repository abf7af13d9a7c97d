"""The number reader: counts in news English, and the numbers that are not counts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.numbers import find_quantities, normalise_qualifier, parse_number

COUNTS = [
    ("9", 9),
    ("1,000", 1000),
    ("380,000", 380_000),
    ("1.2 million", 1_200_000),
    ("3.6m", 3_600_000),
    ("2bn", 2_000_000_000),
    ("nine", 9),
    ("Nine", 9),
    ("twenty-three", 23),
    ("twenty three", 23),
    ("ninety-nine", 99),
    ("a dozen", 12),
    ("half a dozen", 6),
    ("two dozen", 24),
    ("three hundred", 300),
    ("three hundred and five", 305),
    ("two thousand", 2000),
    ("a hundred", 100),
    ("a thousand", 1000),
    ("five million", 5_000_000),
    ("dozens", 24),
    ("scores", 40),
    ("hundreds", 200),
    ("thousands", 2000),
    ("tens of thousands", 20_000),
    ("hundreds of thousands", 200_000),
    ("millions", 2_000_000),
    ("10 to 15", 10),
    ("10-15", 10),
    ("10–15", 10),
    ("between 10 and 15", 10),
    ("two or three", 2),
    ("at least nine", 9),
    ("more than 100", 100),
    ("over 100", 100),
    ("nearly 50", 50),
    ("almost 50", 50),
    ("about 50", 50),
    ("around 50", 50),
    ("some 1,000", 1000),
    ("up to 10", 10),
    ("as many as 10", 10),
    ("roughly 40", 40),
    ("approximately 40", 40),
]


@pytest.mark.parametrize(("text", "value"), COUNTS)
def test_parse_number_reads_counts(text: str, value: int) -> None:
    assert parse_number(text) == value


QUALIFIED = [
    ("at least nine", "at least"),
    ("more than 100", "more than"),
    ("over 100", "more than"),
    ("upwards of 100", "more than"),
    ("nearly 50", "nearly"),
    ("almost 50", "nearly"),
    ("about 50", "about"),
    ("around 50", "about"),
    ("some 50", "about"),
    ("roughly 50", "about"),
    ("approximately 50", "about"),
    ("an estimated 50", "about"),
    ("up to 10", "up to"),
    ("as many as 10", "up to"),
    ("50", None),
]


@pytest.mark.parametrize(("text", "qualifier"), QUALIFIED)
def test_qualifiers_are_normalised_for_display(text: str, qualifier: str | None) -> None:
    (q,) = find_quantities(text)
    assert q.qualifier == qualifier


TOO_VAGUE = ["several", "some", "a few", "many", "numerous", "a number of", "several million", "countless"]


@pytest.mark.parametrize("text", TOO_VAGUE)
def test_too_vague_words_are_no_number(text: str) -> None:
    assert find_quantities(f"{text} people were killed") == []


NOT_COUNTS = [
    "a 16-year-old boy",
    "the boy, aged 16",
    "Dan Smith, 16, was arrested",
    "the girl, 21",
    "a boy of 15 went missing",
    "the woman of 80 who lives alone",
    "since 2011",
    "in 2023",
    "on 7 October",
    "on October 7",
    "Jan. 12",
    "at 6am",
    "at 3.30pm",
    "at 10:30",
    "the 9/11 attacks",
    "155mm shells",
    "a 155-mm howitzer",
    "the 4th Division",
    "Brigade 93",
    "flight 370",
    "I-95",
    "F-16 jets",
    "$5 million",
    "£300,000",
    "€500m",
    "50%",
    "18 per cent",
    "10 km away",
    "200mm of rain",
    "a 6.8-magnitude quake",
    "a ten-metre zone",
    "four months",
    "two hours",
    "in his 30s",
    "day 493 of the war",
    "Covid-19",
]


@pytest.mark.parametrize("text", NOT_COUNTS)
def test_numbers_that_are_not_counts_are_skipped(text: str) -> None:
    assert find_quantities(text) == []


def test_from_to_is_two_figures_not_a_range() -> None:
    assert [q.value for q in find_quantities("the toll rose from 9 to 12")] == [9, 12]


def test_spans_point_into_the_text() -> None:
    text = "Strikes killed at least nine civilians and wounded 20 others"
    for q in find_quantities(text):
        assert text[q.start : q.end] == q.text
    assert [q.text for q in find_quantities(text)] == ["at least nine", "20"]


def test_vague_plurals_are_marked() -> None:
    (q,) = find_quantities("dozens of people")
    assert q.vague and q.value == 24


def test_unknown_qualifier_normalises_to_none() -> None:
    assert normalise_qualifier("give or take") is None
    assert normalise_qualifier(None) is None


@given(st.integers(min_value=1, max_value=10_000_000))
def test_digits_with_separators_round_trip(n: int) -> None:
    assert parse_number(f"{n:,}") == n


@given(st.integers(min_value=0, max_value=99))
def test_number_words_round_trip(n: int) -> None:
    units = (
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen"
    ).split()
    tens = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
    if n == 0:
        return
    word = units[n] if n < 20 else tens[n // 10] + ("" if n % 10 == 0 else f"-{units[n % 10]}")
    assert parse_number(word) == n


@given(st.text(max_size=300))
def test_never_raises_on_arbitrary_text(text: str) -> None:
    for q in find_quantities(text):
        assert q.value >= 0
        assert 0 <= q.start <= q.end <= len(text)
