"""Escaping untrusted text for Slack: nothing a feed says can ping, link or hide."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.slack_text import clean, clip, escape, link, safe_url, to_plain

HOSTILE = [
    "<!channel> strikes",
    "<!here|here>",
    "<!everyone>",
    "<@U123> says",
    "<!subteam^S1|@desk>",
    "<https://evil.example|BBC>",
    "<#C999|general>",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_control_sequences_are_inert(text: str) -> None:
    out = escape(text)
    assert "<" not in out and ">" not in out
    assert to_plain(out) == text  # a reader still sees exactly what the feed said


def test_ampersand_and_existing_entities_are_shown_literally() -> None:
    assert escape("Tom & Jerry") == "Tom &amp; Jerry"
    assert escape("&lt;!channel&gt;") == "&amp;lt;!channel&amp;gt;"
    assert to_plain(escape("&lt;b&gt;")) == "&lt;b&gt;"


def test_invisible_and_bidi_characters_are_removed() -> None:
    assert escape("Id\u200dlib\u200b") == "Idlib"
    assert escape("\u202eevil\u202c name") == "evil name"
    assert escape("a\ufeffb\u2066c\u2069") == "abc"


def test_whitespace_and_control_characters_collapse() -> None:
    assert escape("  two\n\nlines\tand\x00nul  ") == "two lines and nul"
    assert clean("x\u2028y") == "x y"


def test_plain_at_here_stays_plain_text() -> None:
    # Without <!here> Slack only mentions with link_names, which Sitrep never sets.
    assert escape("@here look") == "@here look"


def test_link_for_http_urls() -> None:
    assert link("https://example.org/a?b=1", "AFP") == "<https://example.org/a?b=1|AFP>"
    assert link("http://example.org/", "Wire") == "<http://example.org/|Wire>"


def test_link_escapes_label_and_url() -> None:
    out = link("https://ex.org/a|b<c>d", "B|B<!channel>C")
    assert out == "<https://ex.org/a%7Cb%3Cc%3Ed|B\uff5cB&lt;!channel&gt;C>"
    assert out.count("|") == 1 and out.count("<") == 1 and out.count(">") == 1


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://x.org/f", "slack://open", "https://", "", None, "/rel"]
)
def test_non_http_urls_give_only_the_label(url: str | None) -> None:
    assert link(url, "<b>Label</b>") == "&lt;b&gt;Label&lt;/b&gt;"
    assert safe_url(url) is None


def test_link_without_label_shows_the_url() -> None:
    assert link("https://ex.org/?a=1&b=2") == "<https://ex.org/?a=1&b=2|https://ex.org/?a=1&amp;b=2>"
    assert to_plain(link("https://ex.org/x", "")) == "https://ex.org/x"


def test_clip_never_cuts_an_entity_or_a_link() -> None:
    text = escape("a & b & c & d")  # "a &amp; b &amp; c &amp; d"
    for limit in range(1, len(text) + 2):
        out = clip(text, limit)
        assert len(out) <= limit
        assert not re.search(r"&[a-z]*…$", out)
    linked = "see " + link("https://ex.org/long/path", "the source") + " now"
    for limit in range(1, len(linked)):
        out = clip(linked, limit)
        assert out.count("<") == out.count(">")


def test_clip_prefers_word_boundaries() -> None:
    assert clip("alpha beta gamma delta", 14) == "alpha beta…"
    assert clip("short", 10) == "short"


def test_to_plain_renders_dates_by_fallback_and_bold_as_text() -> None:
    assert (
        to_plain("*Killed* <!date^1700000000^{time}|2023-11-14 22:13 UTC>") == "Killed 2023-11-14 22:13 UTC"
    )


@given(st.text())
def test_escape_output_never_contains_control_syntax(text: str) -> None:
    out = escape(text)
    assert "<" not in out and ">" not in out
    assert re.sub(r"&(amp|lt|gt);", "", out).count("&") == 0
    assert out == out.strip() and "  " not in out


@given(st.text(), st.text())
def test_link_is_always_one_well_formed_link_or_plain(url: str, label: str) -> None:
    out = link(url, label)
    if out.startswith("<"):
        assert out.endswith(">") and out.count("<") == 1 and out.count(">") == 1 and out.count("|") == 1
    else:
        assert "<" not in out and ">" not in out


@given(st.text(), st.integers(min_value=0, max_value=300))
def test_clip_respects_the_limit(text: str, limit: int) -> None:
    assert len(clip(escape(text), limit)) <= limit
