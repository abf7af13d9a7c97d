"""Properties of the casualty extractor that must hold for any input."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.core.casualties import extract_casualties
from bot.core.figures import Category

_WIRE_WORDS = st.sampled_from(
    "killed wounded dead died injured missing displaced at least more than nearly 12 1,000 nine dozens "
    "people civilians soldiers and including since 2011 in four months no one was the toll rose to of "
    "a man aged 16 , . \n were have been fled their homes bodies hundreds thousands".split(" ")
)


@given(st.text(max_size=400), st.text(max_size=400))
def test_never_raises_on_arbitrary_text(title: str, description: str) -> None:
    got = extract_casualties(title, description)
    for h in got.headlines:
        assert h.value >= 0


@given(st.lists(_WIRE_WORDS, max_size=60), st.lists(_WIRE_WORDS, max_size=60))
def test_never_raises_on_casualty_word_soup(title: list[str], description: list[str]) -> None:
    got = extract_casualties(" ".join(title), " ".join(description))
    text = " ".join(title) + "\n" + " ".join(description)
    for f in got.figures:
        assert 0 <= f.span[0] <= f.span[1] <= len(text)


@given(st.integers(min_value=2, max_value=5_000_000))
def test_digit_counts_round_trip(n: int) -> None:
    assert extract_casualties(f"{n} people were killed", "").value(Category.KILLED) == n
    assert extract_casualties(f"Blast injures {n:,}", "").value(Category.WOUNDED) == n


@given(st.integers(min_value=2, max_value=100_000), st.integers(min_value=1900, max_value=2030))
def test_an_unrelated_sentence_with_a_year_changes_nothing(n: int, year: int) -> None:
    base = extract_casualties("Strike on market", f"At least {n} civilians were killed on Tuesday.")
    more = extract_casualties(
        "Strike on market", f"At least {n} civilians were killed on Tuesday. The market was built in {year}."
    )
    assert more.as_dict() == base.as_dict()
    assert more.killed == base.killed


@given(st.integers(min_value=2, max_value=100_000), st.integers(min_value=1, max_value=120))
def test_an_age_never_becomes_the_count(n: int, age: int) -> None:
    got = extract_casualties(f"{n} killed in attack", f"Police arrested a man, {age}, on Friday.")
    assert got.value(Category.KILLED) == n
