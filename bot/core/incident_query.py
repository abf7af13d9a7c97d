"""``/incidents``: reading the desk's question and composing the answer, without any I/O.

``parse_query`` turns ``Saraqib since: 7d min: 5 killed watch: idlib share`` into a frozen
``IncidentQuery`` (relative times become an absolute UTC moment computed from ``now``, so every page
of one search covers the same window). ``format_results`` renders one page of incidents as Block
Kit with a "More" button whose value carries the query and where the next page starts (a cursor:
the last row shown), and ``decode_more`` reads that value back — also the older buttons that
carried an offset. What a term matches is ``bot.core.incident_search``; ``search_text`` is the
text it looks through.

Every bad part of a command is a ``CommandError`` naming that part; ``error_text`` adds the usage.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from bot.core.alerts import SlackMessage, slack_date, utc_stamp
from bot.core.command_args import parse_args
from bot.core.figures import Category
from bot.core.incident_search import words_in
from bot.core.incidents import Incident
from bot.core.normalize import normalize
from bot.core.slack_text import clip, escape, link
from bot.errors import CommandError

PAGE_SIZE = 10
MORE_ACTION = "incidents_more"
BUTTON_VALUE_MAX = 2000  # Slack's limit for a button's value
DEFAULT_SINCE = timedelta(hours=24)
MAX_LOOKBACK = timedelta(days=3660)
OPTIONS = ("since", "min", "watch")
SHARE_WORD = "share"
TITLE_MAX = 300
SECTION_MAX = 3000
USAGE = (
    "Usage: `/incidents [place or keyword] [since: 24h|7d|90m|2023-10-07] [min: N killed|N wounded] "
    "[watch: NAME] [share]`\n"
    'Example: `/incidents "Maarat al-Numan" since: 7d min: 5 killed watch: idlib` — '
    "add `share` to post the answer to the channel."
)

_DURATION = re.compile(r"^(\d{1,7})\s*([a-z]+)$")
_UNITS = {
    "m": "minutes",
    "min": "minutes",
    "mins": "minutes",
    "minute": "minutes",
    "minutes": "minutes",
    "h": "hours",
    "hr": "hours",
    "hrs": "hours",
    "hour": "hours",
    "hours": "hours",
    "d": "days",
    "day": "days",
    "days": "days",
    "w": "weeks",
    "week": "weeks",
    "weeks": "weeks",
}
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?(?:z| ?utc)?$")
_MIN_PART = re.compile(r"^(\d[\d,]{0,8})(?:\s+([a-z]+))?$")
_MIN_WORDS = {
    "killed": Category.KILLED,
    "dead": Category.KILLED,
    "deaths": Category.KILLED,
    "wounded": Category.WOUNDED,
    "injured": Category.WOUNDED,
}


@dataclass(frozen=True, slots=True)
class IncidentQuery:
    """One ``/incidents`` search. ``terms`` must all match (see ``matches_text``)."""

    since: datetime
    terms: tuple[str, ...] = ()
    min_killed: int | None = None
    min_wounded: int | None = None
    watchlist: str | None = None
    share: bool = False


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a page ended: its last row. The next page starts strictly after it (newest first)."""

    at: datetime
    key: str


@dataclass(frozen=True, slots=True)
class Page:
    """Where a page sits in the whole result: how many rows came before it, the number of matches
    (a floor when ``more_than``: counting stops early), and where the next page starts (None: last)."""

    offset: int
    total: int
    more_than: bool = False
    next: Cursor | None = None


@dataclass(frozen=True, slots=True)
class MoreRequest:
    """A "More" press: the query, rows shown so far, and where to go on from (None: a button sent
    before cursors, which carried only ``offset``)."""

    query: IncidentQuery
    offset: int
    after: Cursor | None = None


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_duration(
    value: str, *, label: str, longest: timedelta = MAX_LOOKBACK, back: bool = True
) -> timedelta | None:
    """``24h``/``7d``/``90m``/``2w`` as a period, None when ``value`` is not shaped like one.

    ``label`` names the input in errors (``"`since: 0d`"``); a zero period, an unknown unit or one
    longer than ``longest`` (a look ``back`` in time, or forward) is a ``CommandError``."""
    m = _DURATION.match(value.strip().lower())
    if not m:
        return None
    unit = _UNITS.get(m.group(2))
    if unit is None:
        raise CommandError(f"{label}: unknown unit “{m.group(2)[:10]}” — use m, h, d or w (e.g. 24h, 7d)")
    amount = int(m.group(1))
    if amount <= 0:
        raise CommandError(f"{label}: the period must be longer than zero")
    span = timedelta(**{unit: min(amount, 10_000_000)})
    if span > longest:
        raise CommandError(f"{label}: at most {_describe_span(longest)}{' back' if back else ''}")
    return span


