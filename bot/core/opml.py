"""Reading an OPML subscription list (bytes in, feed URLs and titles out) for ``/feeds import``.

An OPML file is a tree of ``<outline>`` elements; categories nest, and the outlines that carry an
``xmlUrl`` attribute are feeds. The file comes from whoever shared it in Slack, so it is hostile
input:

* It is parsed by expat directly, and any ``<!DOCTYPE>`` (and so any ``<!ENTITY>``, which can only
  be declared inside one) makes the whole file refused. No OPML exporter needs a DTD, and refusing
  them up front means neither entity expansion (billion laughs, quadratic blow-up) nor external
  entities (local files, URLs) can ever happen, whatever expat version is installed. Parameter
  entity parsing is switched off and external entity references are refused as a second line.
* The input is capped at ``MAX_BYTES`` and at ``MAX_FEEDS`` feed outlines, so one file cannot
  make the bot check thousands of URLs.
* Nothing raises for bad input: a malformed document is no feeds plus one problem naming the line.

Problems are sentences for the admin who shared the file ("outline 7 (line 12) has no xmlUrl").
Only http(s) URLs come out, each once however often the file repeats it; whether a URL is safe
to fetch (SSRF) is the caller's job, since that needs DNS.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit
from xml.parsers import expat

from bot.core.slack_text import clean

MAX_BYTES = 1024 * 1024
MAX_FEEDS = 500
MAX_URL_CHARS = 300  # the same limit as a URL typed into `/feeds add`
MAX_TITLE_CHARS = 200  # the feeds table's name column
_SHOWN_URL_CHARS = 80


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    url: str
    title: str
    """The outline's ``title`` or ``text``, whitespace collapsed; empty when it has neither."""


@dataclass(frozen=True, slots=True)
class OpmlResult:
    feeds: tuple[OpmlFeed, ...] = ()
    problems: tuple[str, ...] = ()


class _Refused(Exception):
    """Raised from inside an expat handler to stop parsing a document we will not read."""


@dataclass
class _Outline:
    number: int
    line: int
    attrs: dict[str, str]
    has_children: bool = False


@dataclass
class _Walk:
    """What the expat handlers collect while the document streams past."""

    root: str | None = None
    stack: list[_Outline] = field(default_factory=list)
    outlines: int = 0
    feeds: list[OpmlFeed] = field(default_factory=list)
    seen: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def parse_opml(data: bytes) -> OpmlResult:
    """The feeds an OPML document lists, and what was wrong with the rest. Never raises."""
    if not data.strip():
        return OpmlResult(problems=("the file is empty",))
    if len(data) > MAX_BYTES:
        return OpmlResult(problems=(too_large(len(data)),))
    walk = _Walk()
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse_doctype(*_: object) -> None:
        raise _Refused(
            f"line {parser.CurrentLineNumber}: the file declares a DOCTYPE; OPML files do not need"
            " one and Sitrep refuses them (entity declarations could expand or read other files)"
        )

    def refuse_entity(*_: object) -> None:
        raise _Refused(f"line {parser.CurrentLineNumber}: the file declares an entity; Sitrep refuses those")

    def refuse_external(*_: object) -> int:
        raise _Refused(f"line {parser.CurrentLineNumber}: the file refers to an external entity")

    def start(name: str, attrs: dict[str, str]) -> None:
        tag = name.lower()
        if walk.root is None:
            walk.root = tag
            if tag != "opml":
                raise _Refused(f"this is not an OPML file (its root element is <{name[:40]}>, not <opml>)")
            return
        if tag != "outline":
            return
        walk.outlines += 1
        if walk.stack:
            walk.stack[-1].has_children = True
        walk.stack.append(
            _Outline(walk.outlines, parser.CurrentLineNumber, {k.lower(): v for k, v in attrs.items()})
        )

    def end(name: str) -> None:
        if name.lower() == "outline" and walk.stack:
            _finish(walk.stack.pop(), walk)

    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_entity
    parser.UnparsedEntityDeclHandler = refuse_entity
    parser.ExternalEntityRefHandler = refuse_external
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    except _Refused as e:
        return OpmlResult(problems=(str(e),))
    except expat.ExpatError as e:
        return OpmlResult(problems=(f"line {e.lineno}: not well-formed XML{_detail(e)}",))
    except (ValueError, LookupError) as e:
        # An encoding expat cannot use (an unknown or multi-byte codec named in the XML declaration).
        return OpmlResult(problems=(f"the file cannot be read: {str(e)[:200]}",))
    if walk.root != "opml":
        return OpmlResult(problems=("this is not an OPML file (no <opml> element)",))
    if len(walk.feeds) > MAX_FEEDS:
        return OpmlResult(
            problems=(
                f"the file lists {len(walk.feeds)} feeds; an import takes at most {MAX_FEEDS}"
                " (split the file and import the parts)",
            )
        )
    problems = list(walk.problems)
    for url, times in walk.seen.items():
        if times > 1:
            problems.append(f"{_shown(url)} is listed {times} times; it is imported once")
    if not walk.outlines:
        problems.append("the file has no <outline> elements")
    return OpmlResult(feeds=tuple(walk.feeds), problems=tuple(problems))


