"""`/incidents` answer time at scale: the store's search (``incident_index``, migration 0013) for
every documented query shape, beside the way before it in the same run — the SQL of migration 0012
(``LIKE`` on ``incidents.search``, pg_trgm on PostgreSQL, an exact ``count(*)`` and ``OFFSET``).

    python bench/bench_incidents.py [--incidents 100000] [--database-url URL] [--runs 20]
                                    [--cache-dir DIR] [--fresh]

Incidents are synthetic (written by this script): 40 real places in six conflicts, each filed under
its conflict's watchlist, updated over 90 days, with titles, terms and tolls drawn at random. They
are loaded in bulk (``executemany`` of prepared rows on SQLite, ``COPY`` on PostgreSQL) with the
index rows the store would write (``bot.adapters.incident_index.index_rows``). The loaded database
is kept (a SQLite file under ``--cache-dir``; on PostgreSQL the database itself, marked) and reused
by the next run with the same size and generator; ``--fresh`` reloads.

Prints, per query shape, the p50/p95 of the search (the page and its count), the old SQL's p50/p95
(fewer runs when it is slow), and the number of matches each reports (the new count stops at 500).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.adapters import schema as t
from bot.adapters.incident_index import index_rows, rows_for
from bot.adapters.incident_rows import incident_values
from bot.adapters.store import Store
from bot.core.figures import Casualties, Category, Headline
from bot.core.gazetteer import Gazetteer
from bot.core.incident_query import parse_query, search_terms
from bot.core.incident_search import incident_entries, incident_places
from bot.core.incidents.model import Incident, Source
from bot.geo import load_gazetteer

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
GENERATOR = "4"  # bump when the synthetic incidents or the index rows change: cached databases reload
# (place as an alert names it, the watch term that hit, watchlist)
PLACES = [
    *(
        (f"{town}, Idlib", f"Idlib ({town})", "syria")
        for town in ("Saraqib", "Maarat al-Numan", "Ariha", "Jisr al-Shughur", "Sarmada")
    ),
    ("Idlib", "Idlib", "syria"),
    ("Aleppo", "Aleppo", "syria"),
    ("Homs", "Homs", "syria"),
    ("Deir ez-Zor", "Deir ez-Zor", "syria"),
    ("Daraa", "Daraa", "syria"),
    *((f"{town}, Donetsk", f"Donetsk ({town})", "ukraine") for town in ("Bakhmut", "Avdiivka", "Kramatorsk")),
    ("Kherson", "Kherson", "ukraine"),
    ("Kharkiv", "Kharkiv", "ukraine"),
    ("Zaporizhzhia", "Zaporizhzhia", "ukraine"),
    ("Odesa", "Odesa", "ukraine"),
    ("Kyiv", "Kyiv", "ukraine"),
    *(
        (town, f"Gaza ({town})", "gaza")
        for town in ("Gaza City", "Khan Younis", "Rafah", "Jabalia", "Deir al-Balah")
    ),
    ("Khartoum", "Khartoum", "sudan"),
    ("Omdurman", "Omdurman", "sudan"),
    ("El Fasher", "Darfur (El Fasher)", "sudan"),
    ("Nyala", "Darfur (Nyala)", "sudan"),
    ("El Geneina", "Darfur (El Geneina)", "sudan"),
    ("Mosul", "Mosul", "iraq"),
    ("Sinjar", "Sinjar", "iraq"),
    ("Kirkuk", "Kirkuk", "iraq"),
    ("Taiz", "Taiz", "yemen"),
    ("Marib", "Marib", "yemen"),
    ("Aden", "Aden", "yemen"),
    ("Sanaa", "Sanaa", "yemen"),
    ("Goma", "Goma", "drc"),
    ("Beni", "Beni", "drc"),
]
VERBS = ("Shelling hits", "Air strike on", "Clashes near", "Drone attack in", "Flooding in", "Raid on")
NOUNS = ("market", "hospital", "school", "camp", "convoy", "bakery", "checkpoint", "bridge")
TERMS = ("shelling", "strike", "displaced", "ceasefire", "drone")

# Every documented shape (see USAGE in bot/core/incident_query.py) and their combinations, as typed.
SHAPES = (
    "",
    "since: 90d",
    "shelling",
    "shelling since: 90d",
    "hospital drone since: 90d",
    "idlib",
    "idlib since: 30d",
    "idlib since: 90d",
    "Idleb since: 90d",
    "سراقب since: 90d",
    "syria since: 90d",
    "maarat al numan since: 90d",
    "donetsk since: 90d",
    "since: 90d min: 10 killed",
    "since: 90d min: 50 killed",
    "since: 90d min: 5 killed, 10 wounded",
    "since: 90d watch: sudan",
    "idlib since: 90d min: 10 killed watch: syria",
    "kherson bridge since: 7d min: 5 wounded",
    "kherson since: 90d watch: syria",
    "report since: 90d",
)
WATCHLISTS = sorted({w for _, _, w in PLACES})


def synthetic(n: int, rng: random.Random) -> Incident:
    place, term, watchlist = rng.choice(PLACES)
    town = place.split(",")[0]
    at = NOW - timedelta(seconds=rng.randrange(90 * 24 * 3600))
    killed = rng.choice((None, 1, 3, 9, 20))
    wounded = rng.choice((None, None, 2, 12, 40))
    return Incident(
        key=f"k{n:08d}",
        watchlist=watchlist,
        place=place,
        title=f"{rng.choice(VERBS)} {town} {rng.choice(NOUNS)}, report {n}",
        summary="Synthetic incident for the benchmark.",
        casualties=Casualties(
            killed=Headline(Category.KILLED, killed) if killed else None,
            wounded=Headline(Category.WOUNDED, wounded) if wounded else None,
        ),
        terms=(term, rng.choice(TERMS)),
        sources=(Source("wire", f"i{n}", "Wire", f"https://wire.example/{n}", at),),
        tokens=frozenset({"report"}),
        first_seen=at,
        updated=at,
    )


def _rows(
    incidents: Sequence[Incident], gazetteer: Gazetteer
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The incidents' rows and their index rows, as the store writes them; the places of each
    (place, terms) are looked up once (40 places repeat), the first incident checked against
    ``index_rows`` itself."""
    out, index = [], []
    for inc in incidents:
        values = {"key": inc.key, **incident_values(inc)}
        out.append(values)
        entries = incident_entries(
            search=values["search"],
            watchlist=inc.watchlist,
            killed=values["killed"],
            wounded=values["wounded"],
            places=_places(gazetteer, inc.place, inc.terms),
        )
        rows = rows_for(
            entries,
            at=inc.updated,
            key=inc.key,
            watchlist=inc.watchlist,
            killed=values["killed"],
            wounded=values["wounded"],
        )
        index += rows
    assert not incidents or index_rows(gazetteer, incidents[0]) == [
        r for r in index if r["incident_key"] == incidents[0].key
    ]
    return out, index


