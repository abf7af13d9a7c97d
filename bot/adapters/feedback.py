"""Desk feedback on alerts: who marked which incident "not relevant", kept for the watchlist's admins.

The matcher's precision is measured on labelled corpus samples (``docs/ACCURACY.md``); this is the
same measure taken on live traffic, by the people the alerts are for. A mark belongs to one user and
one incident; marking twice changes nothing, and its author can withdraw it (the "Undo" they are
shown). Marks feed three things: the thread note under the alert, the tally in ``/watch show``, and
``python run.py feedback``, which writes them as matching labels (``eval/matching`` format) so they can
join the evaluation and training sets.

Shares the store's engine and transactions' conventions: a database failure is a ``StoreError``;
"there is no such incident" is a return value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.adapters import schema as t
from bot.errors import StoreError

NOT_RELEVANT = "not_relevant"


@dataclass(frozen=True, slots=True)
class Mark:
    """An incident's marks after one person marked it or withdrew their mark."""

    incident_key: str
    watchlist: str
    title: str
    marked: bool
    """Whether this person's mark is now recorded."""
    changed: bool
    """False when the press changed nothing (a second press of the same button, a double click)."""
    marks: int
    """How many people now mark the incident not relevant."""


@dataclass(frozen=True, slots=True)
class Tally:
    """Alerts a watchlist posted since a moment, and how many of them someone marked not relevant."""

    alerts: int
    marked: int


@dataclass(frozen=True, slots=True)
class MarkedIncident:
    """One incident marked not relevant, as a matching label: the lead report's link and title."""

    incident_key: str
    watchlist: str
    link: str | None
    title: str
    users: tuple[str, ...]
    first_marked: datetime
    channels: tuple[str, ...]


class Feedback:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def mark(self, incident_key: str, *, user_id: str, channel: str, now: datetime) -> Mark | None:
        """Record this person's "not relevant" mark; marking twice changes nothing. None when the
        incident is not in the database (a button from another installation, or a forged one)."""
        try:
            async with self._engine.begin() as conn:
                incident = await _incident(conn, incident_key)
                if incident is None:
                    return None
                changed = await _mark_of(conn, incident_key, user_id) is None
                if changed:
                    await conn.execute(
                        insert(t.feedback).values(
                            incident_key=incident_key,
                            user_id=user_id,
                            channel=channel,
                            verdict=NOT_RELEVANT,
                            at=now,
                        )
                    )
                marks = await _count(conn, incident_key)
        except IntegrityError:
            # A double click: the other press inserted the same mark between our read and our write.
            return await self._state(incident_key, user_id)
        except SQLAlchemyError as e:
            raise StoreError(f"could not record feedback on {incident_key}: {e.__class__.__name__}") from e
        return Mark(incident_key, incident.watchlist, incident.title, True, changed, marks)

    async def unmark(self, incident_key: str, *, user_id: str) -> Mark | None:
        """Withdraw this person's mark; withdrawing one that is not there changes nothing."""
        f = t.feedback.c
        try:
            async with self._engine.begin() as conn:
                incident = await _incident(conn, incident_key)
                if incident is None:
                    return None
                gone = await conn.execute(
                    delete(t.feedback).where((f.incident_key == incident_key) & (f.user_id == user_id))
                )
                marks = await _count(conn, incident_key)
        except SQLAlchemyError as e:
            raise StoreError(f"could not withdraw feedback on {incident_key}: {e.__class__.__name__}") from e
        return Mark(incident_key, incident.watchlist, incident.title, False, gone.rowcount > 0, marks)

    async def _state(self, incident_key: str, user_id: str) -> Mark | None:
        try:
            async with self._engine.connect() as conn:
                incident = await _incident(conn, incident_key)
                if incident is None:
                    return None
                mine = await _mark_of(conn, incident_key, user_id) is not None
                marks = await _count(conn, incident_key)
        except SQLAlchemyError as e:
            raise StoreError(f"could not read feedback on {incident_key}: {e.__class__.__name__}") from e
        return Mark(incident_key, incident.watchlist, incident.title, mine, False, marks)

    async def tallies(self, *, since: datetime) -> dict[str, Tally]:
        """Per watchlist, its alerts first seen since ``since`` and how many carry at least one mark.
        Watchlists without such alerts are absent."""
        i = t.incidents.c
        marked = select(t.feedback.c.incident_key).distinct().subquery()
        query = (
            select(i.watchlist, func.count(), func.count(marked.c.incident_key))
            .select_from(t.incidents.outerjoin(marked, marked.c.incident_key == i.key))
            .where(i.alerted.is_(True), i.first_seen >= since)
            .group_by(i.watchlist)
        )
        try:
            async with self._engine.connect() as conn:
                rows = (await conn.execute(query)).all()
        except SQLAlchemyError as e:
            raise StoreError(f"could not count feedback: {e.__class__.__name__}") from e
        return {name: Tally(alerts=int(alerts), marked=int(hit)) for name, alerts, hit in rows}

    async def marked(
        self, *, since: datetime | None = None, watchlist: str | None = None
    ) -> list[MarkedIncident]:
        """Every incident someone marked not relevant (first mark since ``since``), oldest mark first."""
        f, i = t.feedback.c, t.incidents.c
        query = (
            select(f.incident_key, f.user_id, f.channel, f.at, i.watchlist, i.title, i.sources)
            .join(t.incidents, i.key == f.incident_key)
            .order_by(f.at, f.incident_key, f.user_id)
        )
        if watchlist is not None:
            query = query.where(i.watchlist == watchlist)
        try:
            async with self._engine.connect() as conn:
                rows = (await conn.execute(query)).all()
        except SQLAlchemyError as e:
            raise StoreError(f"could not read feedback: {e.__class__.__name__}") from e
        users: dict[str, list[str]] = {}
        channels: dict[str, list[str]] = {}
        first: dict[str, Any] = {}
        for r in rows:  # ordered by time of mark, so the first row of an incident is its first mark
            first.setdefault(r.incident_key, r)
            users.setdefault(r.incident_key, []).append(r.user_id)
            channels.setdefault(r.incident_key, []).append(r.channel)
        found = [
            MarkedIncident(
                incident_key=key,
                watchlist=r.watchlist,
                link=_lead_link(r.sources),
                title=r.title,
                users=tuple(users[key]),
                first_marked=r.at,
                channels=tuple(dict.fromkeys(channels[key])),
            )
            for key, r in first.items()
        ]
        return [m for m in found if since is None or m.first_marked >= since]


async def _incident(conn: AsyncConnection, key: str) -> Row[Any, Any] | None:
    i = t.incidents.c
    return (await conn.execute(select(i.watchlist, i.title).where(i.key == key))).first()


async def _mark_of(conn: AsyncConnection, key: str, user_id: str) -> Row[Any, Any] | None:
    f = t.feedback.c
    return (await conn.execute(select(f.at).where((f.incident_key == key) & (f.user_id == user_id)))).first()


async def _count(conn: AsyncConnection, key: str) -> int:
    return int(await conn.scalar(select(func.count()).where(t.feedback.c.incident_key == key)) or 0)


def _lead_link(sources: object) -> str | None:
    # The stored sources are the incident's reports, lead report first (see Store._incident).
    if isinstance(sources, list) and sources and isinstance(sources[0], dict):
        link = sources[0].get("link")
        return link if isinstance(link, str) and link else None
    return None
