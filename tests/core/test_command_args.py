"""The slash-command argument parser: quoting, options, limits, hostile input."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.command_args import MAX_CHARS, MAX_WORDS, parse_args
from bot.errors import CommandError

OPTS = ("since", "min", "watch")


def test_words_quotes_and_options() -> None:
    args = parse_args('"Maarat al-Numan" airstrike since: 7d min: 5 killed watch: idlib', options=OPTS)
    assert args.words == ("Maarat al-Numan", "airstrike")
    assert args.options == {"since": "7d", "min": "5 killed", "watch": "idlib"}


def test_option_value_glued_to_the_key() -> None:
    assert parse_args("gaza since:24h", options=OPTS).options == {"since": "24h"}


def test_subcommand_and_rest() -> None:
    args = parse_args("  Show   idlib ")
    assert args.subcommand == "show" and args.rest == ("idlib",)


def test_smart_quotes_group_too() -> None:
    assert parse_args("“Khan Younis” strike").words == ("Khan Younis", "strike")


def test_zero_width_and_control_characters_are_dropped() -> None:
    assert parse_args("he\u200blp\x00").words == ("help",)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("x" * (MAX_CHARS + 1), "at most 500"),
        (" ".join(["w"] * (MAX_WORDS + 1)), "at most 30"),
        ("a" * 301, "longer than 300"),
        ('"unclosed name', "quote is not closed"),
        ("gaza colour: red", "unknown option `colour:`"),
        ("gaza since: 7d since: 24h", "given twice"),
        ("gaza since:", "needs a value"),
    ],
)
def test_problems_name_the_bad_part(text: str, problem: str) -> None:
    with pytest.raises(CommandError, match=problem):
        parse_args(text, options=OPTS)


def test_without_declared_options_colons_are_words() -> None:
    assert parse_args("help: me").words == ("help:", "me")


@given(st.text(max_size=800))
def test_never_raises_anything_but_command_error(text: str) -> None:
    try:
        args = parse_args(text, options=OPTS)
    except CommandError:
        return
    assert len(args.words) <= MAX_WORDS