_PLACES: dict[tuple[str | None, tuple[str, ...]], frozenset[str]] = {}


def _places(gazetteer: Gazetteer, place: str | None, terms: tuple[str, ...]) -> frozenset[str]:
    found = _PLACES.get((place, terms))
    if found is None:
        found = _PLACES[(place, terms)] = incident_places(gazetteer, place, terms)
    return found


def _tuples(table: Any, rows: list[dict[str, Any]], dialect: Any) -> list[tuple[Any, ...]]:
    """Rows as the driver takes them: each column's own bind processing (dates, JSON), done once
    per column instead of through an ORM-style executemany."""
    procs = [(c.name, c.type._cached_bind_processor(dialect)) for c in table.columns]
    return [tuple(p(r[name]) if p else r[name] for name, p in procs) for r in rows]


def _sqlite_load(path: Path, n: int, gazetteer: Gazetteer) -> None:
    """Bulk insert through the sqlite3 driver: prepared ``executemany`` of ready tuples, no
    fsync, one transaction, a large page cache."""
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{path}")
    rng = random.Random(20)
    with engine.begin() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        raw.execute("PRAGMA journal_mode = OFF")  # a half-loaded file is thrown away, never used
        raw.execute("PRAGMA synchronous = OFF")
        raw.execute("PRAGMA cache_size = -2000000")
        for start in range(0, n, 20_000):
            incidents, index = _rows(
                [synthetic(i, rng) for i in range(start, min(n, start + 20_000))], gazetteer
            )
            for table, rows in ((t.incidents, incidents), (t.incident_index, index)):
                cols = [c.name for c in table.columns]
                raw.executemany(
                    f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                    _tuples(table, rows, engine.dialect),
                )
        raw.execute("CREATE TABLE bench_marker (n INTEGER, generator TEXT)")
        raw.execute("INSERT INTO bench_marker VALUES (?, ?)", (n, GENERATOR))
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()


