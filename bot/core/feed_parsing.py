"""Parsing fetched feed bodies into ``FeedItem`` values (pure: bytes in, values out).

feedparser does the format work (RSS 0.9x/1.0/2.0, Atom, encodings, sanitising); this module
turns its loose dictionaries into frozen items the rest of the bot can trust: stable ids, plain
text, absolute links, UTC dates, bounded sizes.

Plain UTF-8 RSS 2.0 (most feeds) is read by ``bot.core.feed_fastpath`` to the same entry values
about four times faster; it declines anything with a DOCTYPE or entity declaration, another
encoding or an element it does not know, and those bodies go to feedparser as below.

No I/O happens here, and that needed care:

* feedparser's ``parse()`` treats a ``str``/``bytes`` argument that names an existing file as a
  path and reads that file (``parse(b"/etc/hosts")`` does), and a ``str`` URL as something to
  download. The body is therefore always handed over wrapped in ``io.BytesIO``.
* External entities and DTDs (``<!DOCTYPE rss SYSTEM "http://...">``) are not fetched:
  feedparser strips the DOCTYPE before parsing, keeps only literal internal ``<!ENTITY>``
  declarations, and turns off ``feature_external_ges`` on the SAX parser. The tests check this
  against a local server that records every request.
* Internal entities are limited to ones that cannot grow the document (see ``_harden_feedparser``):
  feedparser re-inserts every "safe" literal ``<!ENTITY a "...">`` it finds, and when expat's own
  amplification limit trips, its fallback "loose" parser expands them with no limit at all. A 1 MB
  body declaring a 100 KB entity and referencing it 10,000 times cost 2.9 GB and 25 s; an 8.6 MB body
  kept under expat's 100x limit produced a 750 MB title. Dropped declarations leave ``&a;`` as text.
* At most ``MAX_ITEMS_PER_POLL`` items come out of one body (the newest); ``ParsedFeed.over_cap``
  says how many were left out so the caller can log it.

The feed's URL is deliberately *not* given to feedparser as ``content-location``. feedparser
resolves ``<guid>`` values (which default to isPermaLink="true") against that base, so a guid
"12345" would become "https://host/path/12345" and every id would change the day the feed URL
or its redirect target changes, re-announcing every item. Links are instead resolved here
with ``urljoin(base_url, ...)``; in-document ``xml:base`` is still honoured by feedparser.
"""

from __future__ import annotations

import calendar
import hashlib
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import feedparser
import feedparser.sanitizer

from bot.core.feed_fastpath import fast_entries
from bot.core.items import FeedItem
from bot.core.text import clean_text, html_to_text
from bot.errors import ParseError

MAX_TITLE_CHARS = 500
MAX_SUMMARY_CHARS = 5_000
MAX_ID_CHARS = 512
# A real feed lists tens of items; a 100,000-item body is a dump or an attack. The newest are kept.
MAX_ITEMS_PER_POLL = 1_000
# Further ahead than this is a publisher's clock or timezone bug, not a scheduled article.
MAX_FUTURE = timedelta(days=2)