def _finish(outline: _Outline, walk: _Walk) -> None:
    """Judge one closed outline: a feed, a category (children, no URL), or a problem."""
    where = f"outline {outline.number} (line {outline.line})"
    title = _title(outline.attrs)
    raw = outline.attrs.get("xmlurl")
    if raw is None:
        if not outline.has_children:
            named = f" “{title[:60]}”" if title else ""
            walk.problems.append(f"{where}{named} has no xmlUrl")
        return
    url = raw.strip()
    problem = _url_problem(url)
    if problem is not None:
        walk.problems.append(f"{where}: {problem}")
        return
    if url in walk.seen:
        walk.seen[url] += 1
        return
    walk.seen[url] = 1
    walk.feeds.append(OpmlFeed(url=url, title=title))


def _title(attrs: Mapping[str, str]) -> str:
    for key in ("title", "text"):
        value = clean(attrs.get(key, ""))
        if value:
            return value[:MAX_TITLE_CHARS].strip()
    return ""


def _url_problem(url: str) -> str | None:
    if not url:
        return "its xmlUrl is empty"
    if len(url) > MAX_URL_CHARS:
        return f"its xmlUrl is {len(url)} characters; at most {MAX_URL_CHARS}"
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        return f"its xmlUrl {_shown(url)} contains spaces or control characters"
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return f"its xmlUrl {_shown(url)} is not a valid URL"
    if parts.scheme.lower() not in ("http", "https"):
        return f"its xmlUrl {_shown(url)} is not an http:// or https:// URL"
    if not host:
        return f"its xmlUrl {_shown(url)} has no host"
    return None


def _detail(e: expat.ExpatError) -> str:
    # expat says "not well-formed (invalid token)", "mismatched tag", "no element found", …
    message = (expat.ErrorString(e.code) or "").removeprefix("not well-formed").strip(" ()")
    return f" ({message})" if message else ""


def _shown(url: str) -> str:
    short = url if len(url) <= _SHOWN_URL_CHARS else url[: _SHOWN_URL_CHARS - 1] + "…"
    return repr(short) if any(ch.isspace() or not ch.isprintable() for ch in short) else short


def too_large(size: int | None = None) -> str:
    """The sentence for a file over ``MAX_BYTES``; ``size`` when it is known (a download that was
    stopped at the cap does not know it)."""
    exact = f" ({size:,} bytes)" if size is not None else ""
    return f"the file is larger than {_size(MAX_BYTES)}{exact}; split it and import the parts"


def _size(n: int) -> str:
    if n >= 1024 * 1024 and n % (1024 * 1024) == 0:
        return f"{n // (1024 * 1024)} MB"
    if n >= 1024 and n % 1024 == 0:
        return f"{n // 1024} KB"
    return f"{n:,} bytes"
