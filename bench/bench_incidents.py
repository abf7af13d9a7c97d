"""`/incidents` search at scale: the SQL search on the stored ``search`` column (indexed by pg_trgm
on PostgreSQL) beside the old way in the same run — every incident of the window read back and
matched in Python (``matches_text``), as the store did before migration 0012.

    python bench/bench_incidents.py [--incidents 100000] [--database-url URL] [--runs 20]

Incidents are synthetic (written by this script: 40 places, 12 watchlists, updated over 90 days)
and inserted in bulk through the store's own row mapping. Prints the p50 and p95 of each query shape.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.adapters import schema as t
from bot.adapters.incident_rows import incident_values
from bot.adapters.store import Store
from bot.core.figures import Casualties, Category, Headline
from bot.core.incident_query import matches_text
from bot.core.incidents.model import Incident, Source

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
PLACES = [f"Town {n}" for n in range(39)] + ["Idlib"]
VERBS = ("Shelling hits", "Air strike on", "Clashes near", "Drone attack in", "Flooding in")


def synthetic(n: int, rng: random.Random) -> Incident:
    place = rng.choice(PLACES)
    at = NOW - timedelta(minutes=rng.randrange(90 * 24 * 60))
    killed = rng.choice((None, 1, 3, 9, 20))
    return Incident(
        key=f"k{n:08d}",
        watchlist=f"watch-{n % 12}",
        place=place,
        title=f"{rng.choice(VERBS)} {place}, report {n}",
        summary="Synthetic incident for the benchmark.",
        casualties=Casualties(killed=Headline(Category.KILLED, killed) if killed else None),
        terms=(rng.choice(("shelling", "strike", "displaced", "ceasefire")),),
        sources=(Source("wire", f"i{n}", "Wire", f"https://wire.example/{n}", at),),
        tokens=frozenset({"report"}),
        first_seen=at,
        updated=at,
    )


async def load(store_url: str, n: int) -> Store:
    store = await Store.open(store_url)
    rng = random.Random(20)
    engine = store._engine  # bulk loading is the bench's own business
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM incidents"))
        for start in range(0, n, 5_000):
            rows = [
                {"key": inc.key, **incident_values(inc)}
                for inc in (synthetic(i, rng) for i in range(start, min(n, start + 5_000)))
            ]
            await conn.execute(insert(t.incidents), rows)
    return store


async def python_scan(store: Store, since: datetime, term: str, limit: int = 10) -> int:
    """The old way: read the window's narrow columns, match in Python, then fetch one page."""
    c = t.incidents.c
    async with store._engine.connect() as conn:
        rows = await conn.execute(
            select(c.key, c.place, c.title, c.terms)
            .where(c.updated >= since)
            .order_by(c.updated.desc(), c.key.desc())
        )
        keys = [
            r.key for r in rows if matches_text((term,), place=r.place, title=r.title, incident_terms=r.terms)
        ]
        page = keys[:limit]
        if page:
            await conn.execute(select(t.incidents).where(c.key.in_(page)))
    return len(keys)


async def timed(runs: int, call) -> tuple[float, float, int]:  # type: ignore[no-untyped-def]
    times, result = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        result = await call()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))], result


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--database-url")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{tmp}/bench.db"
        started = time.perf_counter()
        store = await load(url, args.incidents)
        loaded = time.perf_counter() - started
        print(f"{args.incidents:,} incidents on {url.split(':')[0]} (loaded in {loaded:.0f} s)")
        shapes = {
            "/incidents idlib": NOW - timedelta(days=1),
            "/incidents idlib since: 30d": NOW - timedelta(days=30),
            "/incidents idlib since: 90d": NOW - timedelta(days=91),
        }
        print(f"{'query':<30}{'SQL p50 ms':>11}{'p95':>8}{'Python scan p50 ms':>20}{'p95':>8}{'hits':>8}")
        for name, since in shapes.items():
            new = await timed(
                args.runs, lambda s=since: store.search_incidents(since=s, text="idlib", limit=10)
            )
            old = await timed(max(3, args.runs // 4), lambda s=since: python_scan(store, s, "idlib"))
            assert new[2][1] == old[2], (new[2][1], old[2])  # the same answer both ways
            print(f"{name:<30}{new[0]:>11.1f}{new[1]:>8.1f}{old[0]:>20.1f}{old[1]:>8.1f}{old[2]:>8}")
        plain = await timed(
            args.runs, lambda: store.search_incidents(since=NOW - timedelta(days=1), limit=10)
        )
        print(f"{'/incidents (no text)':<30}{plain[0]:>11.1f}{plain[1]:>8.1f}")
        await store.close()


if __name__ == "__main__":
    asyncio.run(main())
