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


@dataclass(frozen=True, slots=True)
class _Alt:
    """One entry that satisfies a condition, and the phrase the incident must then also hold."""

    entry: str
    phrase: str | None = None


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _phrase_holds(key: Any, phrase: str) -> ColumnElement[bool]:
    """The incident's ``search`` text holds ``phrase`` as whole words (``incident_search.phrase_in``)."""
    i = t.incidents.c
    padded = literal(" ") + func.replace(func.coalesce(i.search, ""), "\n", " ") + literal(" ")
    return exists().where(i.key == key, padded.like(f"% {_escape_like(phrase)} %", escape="\\"))


def _holds(d: Any, alt: _Alt) -> ColumnElement[bool]:
    """Row ``d`` of the index belongs to an incident that has ``alt``."""
    x = t.incident_index.alias("x")
    cond: ColumnElement[bool] = exists().where(
        x.c.entry == alt.entry, x.c.at == d.c.at, x.c.incident_key == d.c.incident_key
    )
    if alt.phrase is not None:
        cond = and_(cond, _phrase_holds(d.c.incident_key, alt.phrase))
    return cond


def _conditions(
    terms: Sequence[s.SearchTerm], watchlist: str | None, min_killed: int | None, min_wounded: int | None
) -> list[tuple[bool, list[_Alt]]]:
    """Each condition as (is a typed term, its alternatives); terms first, ``*`` when none."""
    out: list[tuple[bool, list[_Alt]]] = []
    for term in terms:
        phrase = term.phrase if len(term.words) > 1 else None
        alts = [_Alt(e, phrase if e.startswith(s.WORD) else None) for e in term.alternatives()]
        out.append((True, alts))
    if watchlist is not None:
        out.append((False, [_Alt(s.WATCHLIST + watchlist)]))
    for prefix, floor in ((s.KILLED, min_killed), (s.WOUNDED, min_wounded)):
        entry = s.floor_entry(prefix, floor) if floor is not None else None
        if entry is not None:
            out.append((False, [_Alt(entry)]))
    out.append((False, [_Alt(s.ALL)]))
    return out


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
    # How many rows each condition's entries have in the window, each count stopping past the cap:
    # one round trip, each count a short range read of the primary key.
    alts = [a for _, group in conditions for a in group]
    counts = [
        select(func.count())
        .select_from(
            select(literal(1)).select_from(d).where(d.c.entry == a.entry, *window).limit(cap + 1).subquery()
        )
        .scalar_subquery()
        for a in alts
    ]
    sizes = list((await conn.execute(select(*counts))).one())
    size_of = dict(zip((a.entry for a in alts), sizes, strict=True))
    driver = min(range(len(conditions)), key=lambda n: sum(size_of[a.entry] for a in conditions[n][1]))
    checks = [
        or_(*(_holds(d, a) for a in group))
        for n, (is_term, group) in enumerate(conditions)
        if is_term and n != driver
    ]

    found: dict[str, datetime] = {}
    capped = False
    for alt in conditions[driver][1]:
        if size_of[alt.entry] == 0:
            continue
        query = (
            select(d.c.at, d.c.incident_key)
            .where(d.c.entry == alt.entry, *filters, *checks)
            .order_by(d.c.at.desc(), d.c.incident_key.desc())
            .limit(cap + 1)
        )
        if alt.phrase is not None:
            query = query.where(_phrase_holds(d.c.incident_key, alt.phrase))
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
