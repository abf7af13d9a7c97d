"""Turning feed markup into the plain text the matcher, the extractor and Slack see.

Feeds put HTML (often broken, sometimes hostile) in titles and summaries. ``html_to_text`` keeps
the words and their paragraph breaks and nothing else; ``clean_text`` does the same whitespace and
invisible-character clean-up for text that is already plain. Both are pure and never raise.

Entities are decoded exactly once: feedparser has already undone the XML layer, so one more
decode undoes the HTML layer. ``&amp;lt;`` therefore becomes the literal text ``&lt;`` (a
publisher that escaped three times gets to see its escaping) rather than a ``<`` that a later
stage might read as markup.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

# Elements whose start or end is a line break in the rendered text.
_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "caption", "dd", "div", "dl", "dt",
        "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
        "li", "main", "nav", "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul",
    }
)  # fmt: skip

# Elements whose content is never text a reader sees.
_HIDDEN_TAGS = frozenset({"script", "style", "template", "noscript", "head", "title", "iframe", "object"})

# Invisible characters that only get in the way of matching. ZWNJ (U+200C) and ZWJ (U+200D) are
# kept on purpose: they are spelling in Persian and Indic scripts and glue emoji sequences.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u180e\u200b\u2060\ufeff\ufffe"), None)

# Unicode category Cc (C0, DEL, C1) except tab, newline and carriage return.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_HORIZONTAL_SPACE = re.compile(r"[^\S\n]+")
_LINE_BREAKS = re.compile(r"\s*\n\s*")
# A regex fallback for the (rare) input html.parser gives up on.
_TAG = re.compile(r"<[^>]*>?")


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden_depth += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <br/> and <hr/> break lines; a self-closed <script/> hides nothing.
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden_depth = max(0, self._hidden_depth - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden_depth:
            self.parts.append(data)


def clean_text(s: str) -> str:
    """Plain text tidied: no control or invisible characters, single spaces, no blank lines.

    Line breaks survive (as single ``\\n``) because paragraph boundaries help sentence splitting.
    """
    if not s.isascii():
        s = s.translate(_INVISIBLE)  # every invisible character is outside ASCII
    # Cc covers C0/C1 controls; tab/newline/CR are whitespace and handled below.
    s = _CONTROLS.sub("", s)
    s = s.replace("\r\n", "\n").replace("\r", "\n")
    s = _HORIZONTAL_SPACE.sub(" ", s)
    s = _LINE_BREAKS.sub("\n", s)
    return s.strip()


def html_to_text(s: str) -> str:
    """The visible text of an HTML fragment, entities decoded once, whitespace tidied."""
    if "<" not in s and "&" not in s:
        return clean_text(s)
    collector = _TextCollector()
    try:
        collector.feed(s)
        collector.close()
        text = "".join(collector.parts)
    except Exception:
        # html.parser can still trip on pathological markup; a crude strip beats losing the item.
        text = html.unescape(_TAG.sub(" ", s))
    return clean_text(text)
