"""The alert summary: one or two sentences that say what the title does not."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.summary import repeats_title, split_sentences, strip_dateline, summarise
from tests.conftest import shared_path

TITLE = "Shelling kills 4 in Kharkiv market"


def test_sentence_splitting_respects_abbreviations_dates_and_decimals() -> None:
    text = (
        "Officials in the U.S. said 3.6 million people fled. On Jan. 12 Dr. Amal Haddad reached the "
        "clinic. Gen. Smith and Lt. Jones spoke at 4.30 p.m. local time. It was quiet."
    )
    assert split_sentences(text) == [
        "Officials in the U.S. said 3.6 million people fled.",
        "On Jan. 12 Dr. Amal Haddad reached the clinic.",
        "Gen. Smith and Lt. Jones spoke at 4.30 p.m. local time.",
        "It was quiet.",
    ]


def test_sentence_splitting_on_quotes_and_other_terminators() -> None:
    text = 'He said: "We will not leave." Then the shelling resumed! Why now? Nobody knows.'
    assert split_sentences(text) == [
        'He said: "We will not leave."',
        "Then the shelling resumed!",
        "Why now?",
        "Nobody knows.",
    ]


def test_month_abbreviation_without_a_day_ends_the_sentence_when_it_is_a_word() -> None:
    assert split_sentences("Residents said no. The army denied it.") == [
        "Residents said no.",
        "The army denied it.",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("BEIRUT - Regime strikes hit Idlib.", "Regime strikes hit Idlib."),
        ("KHARTOUM (Reuters) - Fighting spread.", "Fighting spread."),
        ("GAZA CITY, Gaza Strip (AP) — Strikes hit a school.", "Strikes hit a school."),
        ("Kyiv (AFP) – Drones struck overnight.", "Drones struck overnight."),
        ("The UN - which runs the camps - said", "The UN - which runs the camps - said"),
        ("Shelling continued on Monday.", "Shelling continued on Monday."),
    ],
)
def test_datelines_are_stripped(text: str, expected: str) -> None:
    assert strip_dateline(text) == expected


def test_first_sentence_repeating_the_title_is_skipped() -> None:
    summary = (
        "KHARKIV (Reuters) - Shelling killed four people in a Kharkiv market. "
        "The strike hit at midday when stalls were busiest. Emergency crews searched the rubble."
    )
    assert summarise(TITLE, summary) == (
        "The strike hit at midday when stalls were busiest. Emergency crews searched the rubble."
    )
    assert repeats_title(TITLE, "Shelling killed four people in a Kharkiv market.")
    assert not repeats_title(TITLE, "The strike hit at midday when stalls were busiest.")


def test_keeps_a_first_sentence_that_adds_information() -> None:
    summary = "Russian artillery struck the central market of Kharkiv as traders opened their stalls."
    assert summarise(TITLE, summary) == summary


def test_only_one_sentence_when_two_do_not_fit() -> None:
    first = "The strike hit at midday when stalls were busiest and crowds were shopping for bread."
    second = "Emergency crews searched the rubble for survivors late into the night, officials said."
    assert summarise(TITLE, f"{first} {second}", max_chars=120) == first


def test_long_sentence_is_cut_on_a_word_boundary() -> None:
    sentence = "The strike hit " + "very " * 80 + "busy stalls."
    out = summarise(TITLE, sentence, max_chars=100)
    assert len(out) <= 100
    assert out.endswith("very…")


def test_empty_or_title_only_description() -> None:
    assert summarise(TITLE, "") == ""
    assert summarise(TITLE, TITLE + ".") == ""
    assert summarise(TITLE, "   \n ") == ""


def test_idlib_story_summary() -> None:
    text = shared_path("examples", "idlib-airstrikes.txt").read_text(encoding="utf-8")
    title, _, rest = text.strip().partition("\n")
    body = rest.strip().split("\n\n")
    out = summarise(title, " ".join(body[1:]))  # skip the standfirst: the dateline paragraph leads
    assert out.startswith("Regime air strikes on Syria's last major opposition bastion killed")
    assert "BEIRUT" not in out
    assert len(out) <= 280


@given(st.text(), st.text(), st.integers(min_value=0, max_value=400))
def test_summary_never_exceeds_max_chars(title: str, summary: str, max_chars: int) -> None:
    assert len(summarise(title, summary, max_chars=max_chars)) <= max_chars


def test_lede_that_contains_the_title_but_adds_facts_is_kept() -> None:
    title = "Air strikes hit Idlib market, killing nine civilians"
    lede = (
        "Air strikes hit a market and repair shops in Idlib city on Sunday, killing nine civilians "
        "and wounding 20 others, a monitor said."
    )
    assert not repeats_title(title, lede)
    summary = summarise(title, lede + " Background follows.")
    assert summary.startswith("Air strikes hit a market and repair shops")


def test_number_words_and_digits_count_as_the_same_word() -> None:
    assert repeats_title("Blast kills 9 in market", "A blast killed nine in the market.")
