"""The ``incident_index`` table: writing an incident's search entries and answering ``/incidents``.

What the entries are, and what a match means, is ``bot.core.incident_search``; this module turns a
search into range reads of ``(entry, at, incident_key)``, the table's primary key, on SQLite and
PostgreSQL alike:

1. Each condition of the search (a typed term: its key word or any place of that name; a watchlist;
   a casualty floor; or, with none, ``*``) is a set of entries. The condition with the fewest rows
   in the window is counted cheaply first (every count stops at ``cap + 1``) and *drives*.
2. The driver's entries are read newest first from the cursor on, each row checked for the other
   conditions by primary-key probes and its own columns (watchlist, killed, wounded), up to
   ``cap + 1`` rows per entry; the reads are merged, newest first, without duplicates.
3. A page is the first ``limit`` of them; the total is exact up to ``cap`` and "more than ``cap``"
   beyond (counting a million matches would cost what the page does not), and the next page starts
   after the last row shown (keyset pagination: no OFFSET, no rows skipped or repeated when new
   incidents arrive between pages).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, exists, func, insert, literal, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.adapters import schema as t
from bot.adapters.incident_rows import incident_from_row
from bot.core import incident_search as s
from bot.core.figures import Category
from bot.core.gazetteer import Gazetteer
from bot.core.incident_query import Cursor, search_text
from bot.core.incidents import Incident

log = logging.getLogger(__name__)

COUNT_CAP = 500
"""Totals are exact up to this many matches; beyond, a search says "more than 500"."""


@cache
def default_gazetteer() -> Gazetteer:
    """The process's gazetteer, for a store not given one (loaded once, from the on-disk cache)."""
    from bot.geo import load_gazetteer

    return load_gazetteer()


@dataclass(frozen=True, slots=True)
class SearchResult:
    incidents: list[Incident]
    total: int
    """Matches from this page's first row on, exact up to ``COUNT_CAP``."""
    more_than: bool = False
    """``total`` is a floor: more match than were counted."""
    next: Cursor | None = None
    """Where the next page starts; None when this page is the last."""


def entries_of(
    gazetteer: Gazetteer | None,
    *,
    watchlist: str,
    place: str | None,
    title: str,
    terms: Sequence[str],
    killed: int | None,
    wounded: int | None,
    search: str | None = None,
) -> frozenset[str]:
    places = s.incident_places(gazetteer, place, terms) if gazetteer is not None else frozenset()
    return s.incident_entries(
        search=search if search is not None else search_text(place=place, title=title, incident_terms=terms),
        watchlist=watchlist,
        killed=killed,
        wounded=wounded,
        places=places,
    )


def index_rows(gazetteer: Gazetteer | None, incident: Incident) -> list[dict[str, Any]]:
    """The ``incident_index`` rows of one incident."""
    c = incident.casualties
    killed, wounded = c.value(Category.KILLED), c.value(Category.WOUNDED)
    entries = entries_of(
        gazetteer,
        watchlist=incident.watchlist,
        place=incident.place,
        title=incident.title,
        terms=incident.terms,
        killed=killed,
        wounded=wounded,
    )
    return rows_for(
        entries,
        at=incident.updated,
        key=incident.key,
        watchlist=incident.watchlist,
        killed=killed,
        wounded=wounded,
    )


def rows_for(
    entries: Iterable[str], *, at: datetime, key: str, watchlist: str, killed: int | None, wounded: int | None
) -> list[dict[str, Any]]:
    return [
        {
            "entry": e,
            "at": at,
            "incident_key": key,
            "watchlist": watchlist,
            "killed": killed,
            "wounded": wounded,
        }
        for e in sorted(entries)
    ]


async def replace_entries(
    conn: AsyncConnection, gazetteer: Gazetteer | None, incidents: Sequence[Incident], *, existing: set[str]
) -> None:
    """Index ``incidents`` (in the caller's transaction); those in ``existing`` lose their old rows."""
    stale = [i.key for i in incidents if i.key in existing]
    if stale:
        await conn.execute(delete(t.incident_index).where(t.incident_index.c.incident_key.in_(stale)))
    rows = [r for inc in incidents for r in index_rows(gazetteer, inc)]
    if rows:
        await conn.execute(insert(t.incident_index), rows)


# -- searching -----------------------------------------------------------------------------------


ESTIMATE_CAP = 5_000
"""Choosing the driver counts each entry's rows in the window up to this many (an index-only range)."""
PLACES_MAX = 20
"""A name many places go by is searched in the first 20 (``Gazetteer.lookup``: broadest, biggest)."""


@dataclass(frozen=True, slots=True)
class _Condition:
    """One condition of a search: ``alternatives`` are entry sets, one of which an incident must
    have all of. ``probed``: a typed term, checked by primary-key probes when it does not drive;
    the filters (watchlist, casualty floors) are checked on the driver's own columns instead."""

    alternatives: tuple[tuple[str, ...], ...]
    probed: bool


