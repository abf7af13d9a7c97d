"""One poller per database: the SQLite process lock and the PostgreSQL advisory lease, with fencing."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.adapters.leadership import LEADER_KEY, LOCK_SPACE, AdvisoryLease, LostLeadership
from bot.adapters.process_lock import DatabaseInUse, ProcessLock
from bot.adapters.store import FeedOutcome, FeedSpec, Store
from bot.core.items import FeedItem
from bot.core.triage import Plan
from tests.conftest import _reset_postgres

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


def item(n: int) -> FeedItem:
    return FeedItem(
        feed_id="wire",
        id=f"guid-{n}",
        title=f"Title {n}",
        summary="Body",
        link=f"https://x.example/{n}",
        published=NOW - timedelta(minutes=n),
    )


# -- SQLite: one polling process per file -------------------------------------------------------


async def test_a_second_poller_on_one_sqlite_file_is_refused_with_the_holder_named(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/sitrep.db"
    first, second = await Store.open(url), await Store.open(url)
    try:
        lease = await first.take_lease()
        assert lease.is_leader and await lease.renew()
        with pytest.raises(DatabaseInUse) as refused:
            await second.take_lease()
        message = str(refused.value)
        assert str(tmp_path / "sitrep.db") in message
        assert f"pid {os.getpid()}" in message and "PostgreSQL" in message
        # A store that does not poll (export, feedback…) still reads the file.
        assert await second.feeds() == []
    finally:
        await first.close()
    # The first process stopped: its lock went with it.
    try:
        assert (await second.take_lease()).is_leader
    finally:
        await second.close()


def test_the_lock_goes_with_a_process_killed_without_warning(tmp_path: Path) -> None:
    """kill -9 leaves no stale lock: the kernel drops a flock with the process."""
    db = tmp_path / "sitrep.db"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, pathlib; from bot.adapters.process_lock import ProcessLock;"
            f"ProcessLock(pathlib.Path({str(db)!r})).acquire(); print('held', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=ROOT,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"held"
        with pytest.raises(DatabaseInUse, match=f"pid {holder.pid}"):
            ProcessLock(db).acquire()
    finally:
        holder.kill()
        holder.wait()
    with ProcessLock(db):
        pass


# -- PostgreSQL: an advisory lease, failover and fencing ----------------------------------------


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("PostgreSQL tests need TEST_DATABASE_URL")
    await _reset_postgres(url)
    yield url


@pytest.mark.postgres
async def test_one_replica_leads_and_another_takes_over_when_it_lets_go(pg_url: str) -> None:
    a, b = await Store.open(pg_url), await Store.open(pg_url)
    try:
        lead, follow = await a.take_lease(), await b.take_lease()
        assert lead.is_leader and not follow.is_leader
        assert await lead.renew() and not await follow.renew()
        await lead.release()
        assert not lead.is_leader
        assert await follow.renew() and follow.is_leader
        assert not await lead.renew()  # the lease is taken: the old leader stands by
    finally:
        await a.close()
        await b.close()


@pytest.mark.postgres
async def test_a_leader_whose_connection_dies_is_replaced_and_its_late_round_is_refused(pg_url: str) -> None:
    """The leader's lock connection is killed (as when its host dies): the lock passes to the
    replica, and a round the old leader still tries to record is refused whole by the fence."""
    a, b = await Store.open(pg_url), await Store.open(pg_url)
    try:
        await a.sync_feeds([FeedSpec("wire", "https://x.example/rss", "Wire", 300)])
        lead, follow = await a.take_lease(), await b.take_lease()
        assert isinstance(lead, AdvisoryLease) and lead.is_leader
        admin = create_async_engine(pg_url)
        async with admin.begin() as conn:
            killed = await conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'"
                    f" AND classid = {LOCK_SPACE} AND objid = {LEADER_KEY}"
                    # the server is shared: another database's leader holds the same key
                    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                )
            )
            assert killed.scalar_one() is True
        await admin.dispose()
        await _until(follow.renew)
        assert follow.is_leader
        # The old leader has not noticed yet (its next renew would): its round is fenced off.
        assert lead.is_leader
        outcome = FeedOutcome("wire", None, None, 1)
        with pytest.raises(LostLeadership):
            await a.record_round([outcome], Plan(seen=(item(1),)), now=NOW)
        assert await a.unseen("wire", ["guid-1"]) == {"guid-1"}
        assert not await lead.renew() and not lead.is_leader
        # The new leader records the same round.
        await b.record_round([outcome], Plan(seen=(item(1),)), now=NOW)
        assert await a.unseen("wire", ["guid-1"]) == set()
    finally:
        await a.close()
        await b.close()


@pytest.mark.postgres
async def test_a_follower_cannot_record_a_round_or_a_digest(pg_url: str) -> None:
    a, b = await Store.open(pg_url), await Store.open(pg_url)
    try:
        await a.sync_feeds([FeedSpec("wire", "https://x.example/rss", "Wire", 300)])
        await a.take_lease()
        await b.take_lease()
        with pytest.raises(LostLeadership):
            await b.record_round([FeedOutcome("wire", None, None, 1)], Plan(seen=(item(1),)), now=NOW)
        with pytest.raises(LostLeadership):
            await b.digests.record("idlib", start=NOW, end=NOW, now=NOW, messages=(), items=())
        assert await a.digests.last_period_end("idlib") is None
        await a.digests.record("idlib", start=NOW, end=NOW, now=NOW, messages=(), items=())
        assert await b.digests.last_period_end("idlib") == NOW
    finally:
        await a.close()
        await b.close()


_START = """
import asyncio, sys
from bot.adapters.store import FeedSpec, Store

async def main():
    store = await Store.open(sys.argv[1])
    try:
        specs = [FeedSpec(f"feed-{n}", f"https://x.example/{n}.xml", "Feed", 300) for n in range(5)]
        await store.sync_feeds(specs)
    finally:
        await store.close()

asyncio.run(main())
"""


@pytest.mark.postgres
async def test_replicas_started_together_on_a_fresh_database_all_start(pg_url: str) -> None:
    """Processes started at once on an empty database take turns in the migrations and the config
    sync: none fails on "table exists" or on a feed another one just inserted."""
    for _ in range(2):
        await _reset_postgres(pg_url)
        procs = [
            await asyncio.create_subprocess_exec(
                sys.executable, "-c", _START, pg_url, cwd=ROOT, stderr=asyncio.subprocess.PIPE
            )
            for _ in range(4)
        ]
        errors = await asyncio.wait_for(asyncio.gather(*(p.communicate() for p in procs)), timeout=120)
        assert [p.returncode for p in procs] == [0] * 4, [e.decode()[-500:] for _, e in errors]
        store = await Store.open(pg_url)
        try:
            assert len(await store.feeds()) == 5
        finally:
            await store.close()


async def _until(check: object, attempts: int = 200) -> None:
    """Call ``check`` until it is true: PostgreSQL ends a terminated backend asynchronously."""
    assert callable(check)
    for _ in range(attempts):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("never became true")
