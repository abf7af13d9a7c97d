"""Refusing replayed Slack requests: each signed request is accepted once.

Bolt checks a request's HMAC and that its timestamp is within five minutes; a captured request could
still be sent again within those five minutes. Slack signs every delivery anew (its retries carry a
new timestamp, hence a new signature), so a signature seen before is a replay.

``StoredReplayGuard`` keeps the signatures in the database (``signed_requests``): the guard holds
across restarts and is shared by every replica. A signature is claimed by inserting it (the primary
key decides between two replicas receiving the same replay at once) and forgotten when its window
has passed. ``MemoryReplayGuard`` is the same in one process's memory, for a process without a
store. Only signatures that verify are recorded (``http_application`` checks first), so forged
requests cannot fill the table.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.adapters import schema as t
from bot.errors import StoreError

WINDOW = timedelta(minutes=10)
"""Slack's five minutes of timestamp tolerance, doubled for clock skew between Slack and us."""


class ReplayGuard(Protocol):
    async def first_time(self, signature: str) -> bool:
        """Record ``signature``; False when it was recorded before (a replay)."""
        ...


class MemoryReplayGuard:
    """The guard in this process's memory, bounded by the window: entries expire with it."""

    def __init__(
        self, window_seconds: float = WINDOW.total_seconds(), clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._window = window_seconds
        self._clock = clock
        self._seen: dict[str, float] = {}

    async def first_time(self, signature: str) -> bool:
        now = self._clock()
        if len(self._seen) > 10_000 or (self._seen and next(iter(self._seen.values())) < now):
            self._seen = {s: t for s, t in self._seen.items() if t >= now}
        if signature in self._seen:
            return False
        self._seen[signature] = now + self._window
        return True


class StoredReplayGuard:
    """The guard in the database, shared by replicas and kept across restarts."""

    def __init__(
        self, engine: AsyncEngine, *, window: timedelta = WINDOW, clock: Callable[[], datetime] | None = None
    ) -> None:
        self._engine = engine
        self._window = window
        self._clock = clock or (lambda: datetime.now(UTC))

    async def first_time(self, signature: str) -> bool:
        now = self._clock()
        try:
            async with self._engine.begin() as conn:
                await conn.execute(delete(t.signed_requests).where(t.signed_requests.c.expires_at < now))
            async with self._engine.begin() as conn:
                await conn.execute(
                    insert(t.signed_requests).values(signature=signature[:100], expires_at=now + self._window)
                )
        except IntegrityError:
            return False
        except SQLAlchemyError as e:
            raise StoreError(f"could not check the request against replays: {e.__class__.__name__}") from e
        return True


__all__ = ["WINDOW", "MemoryReplayGuard", "ReplayGuard", "StoredReplayGuard"]