def _describe_span(span: timedelta) -> str:
    if span >= timedelta(days=365):
        return f"{span.days // 365} years"
    if span >= timedelta(days=2):
        return f"{span.days} days"
    return f"{int(span.total_seconds() // 3600)} hours"


def parse_since(value: str, *, now: datetime) -> datetime:
    """``24h``/``7d``/``90m``/``2w`` back from ``now``, or an ISO date (midnight UTC) or date-time (UTC)."""
    now = _utc(now)
    text = value.strip().lower()
    bad = f"`since: {value[:40]}`"
    span = parse_duration(text, label=bad)
    if span is not None:
        return now - span
    if _ISO.match(text):
        raw = text.removesuffix("z").removesuffix("utc").strip().replace(" ", "T")
        try:
            moment = (
                datetime.fromisoformat(raw)
                if "T" in raw
                else datetime.combine(date.fromisoformat(raw), time())
            )
        except ValueError as e:
            raise CommandError(f"{bad}: not a real date ({e})") from e
        moment = moment.replace(tzinfo=UTC)
        if moment > now:
            raise CommandError(f"{bad}: that is in the future (now is {utc_stamp(now)})")
        if now - moment > MAX_LOOKBACK:
            raise CommandError(f"{bad}: that is more than {MAX_LOOKBACK.days // 365} years back")
        return moment
    raise CommandError(
        f"{bad}: give a period like 24h, 7d or 90m, or a date like 2023-10-07"
        " (search words go before the options)"
    )


def parse_min(value: str) -> dict[Category, int]:
    """``5 killed``, ``10 wounded``, ``5`` (killed), or both: ``5 killed, 10 wounded``."""
    out: dict[Category, int] = {}
    bad = f"`min: {value[:40]}`"
    # A comma before exactly three digits groups thousands ("1,000"); any other separates.
    for part in re.split(r"\s*(?:,(?!\d{3}\b)|\band\b)\s*", value.strip().lower()):
        if not part:
            continue
        m = _MIN_PART.match(part)
        if not m:
            raise CommandError(f"{bad}: give a number and killed or wounded, e.g. `min: 5 killed`")
        category = _MIN_WORDS.get(m.group(2) or "killed")
        if category is None:
            raise CommandError(f"{bad}: “{m.group(2)[:15]}” is not killed or wounded")
        if category in out:
            raise CommandError(f"{bad}: {category.value} is given twice")
        out[category] = int(m.group(1).replace(",", ""))
    if not out:
        raise CommandError(f"{bad}: give a number, e.g. `min: 5 killed`")
    return out


def _watchlist(value: str, known: Collection[str] | None) -> str:
    name = value.strip()
    if known is None:
        return name
    by_folded = {k.casefold(): k for k in known}
    found = by_folded.get(name.casefold())
    if found is None:
        listed = ", ".join(sorted(known)) or "none yet"
        raise CommandError(f"`watch: {name[:40]}`: no such watchlist (watchlists: {listed})")
    return found


def parse_query(text: str, *, now: datetime, watchlists: Collection[str] | None = None) -> IncidentQuery:
    """The query a ``/incidents`` text asks for; ``watchlists``, if given, are the valid ``watch:`` names."""
    args = parse_args(text, options=OPTIONS)
    share = any(w.lower() == SHARE_WORD for w in args.words)
    terms = tuple(w for w in args.words if w.lower() != SHARE_WORD)
    for term in terms:
        if not normalize(term):
            raise CommandError(f"“{term[:40]}” has no letters or digits to search for")
    opts = dict(args.options)
    # An option's value runs to the next option, so a trailing "share" lands in the last value.
    for key, value in opts.items():
        head, _, last = value.rpartition(" ")
        if head and last.lower() == SHARE_WORD:
            opts[key], share = head.rstrip(), True
    since = parse_since(opts["since"], now=now) if "since" in opts else _utc(now) - DEFAULT_SINCE
    mins = parse_min(opts["min"]) if "min" in opts else {}
    watch = _watchlist(opts["watch"], watchlists) if "watch" in opts else None
    return IncidentQuery(
        since=since,
        terms=terms,
        min_killed=mins.get(Category.KILLED),
        min_wounded=mins.get(Category.WOUNDED),
        watchlist=watch,
        share=share,
    )