_TRACKING_PARAMS = frozenset({"fbclid", "gclid", "mc_cid", "mc_eid", "ocid", "cmpid"})
_LINK_SCHEMES = frozenset({"http", "https"})
_WIDE_TEXT_STARTS = (b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<", b"\x00\x00")
# Before stripping markup, raw text far beyond the cap is cut so a 5 MB title costs little.
_RAW_SLACK = 20


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """One parsed feed body. ``skipped`` explains each entry that could not become an item."""

    feed_id: str
    title: str
    link: str | None
    items: tuple[FeedItem, ...]
    skipped: tuple[str, ...] = ()
    over_cap: int = 0  # items beyond MAX_ITEMS_PER_POLL, left out (the oldest ones)


def parse_feed(
    feed_id: str,
    body: bytes,
    *,
    base_url: str,
    content_type: str | None,
    now: datetime,
    fast_path: bool = True,
) -> ParsedFeed:
    """Parse one fetched body; raise ``ParseError`` when it is not a feed at all.

    A valid feed with no entries is an empty ``ParsedFeed``. A feed feedparser calls "bozo"
    (undeclared entity, wrong declared charset, ...) is accepted as long as entries came out.
    ``fast_path=False`` reads every body with feedparser (the reference the fast path is tested
    against, and the bench's comparison).
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if not body.strip():
        raise ParseError(feed_id, "empty body")
    # Plain UTF-8 RSS 2.0 is read by the fast path, to the same values; anything else by feedparser.
    fast = fast_entries(body, content_type) if fast_path else None
    feed: Mapping[str, Any]
    entries: Sequence[Mapping[str, Any]]
    if fast is not None:
        feed, entries = fast
    else:
        feed, entries = _feedparser_entries(feed_id, body, content_type)
    items: list[FeedItem] = []
    skipped: list[str] = []
    seen: set[str] = set()
    for position, entry in enumerate(entries, start=1):
        item = _to_item(feed_id, entry, base_url=base_url, now=now)
        if item is None:
            skipped.append(f"entry {position}: no title, summary or link")
        elif item.id in seen:
            # The first occurrence wins: later copies are usually the same story re-listed.
            skipped.append(f"entry {position}: duplicate id {item.id!r}")
        else:
            seen.add(item.id)
            items.append(item)

    over_cap = max(0, len(items) - MAX_ITEMS_PER_POLL)
    if over_cap:
        # Stable sort: undated items (all "now") keep the feed's own order, which is newest first.
        items = sorted(items, key=lambda i: i.published, reverse=True)[:MAX_ITEMS_PER_POLL]
    return ParsedFeed(
        feed_id=feed_id,
        title=_truncate(_text_of(feed, "title"), MAX_TITLE_CHARS),
        link=_absolute_link(feed.get("link"), base_url),
        items=tuple(items),
        skipped=tuple(skipped),
        over_cap=over_cap,
    )


def _feedparser_entries(
    feed_id: str, body: bytes, content_type: str | None
) -> tuple[Mapping[str, Any], list[Mapping[str, Any]]]:
    headers = {"content-type": content_type} if content_type else {}
    try:
        parsed = feedparser.parse(
            io.BytesIO(body), response_headers=headers, resolve_relative_uris=True, sanitize_html=True
        )
    except Exception as e:  # feedparser promises not to raise; a parser bug must stay one feed's problem
        raise ParseError(feed_id, f"feed parser crashed: {type(e).__name__}: {e}") from e
    entries: list[Mapping[str, Any]] = list(parsed.get("entries") or [])
    if not entries:
        _reject_if_not_a_feed(feed_id, parsed, body)
    return parsed.get("feed") or {}, entries


def _harden_feedparser() -> None:
    """Let feedparser keep only internal entities whose expansion is no longer than a reference.

    feedparser's own rule keeps any literal value without "&" (so no nesting, but any length),
    which is what makes the quadratic "billion laughs" variant work (see the module docstring).
    Kept: a single character reference (``<!ENTITY nbsp "&#160;">``) or a literal of at most 3
    bytes, the length of the shortest reference ``&a;``. Anything else is dropped before expat or
    the loose parser sees it. Fails at import, not silently, if a feedparser upgrade moves the rule.
    """
    if not isinstance(getattr(feedparser.sanitizer, "RE_SAFE_ENTITY_PATTERN", None), re.Pattern):
        raise ImportError("feedparser.sanitizer.RE_SAFE_ENTITY_PATTERN is gone; re-check entity hardening")
    feedparser.sanitizer.RE_SAFE_ENTITY_PATTERN = re.compile(rb'\s+(\w+)\s+"(&#\w+;|[^&"]{0,3})"')


_harden_feedparser()


def canonical_link(link: str) -> str:
    """The link as an identity: lower-case scheme and host, no fragment, no tracking parameters."""
    parts = urlsplit(link.strip())
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in _TRACKING_PARAMS
    ]
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", urlencode(query, doseq=True), "")
    )


def _reject_if_not_a_feed(feed_id: str, parsed: Mapping[str, Any], body: bytes) -> None:
    version = parsed.get("version") or ""
    bozo = parsed.get("bozo")
    if version and not bozo:
        return  # a well-formed feed that simply has no entries right now
    head = body[:512].lstrip().lower()
    if b"<html" in head or head.startswith(b"<!doctype html"):
        raise ParseError(feed_id, "not a feed: got an HTML page")
    if _looks_binary(body[:1024]):
        raise ParseError(feed_id, "not a feed: got binary data")
    if bozo:
        # SAX messages read "<unknown>:2:0: not well-formed"; the file name means nothing here.
        problem = str(parsed.get("bozo_exception") or "malformed XML").removeprefix("<unknown>:")
        raise ParseError(feed_id, f"not a readable feed: {problem}")
    raise ParseError(feed_id, "not a feed: no RSS or Atom elements found")


def _looks_binary(sample: bytes) -> bool:
    # UTF-16/32 feeds are full of NUL bytes; they announce themselves with a BOM or "<\0".
    if sample.startswith(_WIDE_TEXT_STARTS):
        return False
    controls = sum(1 for byte in sample if byte < 9 or 13 < byte < 32)
    return b"\x00" in sample or controls > len(sample) // 10


def _to_item(feed_id: str, entry: Mapping[str, Any], *, base_url: str, now: datetime) -> FeedItem | None:
    title = _truncate(_text_of(entry, "title"), MAX_TITLE_CHARS)
    summary = _truncate(_summary_of(entry), MAX_SUMMARY_CHARS)
    raw_link = entry.get("link")
    if entry.get("guidislink") and raw_link == entry.get("id") and not _is_web_url(raw_link):
        # feedparser copies a permalink guid into the link; "12345" is no link at all.
        raw_link = None
    link = _absolute_link(raw_link, base_url)
    if not (title or summary or link):
        return None
    published, estimated = _published(entry, now)
    return FeedItem(
        feed_id=feed_id,
        id=_stable_id(entry, title=title, summary=summary, link=link),
        title=title,
        summary=summary,
        link=link,
        published=published,
        published_estimated=estimated,
    )


def _stable_id(entry: Mapping[str, Any], *, title: str, summary: str, link: str | None) -> str:
    guid = entry.get("id")
    if isinstance(guid, str) and guid.strip():
        guid = guid.strip()
        return guid if len(guid) <= MAX_ID_CHARS else _digest(guid)
    if link:
        canonical = canonical_link(link)
        return canonical if len(canonical) <= MAX_ID_CHARS else _digest(canonical)
    # The feed's own date string, not our estimate: an estimate changes every poll, the id must not.
    date = entry.get("published") or entry.get("updated") or ""
    return _digest(f"{title or summary}\n{date}")


def _digest(s: str) -> str:
    return "sha256:" + hashlib.sha256(s.encode("utf-8", "surrogatepass")).hexdigest()


def _published(entry: Mapping[str, Any], now: datetime) -> tuple[datetime, bool]:
    now = now.astimezone(UTC)
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        # dict.get, not entry.get: FeedParserDict would map a missing updated_parsed onto
        # published_parsed (with a DeprecationWarning), and we try each date on its own anyway.
        parsed = dict.get(entry, key) if isinstance(entry, dict) else entry.get(key)
        if parsed is None:
            continue
        try:
            # feedparser's struct_time is already UTC; timegm copes with leap seconds and the like.
            when = datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
        except (OverflowError, ValueError, TypeError, OSError):
            continue
        if when > now + MAX_FUTURE:
            return now, True
        return when, False
    return now, True


def _text_of(mapping: Mapping[str, Any], key: str) -> str:
    value = mapping.get(key)
    if not isinstance(value, str):
        return ""
    detail = mapping.get(f"{key}_detail") or {}
    return _plain(value, detail.get("type"), limit=MAX_TITLE_CHARS if key == "title" else MAX_SUMMARY_CHARS)


def _summary_of(entry: Mapping[str, Any]) -> str:
    summary = _text_of(entry, "summary")
    if summary:
        return summary
    for content in entry.get("content") or ():
        value = content.get("value")
        if isinstance(value, str) and value.strip():
            return _plain(value, content.get("type"), limit=MAX_SUMMARY_CHARS)
    return ""


def _plain(value: str, mime: str | None, *, limit: int) -> str:
    value = value[: limit * _RAW_SLACK]
    if mime == "text/plain":
        return clean_text(value)
    return html_to_text(value)


def _absolute_link(link: object, base_url: str) -> str | None:
    if not isinstance(link, str) or not link.strip():
        return None
    try:
        absolute = urljoin(base_url, link.strip())
        scheme = urlsplit(absolute).scheme
    except ValueError:  # e.g. a malformed IPv6 host
        return None
    return absolute if scheme.lower() in _LINK_SCHEMES else None


def _is_web_url(value: object) -> bool:
    try:
        return isinstance(value, str) and urlsplit(value.strip()).scheme.lower() in _LINK_SCHEMES
    except ValueError:
        return False


def _truncate(s: str, limit: int) -> str:
    if len(s) <= limit:
        return s
    return s[: limit - 1].rstrip() + "…"