def _has(d: Any, entry: str) -> ColumnElement[bool]:
    """Row ``d`` of the index belongs to an incident that has ``entry`` (a primary-key probe)."""
    x = t.incident_index.alias("x")
    probe = select(literal(1)).where(
        x.c.entry == entry, x.c.at == d.c.at, x.c.incident_key == d.c.incident_key
    )
    # OFFSET 0 keeps PostgreSQL from turning the probe into a join: misjudging how two words
    # correlate, it would hash every row of the other word (300 ms at 1M) instead of probing the
    # few rows the driver reads before its LIMIT. SQLite probes either way.
    return exists(probe.offset(0))


def _conditions(
    terms: Sequence[s.SearchTerm], watchlist: str | None, min_killed: int | None, min_wounded: int | None
) -> list[_Condition]:
    out = [_Condition(term.alternatives()[: PLACES_MAX + 1], probed=True) for term in terms]
    if watchlist is not None:
        out.append(_Condition(((s.WATCHLIST + watchlist,),), probed=False))
    for prefix, floor in ((s.KILLED, min_killed), (s.WOUNDED, min_wounded)):
        entry = s.floor_entry(prefix, floor) if floor is not None else None
        if entry is not None:
            out.append(_Condition(((entry,),), probed=False))
    out.append(_Condition(((s.ALL,),), probed=False))
    return out


def _cost(n: int, conditions: Sequence[_Condition], size: dict[str, int]) -> float:
    """Roughly the reads of driving by condition ``n``: its rows in the window, times the probes
    each row then needs (its own other words, every alternative of every other typed term)."""
    probes = sum(len(c.alternatives) for m, c in enumerate(conditions) if c.probed and m != n)
    return sum(size[alt[0]] * (len(alt) + probes) for alt in conditions[n].alternatives)


async def search(
    conn: AsyncConnection,
    *,
    since: datetime,
    terms: Sequence[s.SearchTerm] = (),
    watchlist: str | None = None,
    min_killed: int | None = None,
    min_wounded: int | None = None,
    limit: int,
    after: Cursor | None = None,
    cap: int = COUNT_CAP,
    rows: bool = True,
) -> SearchResult:
    """One page of matches newest first (see the module's docstring); ``rows=False`` skips reading
    the incidents themselves (only the count and the cursor are wanted)."""
    d = t.incident_index.alias("d")
    window: list[ColumnElement[bool]] = [d.c.at >= since]
    if after is not None:
        window.append(
            tuple_(d.c.at, d.c.incident_key) < tuple_(literal(after.at, t.UTCDateTime()), after.key)
        )
    filters = list(window)
    if watchlist is not None:
        filters.append(d.c.watchlist == watchlist)
    if min_killed is not None:
        filters.append(d.c.killed >= min_killed)
    if min_wounded is not None:
        filters.append(d.c.wounded >= min_wounded)

    conditions = _conditions(terms, watchlist, min_killed, min_wounded)
    # How many rows the entries that could drive have in the window, each count stopping past
    # ESTIMATE_CAP: one round trip, each count a range of the primary key read without the rows.
    # ``*`` is never the cheapest when there is another condition, and one condition is no choice.
    if len(conditions) > 1:
        conditions.pop()
    heads = sorted({alt[0] for c in conditions for alt in c.alternatives}) if len(conditions) > 1 else []
    counts = [
        select(func.count())
        .select_from(
            select(literal(1))
            .select_from(d)
            .where(d.c.entry == head, *window)
            .limit(ESTIMATE_CAP + 1)
            .subquery()
        )
        .scalar_subquery()
        for head in heads
    ]
    size = dict(zip(heads, (await conn.execute(select(*counts))).one(), strict=True)) if counts else {}
    size = {alt[0]: size.get(alt[0], ESTIMATE_CAP) for c in conditions for alt in c.alternatives}
    driver = min(range(len(conditions)), key=lambda n: _cost(n, conditions, size))
    checks = [
        or_(*(and_(*(_has(d, e) for e in alt)) for alt in c.alternatives))
        for n, c in enumerate(conditions)
        if c.probed and n != driver
    ]

    found: dict[str, datetime] = {}
    capped = False
    for alt in conditions[driver].alternatives:
        if size[alt[0]] == 0:
            continue
        query = (
            select(d.c.at, d.c.incident_key)
            .where(d.c.entry == alt[0], *filters, *checks, *(_has(d, e) for e in alt[1:]))
            .order_by(d.c.at.desc(), d.c.incident_key.desc())
            .limit(cap + 1)
        )
        got = (await conn.execute(query)).all()
        capped = capped or len(got) > cap
        for at, key in got:
            found[key] = at
    ordered = sorted(found.items(), key=lambda kv: (kv[1], kv[0]), reverse=True)
    if len(ordered) > cap:
        ordered, capped = ordered[:cap], True
    page = ordered[: max(limit, 0)]
    more = capped or len(ordered) > len(page)
    nxt = Cursor(page[-1][1], page[-1][0]) if page and more else None
    incidents: list[Incident] = []
    if rows and page:
        by_key = {
            r._mapping["key"]: incident_from_row(r._mapping)
            for r in await conn.execute(
                select(t.incidents).where(t.incidents.c.key.in_([k for k, _ in page]))
            )
        }
        incidents = [by_key[k] for k, _ in page if k in by_key]
    return SearchResult(incidents, len(ordered), more_than=capped, next=nxt)