def error_text(error: CommandError) -> str:
    """The reply to a bad command: what is wrong, then how to say it."""
    reason = escape(str(error)).rstrip(".")
    return f"{reason[:1].upper()}{reason[1:]}.\n{USAGE}"


# -- matching ------------------------------------------------------------------------------------


def matches_text(
    terms: Sequence[str], *, place: str | None, title: str, incident_terms: Sequence[str]
) -> bool:
    """True when every word of every term is a whole word of the place, title or matched terms.

    Compared after ``normalize`` (case, accents, apostrophes, hyphens, Arabic letter variants), so
    "idlib", "IDLIB" and "Idlib" agree, and "al numan" finds "al-Nu'man". This is the text half of
    a match; ``bot.core.incident_search.term_matches`` adds the gazetteer's places.
    """
    wanted = search_terms(terms)
    if not wanted:
        return True
    haystack = search_text(place=place, title=title, incident_terms=incident_terms)
    return all(words_in(w, haystack) for w in wanted)


def search_terms(terms: Sequence[str]) -> list[str]:
    """The terms as ``search_text`` holds words: normalised, empty ones dropped."""
    return [w for w in (normalize(t) for t in terms) if w]


def search_text(*, place: str | None, title: str, incident_terms: Sequence[str]) -> str:
    """What a text search looks through, normalised once: stored with each incident (its
    ``search`` column), so a query compares plain strings, in SQL, with an index."""
    return "\n".join(normalize(s) for s in (place or "", title, *incident_terms))


# -- the More button -----------------------------------------------------------------------------


def _micros(moment: datetime) -> int:
    return int((_utc(moment) - _EPOCH).total_seconds() * 1_000_000)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def encode_more(query: IncidentQuery, offset: int, after: Cursor) -> str:
    """The "More" button's value, compact JSON: the query, the rows shown so far (``n``) and the
    last row shown (``a``: its time in microseconds, ``c``: its key), where the next page starts."""
    data: dict[str, Any] = {
        "v": 2,
        "s": int(query.since.timestamp()),
        "n": offset,
        "a": _micros(after.at),
        "c": after.key,
    }
    if query.terms:
        data["t"] = list(query.terms)
    if query.min_killed is not None:
        data["k"] = query.min_killed
    if query.min_wounded is not None:
        data["w"] = query.min_wounded
    if query.watchlist is not None:
        data["l"] = query.watchlist
    if query.share:
        data["sh"] = 1
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _opt_int(data: dict[str, Any], key: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 10**9:
        raise ValueError(key)
    return value


def decode_more(value: str) -> MoreRequest:
    """Read a "More" button's value back; anything malformed is a ``CommandError``.

    Version 1 buttons (before cursors) carry an offset ``o`` and still work: the store walks to it."""
    try:
        if len(value) > BUTTON_VALUE_MAX:
            raise ValueError("too long")
        data = json.loads(value)
        if not isinstance(data, dict) or data.get("v") not in (1, 2):
            raise ValueError("version")
        since, offset = data.get("s"), data.get("o" if data["v"] == 1 else "n")
        if not isinstance(since, int) or not isinstance(offset, int) or not 0 <= offset < 10**6:
            raise ValueError("since/offset")
        after = None
        if data["v"] == 2:
            at, key = data.get("a"), data.get("c")
            if not isinstance(at, int) or isinstance(at, bool) or not isinstance(key, str) or len(key) > 64:
                raise ValueError("cursor")
            after = Cursor(_EPOCH + timedelta(microseconds=at), key)
        terms = data.get("t", [])
        if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms) or len(terms) > 30:
            raise ValueError("terms")
        watch = data.get("l")
        if watch is not None and not isinstance(watch, str):
            raise ValueError("watch")
        query = IncidentQuery(
            since=datetime.fromtimestamp(since, UTC),
            terms=tuple(terms),
            min_killed=_opt_int(data, "k"),
            min_wounded=_opt_int(data, "w"),
            watchlist=watch,
            share=bool(data.get("sh")),
        )
    except (ValueError, OverflowError, OSError) as e:
        raise CommandError("this “More” button is no longer valid; run `/incidents` again") from e
    return MoreRequest(query, offset, after)


