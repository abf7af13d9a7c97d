"""The reader's pure side: the question for a match, the prompt, reading replies, withholding."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from bot.core.gazetteer import Gazetteer
from bot.core.matching import Matcher
from bot.core.reader import (
    MAX_LISTED,
    MAX_TEXT_CHARS,
    ReaderAnswer,
    ReadMatcher,
    Verdict,
    messages,
    parse_answer,
    question_for,
)
from bot.core.watchlists import Region, Rule, Watchlist

GAZA = Watchlist(
    name="gaza",
    channels=("C0GAZA00001",),
    regions=(Region("Gaza"),),
    keywords=("airstrike", "ceasefire"),
    scope="The Gaza Strip. Not the West Bank.",
)
AID = Watchlist(
    name="aid", channels=("C0AID000001",), regions=(Region("Gaza"),), keywords=("convoy", "ceasefire")
)


def test_the_question_names_the_watch_its_scope_and_the_terms_that_matched(gazetteer: Gazetteer) -> None:
    title, text = (
        "Airstrike on Rafah kills 12",
        "An airstrike on a house in Rafah, in southern Gaza, killed 12.",
    )
    (match,) = Matcher([GAZA], gazetteer).match(title, text)
    q = question_for(GAZA, match, title, text)
    system, user = messages(q)
    assert system["role"] == "system" and "NOT RELEVANT" in system["content"]
    assert user["role"] == "user"
    lines = user["content"].splitlines()
    assert "Watched region: Gaza" in lines
    assert "What the desk watches there: The Gaza Strip. Not the West Bank." in lines
    assert "Watch words: airstrike, ceasefire" in lines
    assert "Matched on: a watched place and a watch word" in lines
    assert any(line.startswith("Terms that matched: ") and "Rafah" in line for line in lines)
    assert f"Headline: {title}" in lines and f"Text: {text}" in lines


def test_a_long_description_is_cut_at_a_word(gazetteer: Gazetteer) -> None:
    text = "Airstrike on Gaza. " + "word " * 1000
    (match,) = Matcher([GAZA], gazetteer).match("Airstrike on Gaza", text)
    q = question_for(GAZA, match, "Airstrike on Gaza", text)
    assert len(q.text) <= MAX_TEXT_CHARS + 2 and q.text.endswith("word …")


def test_a_huge_watchlist_names_only_its_first_terms(gazetteer: Gazetteer) -> None:
    big = Watchlist(
        name="big",
        channels=("C0BIG000001",),
        regions=(Region("Gaza"),),
        keywords=tuple(f"w{i}" for i in range(2000)),
    )
    (match,) = Matcher([big], gazetteer).match("w5 in Gaza", "")
    q = question_for(big, match, "w5 in Gaza", "")
    assert len(q.themes) == MAX_LISTED and q.themes[0] == "w0"
    assert len(messages(q)[1]["content"]) < 2000


def test_without_scope_or_description_the_prompt_says_so(gazetteer: Gazetteer) -> None:
    (match,) = Matcher([AID], gazetteer).match("Convoy reaches Gaza", "")
    user = messages(question_for(AID, match, "Convoy reaches Gaza", ""))[1]["content"]
    assert "What the desk watches there" not in user and "Text: (none)" in user


def test_the_prompt_says_what_kind_of_terms_matched(gazetteer: Gazetteer) -> None:
    by_place = replace(GAZA, rule=Rule.REGION)
    (match,) = Matcher([by_place], gazetteer).match("Rafah residents count the cost", "")
    assert (
        "Matched on: a watched place, no watch word"
        in messages(question_for(by_place, match, "x", ""))[1]["content"]
    )
    by_word = Watchlist(name="strikes", channels=("C0STRIKE001",), keywords=("airstrike",), rule=Rule.KEYWORD)
    (match,) = Matcher([by_word], gazetteer).match("Airstrike reported", "")
    user = messages(question_for(by_word, match, "Airstrike reported", ""))[1]["content"]
    assert "Watched region: none (the watchlist is on its words alone)" in user
    assert "Matched on: a watch word, no watched place" in user


def test_replies_are_read_in_the_shapes_models_write_them() -> None:
    assert parse_answer("RELEVANT: strike in Rafah") == ReaderAnswer(Verdict.RELEVANT, "strike in Rafah")
    assert parse_answer("NOT RELEVANT: a statement in Paris").verdict is Verdict.NOT_RELEVANT
    assert parse_answer("**Not relevant** - protest in London") == ReaderAnswer(
        Verdict.NOT_RELEVANT, "protest in London"
    )
    assert parse_answer("Let me think.\nRELEVANT: aid convoy enters Gaza").reason == "aid convoy enters Gaza"
    assert parse_answer("Irrelevant: sport").verdict is Verdict.NOT_RELEVANT
    assert parse_answer("not  relevant").verdict is Verdict.NOT_RELEVANT


def test_anything_else_is_unknown_with_what_was_said() -> None:
    answer = parse_answer("I cannot tell from this text.")
    assert answer.verdict is Verdict.UNKNOWN and "I cannot tell" in answer.reason
    assert parse_answer("").verdict is Verdict.UNKNOWN
    assert parse_answer("Relevance unclear").verdict is Verdict.UNKNOWN  # "relevant" must be a whole word


@given(st.text())
def test_reading_any_reply_never_raises(reply: str) -> None:
    answer = parse_answer(reply)
    assert isinstance(answer.verdict, Verdict) and len(answer.reason) <= 200


def test_the_read_matcher_answers_from_memory_and_asks_the_matcher_about_anything_else(
    gazetteer: Gazetteer,
) -> None:
    inner = Matcher([GAZA, AID], gazetteer)
    title, text, link = "Ceasefire talks on Gaza resume", "Talks resumed.", "https://wire.example/1"
    both = tuple(inner.match(title, text, link=link))
    assert [m.watchlist for m in both] == ["gaza", "aid"]
    left = ReadMatcher(inner, {(title, text, link): tuple(m for m in both if m.watchlist == "aid")})
    assert [m.watchlist for m in left.match(title, text, link=link)] == ["aid"]
    # Another link is another item: not in memory, so the matcher decides.
    assert [m.watchlist for m in left.match(title, text, link="https://wire.example/2")] == ["gaza", "aid"]
