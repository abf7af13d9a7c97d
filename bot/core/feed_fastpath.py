"""A fast reading of plain RSS 2.0 bodies, giving exactly what feedparser gives (pure).

feedparser is the reference and most of a poll's CPU: it drives the SAX parser element by element
in Python, about 4,000 items per second. Most feeds are plain RSS 2.0 in UTF-8, and for those this
module builds the same entry mappings (the keys ``bot.core.feed_parsing`` reads) from one
``xml.etree.ElementTree`` pass, which expat does in C.

It answers only when it is sure; anything else is None and the caller uses feedparser:

* Any ``<!DOCTYPE`` or ``<!ENTITY`` anywhere: no entity can be declared, so nothing can expand
  (``docs/SECURITY.md``); an undeclared entity (``&nbsp;``) is an expat error, so a None.
* Encodings other than UTF-8 (declared in the XML, by a byte-order mark or by the Content-Type),
  and a ``text/xml`` Content-Type without a charset (RFC 3023 makes that US-ASCII for feedparser).
* Anything not well-formed, a root other than ``<rss>`` with one ``<channel>``, a channel without
  items, ``xml:base`` anywhere, and any item child outside a short list whose feedparser meaning
  is known (``title``, ``link``, ``description``, ``guid``, ``pubDate``, and ignored ``category``,
  ``author``, ``comments``, ``enclosure``, ``dc:creator``), a repeated or attributed one, or one with
  child elements. ``content:encoded``, ``dc:date``, ``media:*`` and Atom all go to feedparser.

Within that, the values are feedparser's own: its date parser, its HTML test for titles, its
sanitiser on any markup, its UTF-8 repair and cp1252 mapping, its rules for permalink guids. The
differential tests (``tests/core/test_feed_fastpath.py``) hold the two readings equal.
"""

from __future__ import annotations

import contextlib
import re
import xml.etree.ElementTree as ET
from typing import Any

import feedparser.datetimes
import feedparser.mixin
import feedparser.sanitizer
import feedparser.urls
from feedparser.html import _cp1252

_DECLARATIONS = re.compile(rb"<!\s*(?:doctype|entity)", re.IGNORECASE)
_XML_DECL_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']""")
_ENTITY_LIKE = re.compile("&([A-Za-z0-9_]+);")
_UTF8 = frozenset({"utf-8", "utf8"})
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
_DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"
_READ = frozenset({"title", "link", "description", "guid", "pubDate"})
_IGNORED = frozenset({"category", "author", "comments", "enclosure", _DC_CREATOR})
# Media types feedparser decodes by the XML declaration when no charset is given.
_XML_TYPES = frozenset(
    {"application/rss+xml", "application/xml", "application/atom+xml", "application/rdf+xml"}
)
_looks_like_html = feedparser.mixin._FeedParserMixin.looks_like_html


def fast_entries(body: bytes, content_type: str | None) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """(feed, entries) as feedparser would give them for these keys, or None: use feedparser."""
    if not _utf8(body, content_type) or _DECLARATIONS.search(body):
        return None
    try:
        parser = ET.XMLParser()
        parser.feed(body)
        root = parser.close()
    except (ET.ParseError, ValueError):
        return None
    if root.tag != "rss" or len(root) != 1 or root[0].tag != "channel":
        return None
    channel = root[0]
    for element in root.iter():
        if _XML_BASE in element.attrib:
            return None
    feed: dict[str, Any] = {}
    entries: list[dict[str, Any]] = []
    for child in channel:
        if child.tag == "item":
            entry = _entry(child)
            if entry is None:
                return None
            entries.append(entry)
        elif child.tag == "title" and "title" not in feed:
            if len(child) or child.attrib:
                return None
            raw = (child.text or "").strip()
            html = _looks_like_html(raw)
            feed["title"] = _finish(_markup(raw) if html else raw)
            feed["title_detail"] = {"type": "text/html" if html else "text/plain"}
        elif child.tag == "link" and "link" not in feed:
            if len(child) or child.attrib:
                return None
            feed["link"] = _link((child.text or "").strip(), entry=False)
    if not entries:
        return None  # an empty or odd channel: feedparser decides whether it is a feed at all
    return feed, entries


def _utf8(body: bytes, content_type: str | None) -> bool:
    if body.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00", b"<\x00")):
        return False
    if content_type is not None:
        media, _, params = content_type.partition(";")
        media = media.strip().lower()
        charset = None
        for param in params.split(";"):
            name, _, value = param.partition("=")
            if name.strip().lower() == "charset":
                charset = value.strip().strip("\"'").lower()
        if charset is not None and charset not in _UTF8:
            return False
        if charset is None and media not in _XML_TYPES:
            return False
    declared = _XML_DECL_ENCODING.match(body.removeprefix(b"\xef\xbb\xbf"))
    return declared is None or declared.group(1).decode("ascii", "replace").lower() in _UTF8


def _entry(item: ET.Element) -> dict[str, Any] | None:
    entry: dict[str, Any] = {}
    seen: set[str] = set()
    for child in item:
        tag = child.tag
        if tag in _IGNORED:
            continue
        if tag not in _READ or tag in seen or len(child):
            return None
        seen.add(tag)
        attrs = {k.lower(): v for k, v in child.attrib.items()}
        raw = (child.text or "").strip()
        if tag == "guid":
            if set(attrs) - {"ispermalink"}:
                return None
            # feedparser: a guid is a link unless isPermaLink says otherwise (exactly "true"), and
            # it fills the link only if no <link> came before it; a later <link> replaces it.
            permalink = attrs.get("ispermalink", "true") == "true"
            value = _finish(feedparser.urls._urljoin("", raw) if permalink else raw)
            entry["id"] = value
            entry["guidislink"] = permalink and "link" not in entry
            if permalink:
                entry.setdefault("link", value)
            continue
        if attrs:
            return None
        if tag == "title":
            html = _looks_like_html(raw)
            entry["title"] = _finish(_markup(raw) if html else raw)
            entry["title_detail"] = {"type": "text/html" if html else "text/plain"}
        elif tag == "description":
            entry["summary"] = _finish(_markup(raw))
            entry["summary_detail"] = {"type": "text/html"}
        elif tag == "link":
            entry["link"] = _link(raw)
        else:  # pubDate
            value = _finish(raw)
            entry["published"] = value
            entry["published_parsed"] = feedparser.datetimes._parse_date(value)
    return entry


def _finish(output: str) -> str:
    """The last steps of feedparser's ``pop``: its repair of UTF-8 read as Latin-1 upstream, and
    its mapping of C1 controls to the cp1252 characters they almost always are."""
    if output.isascii():
        return output  # both are the identity on ASCII, which most text is
    with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
        output = output.encode("iso-8859-1").decode("utf-8")
    return output.translate(_cp1252)


def _link(raw: str, *, entry: bool = True) -> str:
    output = _finish(feedparser.urls._urljoin("", raw))
    # feedparser's fix for query strings mangled as if "&b=2" were an entity reference (an item's
    # link also loses "amp;"; the channel's does not).
    if entry:
        output = output.replace("&amp;", "&")
    return _ENTITY_LIKE.sub(r"&\g<1>", output)


def _markup(value: str) -> str:
    """feedparser's treatment of HTML content: relative URIs resolved, then its sanitiser."""
    if "<" not in value and "&" not in value:
        return value  # nothing either would touch
    value = feedparser.urls.resolve_relative_uris(value, "", "utf-8", "text/html")
    return str(feedparser.sanitizer._sanitize_html(value, "utf-8", "text/html"))