async def _postgres_load(store: Store, n: int, gazetteer: Gazetteer) -> None:
    """COPY both tables (asyncpg's ``copy_records_to_table``), then VACUUM ANALYZE so the planner
    knows the sizes and index-only scans see an all-visible table."""
    rng = random.Random(20)
    engine = store._engine  # bulk loading is the bench's own business
    async with engine.begin() as conn:
        await conn.execute(text("DROP TABLE IF EXISTS bench_marker"))
        await conn.execute(text("TRUNCATE incident_index, incidents CASCADE"))
        raw = (await conn.get_raw_connection()).driver_connection
        assert raw is not None
        cols = [c.name for c in t.incidents.columns]
        index_cols = [c.name for c in t.incident_index.columns]
        for start in range(0, n, 20_000):
            incidents, index = _rows(
                [synthetic(i, rng) for i in range(start, min(n, start + 20_000))], gazetteer
            )
            records = [
                tuple(json.dumps(r[c]) if isinstance(r[c], list | dict) else r[c] for c in cols)
                for r in incidents
            ]
            await raw.copy_records_to_table("incidents", records=records, columns=cols)
            await raw.copy_records_to_table(
                "incident_index", records=[tuple(r[c] for c in index_cols) for r in index], columns=index_cols
            )
        await conn.execute(text("CREATE TABLE bench_marker (n INTEGER, generator TEXT)"))
        await conn.execute(text("INSERT INTO bench_marker VALUES (:n, :g)"), {"n": n, "g": GENERATOR})
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("VACUUM ANALYZE incidents"))
        await conn.execute(text("VACUUM ANALYZE incident_index"))


async def _loaded(store: Store, n: int) -> bool:
    async with store._engine.connect() as conn:
        try:
            row = (await conn.execute(text("SELECT n, generator FROM bench_marker"))).first()
        except Exception:  # no marker table: never loaded by this bench
            return False
    return row is not None and tuple(row) == (n, GENERATOR)


