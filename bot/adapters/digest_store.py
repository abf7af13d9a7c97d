"""Digests in the database: the items waiting for a watchlist's digest, and each digest delivered.

An item a watchlist sends to its digest is stored by the poll that saw it, in the same transaction
as the item itself, so a restart loses none. A digest is recorded with its Slack messages (queued in
the outbox) and the items it lists, in one transaction: an item is never listed twice, and never
marked delivered unless its digest is queued. A period with nothing to say is recorded too (no
message), so the schedule moves on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.adapters import schema as t
from bot.core.alerts import SlackMessage, message_json
from bot.core.triage import DigestEntry, MessageFacts
from bot.errors import StoreError

Fence = Callable[[AsyncConnection], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class DigestMessage:
    """One Slack message of a digest: part 0 is the top-level post, later parts its thread."""

    channel: str
    part: int
    message: SlackMessage
    facts: MessageFacts


class DigestStore:
    def __init__(self, engine: AsyncEngine, fence: Fence | None = None) -> None:
        """``fence`` runs first in the transaction that records a digest: only the process that
        leads polling may record one (``bot.adapters.leadership``)."""
        self._engine = engine
        self._fence = fence

    async def last_period_end(self, watchlist: str) -> datetime | None:
        """Where the watchlist's last digest period ended, or None before its first digest."""
        c = t.digests.c
        query = select(func.max(c.period_end)).where(c.watchlist == watchlist)
        try:
            async with self._engine.connect() as conn:
                value = (await conn.execute(query)).scalar_one_or_none()
        except SQLAlchemyError as e:
            raise StoreError(f"could not read the digests of {watchlist}: {e.__class__.__name__}") from e
        return value if isinstance(value, datetime) else None

    async def pending(
        self, watchlist: str, *, until: datetime, since: datetime | None = None
    ) -> list[DigestEntry]:
        """Items of the watchlist published up to ``until`` (and since ``since``) that no digest
        delivered yet, oldest first. With ``since``, delivered ones count too (an on-demand look)."""
        c = t.digest_items.c
        conds = [c.watchlist == watchlist, c.published <= until]
        if since is None:
            conds.append(c.digest_id.is_(None))
        else:
            conds.append(c.published > since)
        query = select(t.digest_items).where(*conds).order_by(c.published, c.feed_id, c.item_id)
        try:
            async with self._engine.connect() as conn:
                rows = list(await conn.execute(query))
        except SQLAlchemyError as e:
            raise StoreError(f"could not read the digest items of {watchlist}: {e.__class__.__name__}") from e
        return [
            DigestEntry(
                watchlist=r.watchlist,
                feed_id=r.feed_id,
                item_id=r.item_id,
                title=r.title,
                link=r.link,
                outlet=r.outlet,
                published=r.published,
                reason=r.reason,
                story=r.story,
            )
            for r in rows
        ]

    async def record(
        self,
        watchlist: str,
        *,
        start: datetime,
        end: datetime,
        now: datetime,
        messages: Sequence[DigestMessage],
        items: Sequence[DigestEntry],
    ) -> int:
        """Record one digest: its period, its messages (queued), the items it delivered. Its id."""
        try:
            async with self._engine.begin() as conn:
                if self._fence is not None:
                    await self._fence(conn)
                result = await conn.execute(
                    insert(t.digests).values(
                        watchlist=watchlist,
                        period_start=start,
                        period_end=end,
                        created_at=now,
                        messages=len(messages),
                    )
                )
                key = result.inserted_primary_key
                assert key is not None
                digest_id = int(key[0])
                for m in messages:
                    await conn.execute(
                        insert(t.outbox).values(
                            incident_key=None,
                            kind="digest",
                            channel=m.channel,
                            message=message_json(m.message),
                            status="pending",
                            attempts=0,
                            created_at=now,
                            next_attempt_at=now,
                            facts={
                                "watchlist": m.facts.watchlist,
                                "figures": None,
                                "links": list(m.facts.links),
                            },
                            digest_id=digest_id,
                            part=m.part,
                        )
                    )
                c = t.digest_items.c
                for item in items:
                    await conn.execute(
                        update(t.digest_items)
                        .where(
                            c.watchlist == watchlist,
                            c.feed_id == item.feed_id,
                            c.item_id == item.item_id,
                            c.digest_id.is_(None),
                        )
                        .values(digest_id=digest_id)
                    )
        except SQLAlchemyError as e:
            raise StoreError(f"could not record the digest of {watchlist}: {e.__class__.__name__}") from e
        return digest_id

    async def first_part(self, digest_id: int, channel: str) -> tuple[str, str | None]:
        """('sent', ts) once the digest's top-level post is in Slack, else its status and None."""
        c = t.outbox.c
        query = (
            select(c.status, c.ts)
            .where(c.digest_id == digest_id, c.channel == channel, c.part == 0)
            .order_by(c.id)
            .limit(1)
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            return ("missing", None)
        return (row.status, row.ts)
