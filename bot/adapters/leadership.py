"""Which process polls: one leader per database, any number of replicas beside it.

Polling, triage and digests must run in exactly one process per database: two pollers both
triage the same new reports and queue two alerts for one event, which no outbox claim can catch
(they are two rows). Delivery and Slack commands are safe in every process, so replicas are
useful: they drain the outbox (claims keep each message to one sender) and answer commands.

* **PostgreSQL**: the leader holds a session-level advisory lock on a connection of its own
  (``AdvisoryLease``). Followers try to take it every few seconds. When the leader dies, even by
  kill -9, its connection closes, PostgreSQL drops the lock at once and the next follower to try
  takes over. The connection is in autocommit mode (never "idle in transaction" for hours) and
  asks the server for TCP keepalives, so a leader cut off by the network is noticed too.
* **SQLite**: one process per database file, enforced by ``bot.adapters.process_lock``; that
  process is always the leader (``SoleLease``).

A lease can be lost without the holder noticing at once (its connection dropped between two
checks). So the leader's writes are **fenced**: the transaction that records a poll round or a
digest checks, inside itself, that the lock is still held by this process's lock connection
(``check``); if not, it raises ``LostLeadership`` and nothing of the round is written.
"""

from __future__ import annotations

import logging
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.adapters.process_lock import ProcessLock
from bot.errors import StoreError

log = logging.getLogger(__name__)

LOCK_SPACE = 0x53495452
"""First half of every advisory-lock key Sitrep takes ("SITR"), so its locks are easy to spot in
``pg_locks`` and unlikely to meet another application's."""
LEADER_KEY = 1
MIGRATION_KEY = 2
SYNC_KEY = 3
PARK_KEY = 4

# A dead leader's host stops answering: the server gives up on it within about 10 + 3 × 5 s.
_KEEPALIVES = (
    "SET tcp_keepalives_idle = 10",
    "SET tcp_keepalives_interval = 5",
    "SET tcp_keepalives_count = 3",
)


class LostLeadership(StoreError):
    """This process believed it led polling but no longer holds the lease: its writes are refused."""


class Lease(Protocol):
    """The right to poll and triage for one database."""

    @property
    def is_leader(self) -> bool: ...

    async def renew(self) -> bool:
        """Take the lease if it is free, or confirm this process still holds it; whether it leads."""
        ...

    async def check(self, conn: AsyncConnection) -> None:
        """Inside a write transaction: raise ``LostLeadership`` unless this process leads."""
        ...

    async def release(self) -> None:
        """Give the lease up (clean shutdown), so a replica takes over without waiting."""
        ...


class SoleLease:
    """The only process on its database (SQLite, guarded by a process lock): always the leader.
    ``release`` lets the lock go, if it holds one."""

    def __init__(self, lock: ProcessLock | None = None) -> None:
        self._lock = lock

    @property
    def is_leader(self) -> bool:
        return True

    async def renew(self) -> bool:
        return True

    async def check(self, conn: AsyncConnection) -> None:
        return None

    async def release(self) -> None:
        if self._lock is not None:
            self._lock.release()


class AdvisoryLease:
    """Leadership through a PostgreSQL session-level advisory lock held on a dedicated connection."""

    def __init__(self, engine: AsyncEngine, *, key: int = LEADER_KEY) -> None:
        self._engine = engine
        self._key = key
        self._conn: AsyncConnection | None = None
        self._backend_pid: int | None = None

    @property
    def is_leader(self) -> bool:
        return self._backend_pid is not None

    async def renew(self) -> bool:
        try:
            if self._backend_pid is None:
                return await self._take()
            return await self._confirm()
        except (SQLAlchemyError, OSError) as e:
            if self._backend_pid is not None:
                log.warning("lost the polling lease: its database connection failed (%s)", e)
            await self._drop()
            return False

    async def _take(self) -> bool:
        conn = self._conn or await self._open()
        got = (
            await conn.execute(text("SELECT pg_try_advisory_lock(:space, :key)"), _key(self._key))
        ).scalar_one()
        if got:
            self._backend_pid = int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())
            log.info("this process now leads polling (PostgreSQL backend %d)", self._backend_pid)
        return bool(got)

    async def _confirm(self) -> bool:
        assert self._conn is not None
        held = (await self._conn.execute(_HELD, {**_key(self._key), "pid": self._backend_pid})).first()
        if held is None:  # should not happen while the connection lives; never assume
            log.warning("lost the polling lease: the lock is no longer held by this process")
            await self._drop()
            return False
        return True

    async def check(self, conn: AsyncConnection) -> None:
        if self._backend_pid is None:
            raise LostLeadership("this process does not lead polling; the round is not recorded")
        held = (await conn.execute(_HELD, {**_key(self._key), "pid": self._backend_pid})).first()
        if held is None:
            raise LostLeadership("the polling lease passed to another process; the round is not recorded")

    async def release(self) -> None:
        if self._conn is not None and self._backend_pid is not None:
            try:
                await self._conn.execute(text("SELECT pg_advisory_unlock(:space, :key)"), _key(self._key))
            except (SQLAlchemyError, OSError) as e:  # closing the connection frees it anyway
                log.debug("could not unlock the polling lease: %s", e)
        await self._drop()

    async def _open(self) -> AsyncConnection:
        conn = await self._engine.connect()
        try:
            # Autocommit: a lease held for days must not keep a transaction open for days.
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            for statement in _KEEPALIVES:
                await conn.execute(text(statement))
        except BaseException:
            await conn.close()
            raise
        self._conn = conn
        return conn

    async def _drop(self) -> None:
        conn, self._conn, self._backend_pid = self._conn, None, None
        if conn is not None:
            try:
                # Really closed, never back to the pool: a pooled connection still holding the
                # lock would keep every replica from leading.
                await conn.invalidate()
                await conn.close()
            except (SQLAlchemyError, OSError) as e:
                log.debug("closing the lease connection: %s", e)


_HELD = text(
    "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND classid = :space AND objid = :key AND objsubid = 2 AND pid = :pid"
)


def _key(key: int) -> dict[str, int]:
    return {"space": LOCK_SPACE, "key": key}


__all__ = [
    "LEADER_KEY",
    "MIGRATION_KEY",
    "PARK_KEY",
    "SYNC_KEY",
    "AdvisoryLease",
    "Lease",
    "LostLeadership",
    "SoleLease",
]
