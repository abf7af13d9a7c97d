"""html_to_text and clean_text: visible words only, entities decoded once, never an exception."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.text import clean_text, html_to_text
from tests.conftest import shared_path


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<b>9 civilians</b> killed", "9 civilians killed"),
        ("<p>First.</p><p>Second.</p>", "First.\nSecond."),
        ("one<br>two<br/>three", "one\ntwo\nthree"),
        ("<ul><li>a</li><li>b</li></ul>", "a\nb"),
        ('<a href="https://x.example/">Idlib</a> strikes', "Idlib strikes"),
        ("<span>air</span><span>strike</span>", "airstrike"),
        ("before<script>alert('x')</script>after", "beforeafter"),
        ("a <style>p { color: red }</style> b", "a b"),
        ("a <!-- a comment --> b", "a b"),
        ("AT&amp;T &eacute; &#233; &#xe9; &nbsp;!", "AT&T é é é !"),
        ("Tom&nbsp;&amp;&nbsp;Jerry", "Tom & Jerry"),
        ("5 < 6 and 7 > 3", "5 < 6 and 7 > 3"),
        ("ok <3 you", "ok <3 you"),
        ("<![CDATA[ignored markup]]>kept", "kept"),
        ("  lots \t of\n\n\n  space  ", "lots of\nspace"),
        ("", ""),
    ],
)
def test_html_to_text(html: str, text: str) -> None:
    assert html_to_text(html) == text


def test_double_encoded_entities_are_decoded_once() -> None:
    # The decision: one decode. "&amp;lt;" is the text "&lt;", not a "<" that could turn into markup.
    assert html_to_text("&amp;lt;b&amp;gt;") == "&lt;b&gt;"
    assert html_to_text("&lt;b&gt;bold&lt;/b&gt;") == "<b>bold</b>"


def test_invisible_and_control_characters_are_removed() -> None:
    assert html_to_text("Id\u200blib\u00ad \ufeffstrike\x00s\x07") == "Idlib strikes"
    assert html_to_text("a\u00a0b\u2009c") == "a b c"


def test_joiners_that_are_spelling_are_kept() -> None:
    persian = "می\u200cخواهم"  # ZWNJ separates the prefix in Persian spelling
    assert html_to_text(persian) == persian


def test_broken_markup_keeps_the_words() -> None:
    assert html_to_text("<p>unclosed <b>bold <i>text") == "unclosed bold text"
    assert html_to_text("</div></p>stray closers") == "stray closers"
    # An unterminated attribute quote swallows the tag's end; the words must still be there.
    assert html_to_text('<a href="x>broken attr</a> tail').endswith("broken attr tail")
    assert html_to_text("<![if foo]>conditional") == "conditional"


def test_clean_text_leaves_markup_alone() -> None:
    assert clean_text("  <b> is a tag \r\n\r\n &amp; ") == "<b> is a tag\n&amp;"


def test_reference_story_survives_as_markup() -> None:
    story = shared_path("examples", "idlib-airstrikes.txt").read_text(encoding="utf-8")
    wrapped = "".join(f"<p>{line}</p>" for line in story.splitlines())
    assert html_to_text(wrapped) == clean_text(story)


@given(st.text())
def test_never_raises_and_output_is_tidy(s: str) -> None:
    out = html_to_text(s)
    assert out == out.strip()
    assert "  " not in out and "\n\n" not in out
    assert all(ch == "\n" or unicodedata.category(ch) != "Cc" for ch in out)
    assert not set(out) & set("\u200b\u00ad\ufeff\x00\t\r")


@given(
    st.lists(st.sampled_from(["<p>", "</p>", "<b", ">", "&amp;", "&", "<!--", "-->", "<script>", "x", " "]))
)
def test_never_raises_on_tag_soup(parts: list[str]) -> None:
    html_to_text("".join(parts))


def test_large_input_is_handled() -> None:
    html_to_text("<p>" + "word " * 200_000 + "</p>")  # ~1 MB; a single pass, no quadratic blow-up


@given(st.text())
def test_clean_text_removes_exactly_the_control_characters_but_tab_newline_cr(s: str) -> None:
    kept = "".join(ch for ch in s if ch in "\t\n\r" or unicodedata.category(ch) != "Cc")
    assert clean_text(s) == clean_text(kept)
    assert not any(unicodedata.category(ch) == "Cc" and ch != "\n" for ch in clean_text(s))