async def open_loaded(
    url: str | None, n: int, cache: Path, gazetteer: Gazetteer, fresh: bool
) -> tuple[Store, str]:
    """The store with ``n`` synthetic incidents, loaded now or found from an earlier run."""
    if url is None:
        cache.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 (the bench's own set-up)
        path = cache / f"incidents-{n}-g{GENERATOR}.db"
        if fresh or not path.exists():
            path.unlink(missing_ok=True)
            await (await Store.open(f"sqlite+aiosqlite:///{path}.tmp")).close()  # the schema, migrated
            _sqlite_load(Path(f"{path}.tmp"), n, gazetteer)
            os.replace(f"{path}.tmp", path)
            return await Store.open(f"sqlite+aiosqlite:///{path}", gazetteer=gazetteer), "loaded"
        return await Store.open(f"sqlite+aiosqlite:///{path}", gazetteer=gazetteer), f"cached {path}"
    store = await Store.open(url, gazetteer=gazetteer)
    if fresh or not await _loaded(store, n):
        await _postgres_load(store, n, gazetteer)
        return store, "loaded"
    return store, "cached"


async def old_sql(
    store: Store,
    *,
    since: datetime,
    terms: Sequence[str],
    watchlist: str | None,
    min_killed: int | None,
    min_wounded: int | None,
    limit: int = 10,
    offset: int = 0,
) -> int:
    """The search as migration 0012 left it: LIKE on ``incidents.search``, exact count, OFFSET."""
    c = t.incidents.c
    conds = [c.updated >= since]
    if watchlist is not None:
        conds.append(c.watchlist == watchlist)
    if min_killed is not None:
        conds.append(c.killed >= min_killed)
    if min_wounded is not None:
        conds.append(c.wounded >= min_wounded)
    escaped = [w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for w in search_terms(terms)]
    conds += [c.search.like(f"%{w}%", escape="\\") for w in escaped]
    async with store._engine.connect() as conn:
        total = (await conn.execute(select(func.count()).select_from(t.incidents).where(*conds))).scalar_one()
        query = (
            select(t.incidents)
            .where(*conds)
            .order_by(c.updated.desc(), c.key.desc())
            .limit(limit)
            .offset(offset)
        )
        list(await conn.execute(query))
    return int(total)


async def timed(
    runs: int, call: Callable[[], Awaitable[Any]], budget: float = 1e9
) -> tuple[float, float, Any]:
    """p50 and p95 in ms over ``runs`` calls (fewer past ``budget`` seconds), and the last result."""
    times: list[float] = []
    result: Any = None
    spent = 0.0
    for _ in range(runs):
        started = time.perf_counter()
        result = await call()
        took = time.perf_counter() - started
        times.append(took * 1000)
        spent += took
        if spent > budget:
            break
    times.sort()
    return statistics.median(times), times[math.ceil(0.95 * len(times)) - 1], result  # nearest rank


def _row(name: str, *cells: object) -> str:
    shown = [f"{c:.1f}" if isinstance(c, float) else str(c) for c in cells]
    widths = (8, 8, 9, 14, 8, 9)
    new = "".join(f"{c:>{w}}" for c, w in zip(shown[:3], widths[:3], strict=True))
    old = "".join(f"{c:>{w}}" for c, w in zip(shown[3:], widths[3:], strict=True))
    return f"{name:<46}{new}  |{old}"


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--database-url")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "sitrep-bench")
    parser.add_argument("--fresh", action="store_true", help="reload even when a loaded database is cached")
    parser.add_argument("--old-budget", type=float, default=10.0, help="seconds per shape for the old SQL")
    args = parser.parse_args()
    gazetteer = load_gazetteer()
    started = time.perf_counter()
    store, how = await open_loaded(args.database_url, args.incidents, args.cache_dir, gazetteer, args.fresh)
    backend = make_url(args.database_url or "sqlite://").get_backend_name()
    print(f"{args.incidents:,} incidents on {backend} ({how} in {time.perf_counter() - started:.0f} s)")
    print(_row("/incidents …", "p50 ms", "p95", "matches", "old SQL p50", "p95", "matches"))
    worst = 0.0
    for shape in SHAPES:
        q = parse_query(shape, now=NOW, watchlists=WATCHLISTS)
        kw = {
            "since": q.since,
            "watchlist": q.watchlist,
            "min_killed": q.min_killed,
            "min_wounded": q.min_wounded,
        }
        new = await timed(args.runs, lambda kw=kw, q=q: store.search_incidents(**kw, text=q.terms, limit=10))
        worst = max(worst, new[1])
        found = new[2]
        count = f"{found.total}{'+' if found.more_than else ''}"
        old = await timed(
            args.runs, lambda kw=kw, q=q: old_sql(store, **kw, terms=q.terms), budget=args.old_budget
        )
        print(_row(shape or "(plain)", new[0], new[1], count, old[0], old[1], old[2]))
    # Paging: the second page of a long result, by cursor, beside the old OFFSET.
    q = parse_query("idlib since: 90d", now=NOW)
    first = await store.search_incidents(since=q.since, text=q.terms, limit=10)
    second = await timed(
        args.runs, lambda: store.search_incidents(since=q.since, text=q.terms, limit=10, after=first.next)
    )
    old2 = await timed(
        args.runs,
        lambda: old_sql(
            store, since=q.since, terms=q.terms, watchlist=None, min_killed=None, min_wounded=None, offset=10
        ),
        budget=args.old_budget,
    )
    worst = max(worst, second[1])
    print(_row("idlib since: 90d, page 2 (More)", second[0], second[1], "", old2[0], old2[1], ""))
    print(f"worst p95: {worst:.1f} ms")
    await store.close()


if __name__ == "__main__":
    asyncio.run(main())