# -- the reply -----------------------------------------------------------------------------------


def describe_query(query: IncidentQuery) -> str:
    """'matching “Saraqib” since 2026-11-24 14:00 UTC with at least 5 killed in watchlist idlib' (escaped)."""
    parts = []
    if query.terms:
        parts.append("matching " + " and ".join(f"“{escape(t)}”" for t in query.terms))
    parts.append(f"since {utc_stamp(query.since)}")
    floors = []
    if query.min_killed is not None:
        floors.append(f"at least {query.min_killed:,} killed")
    if query.min_wounded is not None:
        floors.append(f"at least {query.min_wounded:,} wounded")
    if floors:
        parts.append("with " + " and ".join(floors))
    if query.watchlist is not None:
        parts.append(f"in watchlist {escape(query.watchlist)}")
    return " ".join(parts)


def _sources_count(incident: Incident) -> str:
    # Outlets, not reports, as in the alert: a wire's own follow-up is not a second source.
    outlets = {s.name for s in incident.sources}
    if len(outlets) > 1:
        return f"{len(outlets)} sources"
    n = len(incident.sources)
    return "1 source" if n == 1 else f"{n} reports"


def incident_line(incident: Incident, *, now: datetime) -> str:
    """One result: place and figures, the title, then lead source link · time · sources count."""
    place = escape(incident.place or "") or "Place unknown"
    figures = ", ".join(h.describe() for h in incident.casualties.headlines)
    head = f"*{place}* — {escape(figures)}" if figures else f"*{place}*"
    title = clip(escape(incident.title), TITLE_MAX)
    when = slack_date(min(_utc(incident.updated), _utc(now)))  # a feed's future date is a typo
    meta = []
    if incident.sources:
        lead = incident.lead
        meta.append(link(lead.link, lead.name or "source"))
    meta.extend([when, _sources_count(incident), f"watchlist {escape(incident.watchlist)}"])
    return clip(f"{head}\n{title}\n{' · '.join(meta)}", SECTION_MAX)


def format_results(
    incidents: Sequence[Incident], query: IncidentQuery, page: Page, *, now: datetime
) -> SlackMessage:
    """One page of results, newest first, with a "More" button when more remain."""
    searched = describe_query(query)
    if not incidents:
        text = f"No incidents {searched}."
        if page.offset:
            text = f"No more incidents {searched}."
        return SlackMessage(
            text=text, blocks=({"type": "section", "text": {"type": "mrkdwn", "text": text}},)
        )
    shown = sorted(incidents, key=lambda i: (_utc(i.updated), i.key), reverse=True)[:PAGE_SIZE]
    first, last = page.offset + 1, page.offset + len(shown)
    noun = "incident" if page.total == 1 and not page.more_than else "incidents"
    counted = f"More than {page.total:,}" if page.more_than else f"{page.total:,}"
    summary = f"{counted} {noun} {searched}"
    if page.more_than or page.total > len(shown) or page.offset:
        summary += f" — {first}–{last}, newest first"
    blocks: list[dict[str, Any]] = [
        {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(summary, SECTION_MAX)}]}
    ]
    for incident in shown:
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": incident_line(incident, now=now)}}
        )
    if page.next is not None:
        value = encode_more(query, last, page.next)
        left = f"more than {page.total - last:,}" if page.more_than else f"{page.total - last:,}"
        if len(value) <= BUTTON_VALUE_MAX:
            blocks.append(
                {
                    "type": "actions",
                    "elements": [
                        {
                            "type": "button",
                            "action_id": MORE_ACTION,
                            "text": {"type": "plain_text", "text": f"More ({left} left)"},
                            "value": value,
                        }
                    ],
                }
            )
    return SlackMessage(text=clip(summary, 3000), blocks=tuple(blocks))
