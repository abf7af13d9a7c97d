"""Storage adapter: feeds and their HTTP validators, seen items, incidents and the alert outbox.

SQLite (``sqlite+aiosqlite://``) is the embedded default, PostgreSQL (``postgresql+asyncpg://``)
the production backend; both run the same Alembic migrations and the same tests.

The one invariant that matters most: ``record_poll`` writes the items it saw, the incidents they
changed, the outbox entries for Slack and the feed's new validators in a single transaction. An
item is therefore never marked seen unless its alert is already queued, and a feed's ETag is
never advanced past items that were not stored.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Table,
    bindparam,
    delete,
    event,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bot.adapters import incident_index
from bot.adapters import schema as t
from bot.adapters.digest_store import DigestStore
from bot.adapters.feedback import Feedback
from bot.adapters.fetch import Validators
from bot.adapters.incident_index import COUNT_CAP, SearchResult
from bot.adapters.incident_rows import incident_from_row, incident_values
from bot.adapters.leadership import (
    LOCK_SPACE,
    MIGRATION_KEY,
    PARK_KEY,
    SYNC_KEY,
    AdvisoryLease,
    Lease,
    SoleLease,
)
from bot.adapters.process_lock import ProcessLock
from bot.adapters.replay_guard import StoredReplayGuard
from bot.core.alerts import SlackMessage, message_from_json, message_json
from bot.core.gazetteer import Gazetteer
from bot.core.incident_query import Cursor
from bot.core.incident_search import resolve_terms
from bot.core.incidents import Incident
from bot.core.items import FeedItem, RecordedItem
from bot.core.parking import ParkedGroup
from bot.core.triage import MessageFacts, OutboxEntry, Plan
from bot.core.watchlist_validation import (
    definition_version,
    parse_watchlist,
    validate_watchlist,
    watchlist_to_dict,
)
from bot.core.watchlists import Watchlist
from bot.errors import StoreError

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
HEAD_REVISION = "0013"
"""The newest migration (a test holds it equal to Alembic's head). A database already there is
opened without importing Alembic: a quarter of a second of every ``poll --once``."""


@dataclass(frozen=True, slots=True)
class FeedSpec:
    id: str
    url: str
    name: str
    interval: int
    origin: str = "config"


SYSTEM_USER = "sitrep"
"""The audit log's user for changes the bot makes itself (a saved move, a pause)."""


@dataclass(frozen=True, slots=True)
class Notice:
    """A plain message for a channel (the admin channel), delivered through the outbox."""

    channel: str
    message: SlackMessage


@dataclass(frozen=True, slots=True)
class FeedOutcome:
    """What one poll did to a feed's status row: new validators, or an error; items now seen.

    ``hold``: no poll before then (the server said so), None clears an earlier hold. ``moved``:
    (from, to) of a permanent move to save. ``pause``: pause the feed (once; ``notice`` is queued
    only by the poll that actually paused it)."""

    feed_id: str
    validators: Validators | None = None
    error: str | None = None
    seen: int = 0
    hold: datetime | None = None
    moved: tuple[str, str] | None = None
    pause: bool = False
    notice: Notice | None = None


@dataclass(frozen=True, slots=True)
class FeedState:
    spec: FeedSpec
    validators: Validators
    last_polled: datetime | None
    last_success: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    consecutive_failures: int
    items_seen: int
    not_before: datetime | None = None
    """The server asked for no poll before this (Retry-After on 429/503, Cache-Control max-age)."""
    moved_to: str | None = None
    """Where a permanent (301/308) redirect chain led; polled there instead of ``spec.url``."""
    paused_at: datetime | None = None
    """Paused after too many failures: not polled until an admin resumes it."""

    @property
    def fetch_url(self) -> str:
        """The URL a poll asks for: the saved move, else the feed's own."""
        return self.moved_to or self.spec.url


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One change made from Slack: who, when, what, and the state before and after (None: absent)."""

    id: int
    at: datetime
    user_id: str
    action: str
    subject: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class StoredWatchlist:
    """A live watchlist as stored: where it came from ("config" or "slack") and when it changed."""

    watchlist: Watchlist
    origin: str
    updated_at: datetime

    @property
    def version(self) -> str:
        """Changes whenever the definition does; a form remembers it to detect a concurrent save."""
        return definition_version(watchlist_to_dict(self.watchlist))


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    incident_key: str | None
    """None for a digest's messages."""
    kind: str
    channel: str
    message: SlackMessage
    attempts: int
    created_at: datetime
    facts: MessageFacts = field(default_factory=MessageFacts)
    digest_id: int | None = None
    part: int = 0
    """A digest's part: 0 is the top-level post, later parts continue in its thread."""
    status: str = "pending"
    """"pending", or "sending": claimed by a drainer that has not recorded the outcome (it crashed,
    Slack's answer never came, or the database refused the record). Slack is asked before a
    "sending" row is sent again. "parked": Slack refused it for good; kept until ``requeue_parked``."""
    problem: str | None = None
    """A parked row's cause (``bot.core.parking.problem_key``)."""

    @property
    def key(self) -> str:
        """The mark its Slack message carries, unique to this row of this database."""
        return f"{self.id}:{int(self.created_at.timestamp())}"


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL; None for another backend or an in-memory database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


SQLITE_BUSY_SECONDS = 30.0


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Every SQLite connection: write-ahead logging, so readers (a slash command, the outbox's
    look-ups) never block a writer nor wait for one, and writers (the drain's channels, a poll
    round) only take turns with each other."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode = WAL")  # a file setting; in-memory databases keep theirs
    finally:
        cursor.close()


def migrate(conn: Connection, gazetteer: Gazetteer | None = None, revision: str = "head") -> None:
    """Bring the schema on ``conn`` to ``revision`` (tests stop short of head to store old rows)."""
    if conn.dialect.name == "postgresql":
        # Replicas started together on a fresh database would race in the migrations (one fails on
        # "table exists"): the first takes this lock and migrates, the rest wait, then find the
        # schema at head. A transaction lock: it goes with the migration's commit or rollback.
        conn.execute(_XACT_LOCK, {"space": LOCK_SPACE, "key": MIGRATION_KEY})
    if revision == "head" and _revisions(conn) == [HEAD_REVISION]:
        return
    from alembic import command
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    cfg.attributes["gazetteer"] = gazetteer  # a backfill that places incidents (0013) uses it
    command.upgrade(cfg, revision)


def _revisions(conn: Connection) -> list[str]:
    """The revisions Alembic recorded on ``conn`` (none on a new database)."""
    if not inspect(conn).has_table("alembic_version"):
        return []
    return [r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version"))]


_XACT_LOCK = text("SELECT pg_advisory_xact_lock(:space, :key)")


async def _one_at_a_time(conn: AsyncConnection, key: int) -> None:
    """Replicas starting together each mirror the config into the database; on PostgreSQL they
    take turns (a transaction lock), or two would insert the same new feed and one would fail."""
    if conn.dialect.name == "postgresql":
        await conn.execute(_XACT_LOCK, {"space": LOCK_SPACE, "key": key})


class Store:
    def __init__(self, engine: AsyncEngine, gazetteer: Gazetteer | None = None) -> None:
        self._engine = engine
        self._gazetteer = gazetteer
        self._lease: Lease = SoleLease()
        self.feedback = Feedback(engine)
        """Desk marks on alerts ("not relevant"), kept apart from the poll's tables."""
        self.digests = DigestStore(engine, fence=self._check_lease)
        """Items waiting for their watchlist's digest, and the digests delivered."""

    @classmethod
    async def open(cls, url: str, *, gazetteer: Gazetteer | None = None) -> Store:
        """Connect and bring the schema to the newest migration. ``gazetteer`` places incidents
        for ``/incidents`` (their places and the regions around them); without one, the process's
        own is loaded when first needed."""
        db_file = sqlite_file(url)
        if db_file is not None:
            db_file.parent.mkdir(parents=True, exist_ok=True)
        parsed = make_url(url)
        # A writer waits its turn (a poll round committing) instead of failing at once; a URL's
        # own ?timeout= wins.
        waits = (
            {"timeout": SQLITE_BUSY_SECONDS} if db_file is not None and "timeout" not in parsed.query else {}
        )
        try:
            engine = create_async_engine(url, pool_pre_ping=True, connect_args=waits)
        except (SQLAlchemyError, ImportError, ValueError) as e:
            raise StoreError(f"cannot use DATABASE_URL ({make_url(url).render_as_string(True)}): {e}") from e
        if engine.dialect.name == "sqlite":
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        try:
            async with engine.begin() as conn:
                await conn.run_sync(migrate, gazetteer)
        except (SQLAlchemyError, OSError) as e:
            await engine.dispose()
            safe = make_url(url).render_as_string(hide_password=True)
            raise StoreError(f"cannot open database {safe}: {e.__class__.__name__}: {e}") from e
        return cls(engine, gazetteer)

    @contextlib.asynccontextmanager
    async def _reading(self, what: str) -> AsyncIterator[AsyncConnection]:
        """A connection to read ``what`` on: a database failure becomes a ``StoreError`` that says
        what could not be read (a poll round reports it for its feeds and carries on next time)."""
        try:
            async with self._engine.connect() as conn:
                yield conn
        except SQLAlchemyError as e:
            raise StoreError(f"could not read {what}: {e.__class__.__name__}") from e

    @property
    def gazetteer(self) -> Gazetteer:
        """What places incidents in ``incident_index``: the one given, else the process's own."""
        if self._gazetteer is None:
            self._gazetteer = incident_index.default_gazetteer()
        return self._gazetteer

    async def close(self) -> None:
        await self._lease.release()
        await self._engine.dispose()

    def replay_guard(self, clock: Callable[[], datetime] | None = None) -> StoredReplayGuard:
        """Slack request signatures accepted so far, in this database (``bot.adapters.replay_guard``)."""
        return StoredReplayGuard(self._engine, clock=clock)

    async def take_lease(self) -> Lease:
        """Become a poller of this database: from now on poll rounds and digests are recorded only
        while this process leads (``bot.adapters.leadership``).

        SQLite: the process lock, or ``DatabaseInUse`` when another process polls the same file —
        then this process is the leader for good. PostgreSQL: the advisory lease, taken now if it
        is free; a follower keeps calling ``renew`` and takes over when the leader goes."""
        if self._engine.dialect.name == "postgresql":
            lease: Lease = AdvisoryLease(self._engine)
            await lease.renew()
        else:
            db_file = sqlite_file(self._engine.url.render_as_string(hide_password=False))
            lock = ProcessLock(db_file) if db_file is not None else None
            if lock is not None:
                lock.acquire()
            lease = SoleLease(lock)
        self._lease = lease
        return lease

    async def _check_lease(self, conn: AsyncConnection) -> None:
        await self._lease.check(conn)

    # -- feeds -------------------------------------------------------------------------------

    async def sync_feeds(self, specs: Sequence[FeedSpec]) -> None:
        """Seed and refresh the config file's feeds: insert feeds not yet known, refresh the url,
        name and interval of config-owned ones; polling state is kept. A feed removed from Slack stays
        removed, and a feed whose URL the database already polls under another id is skipped with a
        warning (it was added from Slack first).

        A saved permanent move (``moved_to``) outlives restarts while the file still gives the URL
        the feed moved from; once the file's URL changes, the file wins and the move is forgotten
        (the admin has updated the file, to the new URL or another)."""
        async with self._engine.begin() as conn:
            await _one_at_a_time(conn, SYNC_KEY)
            rows = {r.id: r for r in await conn.execute(select(t.feeds))}
            urls = {r.url: r.id for r in rows.values()}
            for s in specs:
                values: dict[str, Any] = {"url": s.url, "name": s.name, "interval": s.interval}
                row = rows.get(s.id)
                if row is not None and (row.removed_at is not None or row.origin != "config"):
                    continue
                owner = urls.get(s.url)
                if owner is not None and owner != s.id:
                    gone = owner in rows and rows[owner].removed_at is not None
                    state = "was removed from Slack as" if gone else "is already polled as"
                    log.warning("config feed %s: %s %s %s; skipped", s.id, s.url, state, owner)
                    continue
                if row is not None:
                    if (row.url, row.name, row.interval) == (s.url, s.name, s.interval):
                        continue  # each start wrote every row again: 0.75 s of 1,000 feeds' start-up
                    if row.url != s.url:
                        values["moved_to"] = None
                    await conn.execute(update(t.feeds).where(t.feeds.c.id == s.id).values(**values))
                else:
                    await conn.execute(
                        insert(t.feeds).values(
                            id=s.id, origin=s.origin, consecutive_failures=0, items_seen=0, **values
                        )
                    )
                    urls[s.url] = s.id

    async def feeds(self) -> list[FeedState]:
        """Every live feed (removed ones are not polled, listed or exported)."""
        async with self._reading("the feeds") as conn:
            rows = await conn.execute(
                select(t.feeds).where(t.feeds.c.removed_at.is_(None)).order_by(t.feeds.c.id)
            )
            return [_feed_state(r._mapping) for r in rows]

    async def feed(self, feed_id: str) -> FeedState | None:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(t.feeds).where(t.feeds.c.id == feed_id, t.feeds.c.removed_at.is_(None))
                )
            ).first()
            return None if row is None else _feed_state(row._mapping)

    async def add_feed(self, spec: FeedSpec, *, user_id: str, now: datetime) -> str | None:
        """Add a feed and its audit row in one transaction. Returns why it was refused (the id or
        the URL is already taken), or None when it was added. A database failure is a StoreError."""
        try:
            return await self._add_feed(spec, user_id=user_id, now=now)
        except SQLAlchemyError as e:
            raise StoreError(f"could not add feed {spec.id}: {e.__class__.__name__}") from e

    async def _add_feed(self, spec: FeedSpec, *, user_id: str, now: datetime) -> str | None:
        async with self._engine.begin() as conn:
            clashes = list(
                await conn.execute(
                    select(t.feeds.c.id, t.feeds.c.url, t.feeds.c.moved_to, t.feeds.c.removed_at).where(
                        (t.feeds.c.id == spec.id)
                        | (t.feeds.c.url == spec.url)
                        | (t.feeds.c.moved_to == spec.url)
                    )
                )
            )
            for clash in clashes:
                if clash.removed_at is None:
                    if clash.url == spec.url:
                        return f"that URL is already watched as feed {clash.id}"
                    if clash.moved_to == spec.url:
                        return f"that URL is already watched as feed {clash.id} (the feed moved there)"
                    return f"the id {spec.id} is already taken"
            # A tombstone in the way is replaced: adding the feed again is the admin undoing a removal.
            # Its items stay in the items table, so what was already seen is not alerted again.
            for clash in clashes:
                if clash.id == spec.id or clash.url == spec.url:
                    await conn.execute(delete(t.feeds).where(t.feeds.c.id == clash.id))
            await conn.execute(
                insert(t.feeds).values(
                    id=spec.id,
                    url=spec.url,
                    name=spec.name,
                    interval=spec.interval,
                    origin=spec.origin,
                    consecutive_failures=0,
                    items_seen=0,
                )
            )
            await _audit(conn, now, user_id, "feed.add", f"feed:{spec.id}", None, _spec_json(spec))
        return None

    async def remove_feed(self, feed_id: str, *, user_id: str, now: datetime) -> str | None:
        """Stop polling a feed, with its audit row, in one transaction. Returns why it was refused,
        or None when it was removed. The row stays as a tombstone so the config file does not bring
        the feed back at the next start; items already seen stay (incidents cite them). A database
        failure is a StoreError."""
        try:
            return await self._remove_feed(feed_id, user_id=user_id, now=now)
        except SQLAlchemyError as e:
            raise StoreError(f"could not remove feed {feed_id}: {e.__class__.__name__}") from e

    async def _remove_feed(self, feed_id: str, *, user_id: str, now: datetime) -> str | None:
        async with self._engine.begin() as conn:
            row = (await conn.execute(select(t.feeds).where(t.feeds.c.id == feed_id))).first()
            if row is None or row.removed_at is not None:
                return f"there is no feed {feed_id}"
            spec = _feed_state(row._mapping).spec
            await conn.execute(update(t.feeds).where(t.feeds.c.id == feed_id).values(removed_at=now))
            await _audit(conn, now, user_id, "feed.remove", f"feed:{feed_id}", _spec_json(spec), None)
        return None

    async def resume_feed(self, feed_id: str, *, user_id: str, now: datetime) -> str | None:
        """Poll a paused feed again from the next round, with its audit row, in one transaction.
        Its failure count starts again from zero (so do the back-off and the pause counter); the
        last error stays on show until a poll succeeds. Returns why it was refused, or None."""
        try:
            async with self._engine.begin() as conn:
                row = (
                    await conn.execute(
                        select(t.feeds).where(t.feeds.c.id == feed_id, t.feeds.c.removed_at.is_(None))
                    )
                ).first()
                if row is None:
                    return f"there is no feed {feed_id}"
                if row.paused_at is None:
                    return f"feed {feed_id} is not paused"
                await conn.execute(
                    update(t.feeds)
                    .where(t.feeds.c.id == feed_id)
                    .values(paused_at=None, consecutive_failures=0, not_before=None)
                )
                before = {"paused_at": row.paused_at.isoformat(), "failures": row.consecutive_failures}
                after = {"paused_at": None}
                await _audit(conn, now, user_id, "feed.resume", f"feed:{feed_id}", before, after)
        except SQLAlchemyError as e:
            raise StoreError(f"could not resume feed {feed_id}: {e.__class__.__name__}") from e
        return None

    # -- audit -------------------------------------------------------------------------------

    async def audit(
        self,
        *,
        user_id: str,
        action: str,
        subject: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        now: datetime,
    ) -> None:
        """Record a change on its own; changes made through the store record theirs themselves."""
        async with self._engine.begin() as conn:
            await _audit(conn, now, user_id, action, subject, before, after)

    async def audit_log(self, subject: str | None = None, limit: int = 20) -> list[AuditEntry]:
        """The newest changes first, optionally for one subject (e.g. ``"feed:levant-wire"``)."""
        query = select(t.audit).order_by(t.audit.c.id.desc()).limit(max(limit, 0))
        if subject is not None:
            query = query.where(t.audit.c.subject == subject)
        async with self._engine.connect() as conn:
            return [
                AuditEntry(
                    id=r.id,
                    at=r.at,
                    user_id=r.user_id,
                    action=r.action,
                    subject=r.subject,
                    before=r.before,
                    after=r.after,
                )
                for r in await conn.execute(query)
            ]

    # -- watchlists --------------------------------------------------------------------------

    async def sync_watchlists(self, config: Sequence[Watchlist], *, now: datetime) -> None:
        """Mirror the config file's watchlists: add and update them, and drop config-owned ones
        the file no longer lists. Watchlists created or edited from Slack are left alone, and one
        removed from Slack stays removed even while the file still lists it."""
        wanted = {w.name: watchlist_to_dict(w) for w in config}
        async with self._engine.begin() as conn:
            await _one_at_a_time(conn, SYNC_KEY)
            rows = {r.name: r for r in await conn.execute(select(t.watchlists))}
            for name, definition in wanted.items():
                row = rows.get(name)
                if row is None:
                    await conn.execute(
                        insert(t.watchlists).values(
                            name=name, definition=definition, origin="config", updated_at=now
                        )
                    )
                elif row.origin == "config" and row.removed_at is None and row.definition != definition:
                    await conn.execute(
                        update(t.watchlists)
                        .where(t.watchlists.c.name == name)
                        .values(definition=definition, updated_at=now)
                    )
            owned = {n for n, r in rows.items() if r.origin == "config" and r.removed_at is None}
            gone = sorted(owned - set(wanted))
            if gone:
                await conn.execute(delete(t.watchlists).where(t.watchlists.c.name.in_(gone)))

    async def save_watchlist(self, watchlist: Watchlist, *, origin: str, now: datetime) -> None:
        """Insert or replace one watchlist (from Slack: ``origin="slack"``, never overwritten by the file)."""
        definition = watchlist_to_dict(watchlist)
        async with self._engine.begin() as conn:
            done = await conn.execute(
                update(t.watchlists)
                .where(t.watchlists.c.name == watchlist.name)
                .values(definition=definition, origin=origin, updated_at=now, removed_at=None)
            )
            if not done.rowcount:
                await conn.execute(
                    insert(t.watchlists).values(
                        name=watchlist.name, definition=definition, origin=origin, updated_at=now
                    )
                )

    async def watchlists(self) -> list[Watchlist]:
        """Every live stored watchlist. A row that no longer parses is skipped with a log line."""
        return [s.watchlist for s in await self.stored_watchlists()]

    async def stored_watchlists(self) -> list[StoredWatchlist]:
        """Every live watchlist with where it came from and when it last changed."""
        query = select(t.watchlists).where(t.watchlists.c.removed_at.is_(None)).order_by(t.watchlists.c.name)
        try:
            async with self._engine.connect() as conn:
                rows = list(await conn.execute(query))
        except SQLAlchemyError as e:
            raise StoreError(f"could not read the watchlists: {e.__class__.__name__}") from e
        out = []
        for row in rows:
            watchlist, errors = parse_watchlist(row.definition)
            if watchlist is None:
                log.error("stored watchlist %r is invalid and is ignored: %s", row.name, errors)
                continue
            out.append(StoredWatchlist(watchlist, row.origin, row.updated_at))
        return out

    async def watchlist(self, name: str) -> StoredWatchlist | None:
        """One live watchlist by name, or None."""
        return next((s for s in await self.stored_watchlists() if s.watchlist.name == name), None)

    async def change_watchlist(
        self,
        watchlist: Watchlist,
        *,
        action: str,
        user_id: str,
        now: datetime,
        create: bool = False,
        expected_version: str | None = None,
    ) -> str | None:
        """Create (``create``) or replace a watchlist from Slack, with its audit row, in one
        transaction. Returns why it was refused — the name is taken, there is no such watchlist, or
        it changed since ``expected_version`` was read (someone else saved first) — or None.
        The stored row becomes Slack's: the config file no longer overwrites it."""
        try:
            return await self._change_watchlist(
                watchlist,
                action=action,
                user_id=user_id,
                now=now,
                create=create,
                expected_version=expected_version,
            )
        except SQLAlchemyError as e:
            raise StoreError(f"could not save watchlist {watchlist.name}: {e.__class__.__name__}") from e

    async def _change_watchlist(
        self,
        watchlist: Watchlist,
        *,
        action: str,
        user_id: str,
        now: datetime,
        create: bool,
        expected_version: str | None,
    ) -> str | None:
        name = watchlist.name
        problems = validate_watchlist(watchlist)
        if problems:  # stored, it would be skipped at every read: refuse it instead
            return "invalid: " + "; ".join(f"{field}: {message}" for field, message in problems)
        after = watchlist_to_dict(watchlist)
        async with self._engine.begin() as conn:
            row = (await conn.execute(select(t.watchlists).where(t.watchlists.c.name == name))).first()
            live = row is not None and row.removed_at is None
            if create and live:
                return f"a watchlist named {name} already exists (edit it with `/watch edit {name}`)"
            if not create and not live:
                return f"there is no watchlist named {name}"
            before = row.definition if live and row is not None else None
            if (
                expected_version is not None
                and before is not None
                and definition_version(before) != expected_version
            ):
                return f"{name} was changed by someone else after you opened it; open it again"
            values = {"definition": after, "origin": "slack", "updated_at": now, "removed_at": None}
            if row is None:
                await conn.execute(insert(t.watchlists).values(name=name, **values))
            else:
                await conn.execute(update(t.watchlists).where(t.watchlists.c.name == name).values(**values))
            await _audit(conn, now, user_id, action, f"watchlist:{name}", before, after)
        return None

    async def remove_watchlist(self, name: str, *, user_id: str, now: datetime) -> str | None:
        """Remove a watchlist, with its audit row, in one transaction; None when done, else why not.

        The row stays as a tombstone so the config file does not bring the watchlist back at the
        next start; its incidents stay for ``/incidents``."""
        try:
            async with self._engine.begin() as conn:
                row = (await conn.execute(select(t.watchlists).where(t.watchlists.c.name == name))).first()
                if row is None or row.removed_at is not None:
                    return f"there is no watchlist named {name}"
                await conn.execute(
                    update(t.watchlists)
                    .where(t.watchlists.c.name == name)
                    .values(removed_at=now, updated_at=now)
                )
                await _audit(conn, now, user_id, "watch.remove", f"watchlist:{name}", row.definition, None)
        except SQLAlchemyError as e:
            raise StoreError(f"could not remove watchlist {name}: {e.__class__.__name__}") from e
        return None

    # -- items -------------------------------------------------------------------------------

    async def unseen(self, feed_id: str, item_ids: Sequence[str]) -> set[str]:
        return (await self.unseen_by_feed({feed_id: item_ids}))[feed_id]

    async def unseen_by_feed(self, item_ids: Mapping[str, Sequence[str]]) -> dict[str, set[str]]:
        """``unseen`` for each feed of a poll round, over one connection (a round has 1,000 feeds)."""
        if not item_ids:
            return {}
        out: dict[str, set[str]] = {}
        async with self._reading("which items are new") as conn:
            for feed_id, ids in item_ids.items():
                wanted = set(ids)
                seen: set[str] = set()
                chunk = sorted(wanted)
                for i in range(0, len(chunk), 500):
                    rows = await conn.execute(
                        select(t.items.c.item_id).where(
                            t.items.c.feed_id == feed_id, t.items.c.item_id.in_(chunk[i : i + 500])
                        )
                    )
                    seen.update(r.item_id for r in rows)
                out[feed_id] = wanted - seen
        return out

    async def record_items(
        self, items: Sequence[tuple[FeedItem, str]], *, now: datetime
    ) -> set[tuple[str, str]]:
        """Record ``items`` (each with its story key) as seen, at once and in their own transaction;
        the keys (feed id, item id) of those not seen before. An item already recorded is left as
        it was. For items that can alert nowhere (the engine's quiet items), so a poll round need not
        hold their text until it is recorded."""
        if not items:
            return set()
        found: set[tuple[str, str]] = set()
        # INSERT … RETURNING goes out as multi-row statements, one per page of rows; pages of a
        # few dozen rows, so at most that many statement shapes: SQLite keeps the last 128 shapes
        # it compiled, and pages of any length (a feed's quiet items) held 25 MB of them at a
        # 1,000-feed round's peak. DO NOTHING: an item recorded before (or by a replica meanwhile)
        # is left alone and not returned.
        insert_new = (
            _dialect_insert_for(self._engine)(t.items)
            .on_conflict_do_nothing()
            .returning(t.items.c.feed_id, t.items.c.item_id)
            .execution_options(insertmanyvalues_page_size=_RETURNING_PAGE)
        )
        try:
            async with self._engine.begin() as conn:
                await self._lease.check(conn)
                for i in range(0, len(items), _INSERT_BATCH):
                    rows = [_item_row(item, story, now) for item, story in items[i : i + _INSERT_BATCH]]
                    found.update((r.feed_id, r.item_id) for r in await conn.execute(insert_new, rows))
        except SQLAlchemyError as e:  # the class and the database's first line, not the rows' text
            first_line = str(e.orig if isinstance(e, DBAPIError) else e).splitlines()[0]
            raise StoreError(f"could not record items: {e.__class__.__name__}: {first_line}") from e
        return found

    async def items_since(self, since: datetime, *, limit: int) -> tuple[list[FeedItem], bool]:
        """Stored items published since ``since``, up to ``limit`` of the newest, oldest first, and
        whether more were left out."""
        query = (
            select(t.items)
            .where(t.items.c.published >= since)
            .order_by(t.items.c.published.desc(), t.items.c.feed_id, t.items.c.item_id)
            .limit(max(limit, 0) + 1)
        )
        try:
            async with self._engine.connect() as conn:
                rows = list(await conn.execute(query))
        except SQLAlchemyError as e:
            raise StoreError(f"could not read stored items: {e.__class__.__name__}") from e
        items = [
            FeedItem(
                feed_id=r.feed_id,
                id=r.item_id,
                title=r.title,
                summary=r.summary,
                link=r.link,
                published=r.published,
                published_estimated=r.published_estimated,
            )
            for r in rows[:limit]
        ]
        items.reverse()
        return items, len(rows) > limit

    async def count_items(self) -> int:
        async with self._engine.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(t.items))).scalar_one())

    # -- polling -----------------------------------------------------------------------------

    async def record_poll(
        self,
        feed_id: str,
        *,
        now: datetime,
        validators: Validators | None = None,
        plan: Plan | None = None,
        error: str | None = None,
    ) -> None:
        """Apply one feed's poll outcome atomically (see the module docstring)."""
        seen = len(plan.seen) if plan is not None else 0
        await self.record_round([FeedOutcome(feed_id, validators, error, seen)], plan, now=now)

    async def record_round(
        self, outcomes: Sequence[FeedOutcome], plan: Plan | None, *, now: datetime
    ) -> None:
        """Apply a poll round — several feeds' outcomes and the plan for their items — atomically."""
        try:
            await self._record_round(outcomes, plan, now=now)
        except SQLAlchemyError as e:
            raise StoreError(f"could not record the poll round: {e.__class__.__name__}: {e}") from e

    async def _record_round(
        self, outcomes: Sequence[FeedOutcome], plan: Plan | None, *, now: datetime
    ) -> None:
        # Before the transaction: loading the process's gazetteer the first time must not hold the lock.
        gazetteer = self.gazetteer if plan is not None and plan.incidents else None
        async with self._engine.begin() as conn:
            await self._lease.check(conn)
            if plan is not None and not plan.is_empty:
                await _apply_plan(conn, plan, now, gazetteer)
            await _update_feeds(conn, outcomes, now)
            for o in outcomes:
                if o.moved is not None:
                    before, after = ({"url": u} for u in o.moved)
                    await _audit(conn, now, SYSTEM_USER, "feed.move", f"feed:{o.feed_id}", before, after)
                if o.pause:
                    await _pause(conn, o, now)

    # -- incidents ---------------------------------------------------------------------------

    async def open_incidents(self, since: datetime) -> list[Incident]:
        """Incidents a report published after ``since`` could still join: first seen since then."""
        async with self._reading("the open incidents") as conn:
            rows = await conn.execute(select(t.incidents).where(t.incidents.c.first_seen >= since))
            return [incident_from_row(r._mapping) for r in rows]

    async def incidents_in_period(self, watchlist: str, start: datetime, end: datetime) -> list[Incident]:
        """The watchlist's incidents first reported in (start, end], oldest first (for its digest)."""
        c = t.incidents.c
        query = (
            select(t.incidents)
            .where(c.watchlist == watchlist, c.first_seen > start, c.first_seen <= end)
            .order_by(c.first_seen, c.key)
        )
        try:
            async with self._engine.connect() as conn:
                return [incident_from_row(r._mapping) for r in await conn.execute(query)]
        except SQLAlchemyError as e:
            raise StoreError(f"could not read the incidents of {watchlist}: {e.__class__.__name__}") from e

    async def stories_seen(self, keys: Sequence[str]) -> list[RecordedItem]:
        """The items already recorded of the stories ``keys`` (``bot.core.incidents.stories``)."""
        wanted = sorted(set(keys))
        found: list[RecordedItem] = []
        c = t.items.c
        async with self._reading("earlier copies of stories") as conn:
            for i in range(0, len(wanted), 500):
                query = select(c.feed_id, c.item_id, c.published, c.story).where(
                    c.story.in_(wanted[i : i + 500])
                )
                found += [
                    RecordedItem(r.feed_id, r.item_id, r.published, r.story)
                    for r in await conn.execute(query)
                ]
        return found

    async def recent_posts(self, since: datetime) -> dict[str, list[datetime]]:
        """Per channel, when the top-level alerts queued since ``since`` were queued (the hourly limit)."""
        c = t.outbox.c
        query = select(c.channel, c.created_at).where(c.kind == "post", c.created_at > since)
        async with self._reading("the last hour's alerts") as conn:
            out: dict[str, list[datetime]] = {}
            for r in await conn.execute(query):
                out.setdefault(r.channel, []).append(r.created_at)
            return out

    async def tier_counts(self, since: datetime, watchlist: str | None = None) -> dict[str, dict[str, int]]:
        """Per watchlist, how many items got each tier since ``since``."""
        c = t.item_tiers.c
        query = select(c.watchlist, c.tier, func.count()).where(c.at >= since).group_by(c.watchlist, c.tier)
        if watchlist is not None:
            query = query.where(c.watchlist == watchlist)
        try:
            async with self._engine.connect() as conn:
                out: dict[str, dict[str, int]] = {}
                for name, tier, n in await conn.execute(query):
                    out.setdefault(name, {})[tier] = int(n)
                return out
        except SQLAlchemyError as e:
            raise StoreError(f"could not count tiers: {e.__class__.__name__}") from e

    async def last_alerts(self) -> dict[str, datetime]:
        """Per watchlist, when its most recently updated alerted incident changed."""
        c = t.incidents.c
        query = select(c.watchlist, func.max(c.updated)).where(c.alerted.is_(True)).group_by(c.watchlist)
        try:
            async with self._engine.connect() as conn:
                return {r[0]: r[1] for r in await conn.execute(query)}
        except SQLAlchemyError as e:
            raise StoreError(f"could not read the last alerts: {e.__class__.__name__}") from e

    async def incidents(self, *, watchlist: str | None = None, limit: int = 50) -> list[Incident]:
        query = select(t.incidents).order_by(t.incidents.c.updated.desc()).limit(limit)
        if watchlist is not None:
            query = query.where(t.incidents.c.watchlist == watchlist)
        async with self._engine.connect() as conn:
            return [incident_from_row(r._mapping) for r in await conn.execute(query)]

    async def search_incidents(
        self,
        *,
        since: datetime,
        watchlist: str | None = None,
        min_killed: int | None = None,
        min_wounded: int | None = None,
        text: str | Sequence[str] | None = None,
        limit: int,
        after: Cursor | None = None,
        offset: int = 0,
    ) -> SearchResult:
        """One page of incidents updated since ``since`` that pass every filter, newest first, with
        how many match from its first row on (exact up to ``COUNT_CAP``) and where the next page
        starts. ``text`` is one term or several that must all match: as whole words of the place,
        title and terms, or through the gazetteer as a place (``bot.core.incident_search``).

        Every condition is a range read of ``incident_index`` (``bot.adapters.incident_index``).
        ``after`` continues from a page's last row; ``offset`` (the "More" buttons sent before
        cursors) skips that many rows first, by walking the pages before it.
        """
        terms = (text,) if isinstance(text, str) else tuple(text or ())
        wanted = resolve_terms(terms, self.gazetteer)
        args: dict[str, Any] = {
            "since": since,
            "terms": wanted,
            "watchlist": watchlist,
            "min_killed": min_killed,
            "min_wounded": min_wounded,
        }
        try:
            async with self._engine.connect() as conn:
                skip = max(offset, 0)
                while skip > 0:
                    passed = await incident_index.search(
                        conn, **args, limit=min(skip, COUNT_CAP), after=after, rows=False
                    )
                    if passed.next is None:
                        return SearchResult([], 0)
                    skip -= min(skip, COUNT_CAP)
                    after = passed.next
                return await incident_index.search(conn, **args, limit=limit, after=after)
        except SQLAlchemyError as e:
            raise StoreError(f"could not search the incidents: {e.__class__.__name__}") from e

    # -- outbox ------------------------------------------------------------------------------

    async def due_outbox(self, now: datetime, limit: int = 50) -> list[OutboxRow]:
        """Rows to send now, oldest first: pending ones, and claims whose outcome was never
        recorded. Behind a row another drainer holds (claimed, not yet due again) none of its
        channel's later rows is due, so replicas keep a channel's order. A row waiting out a retry
        does not hold its channel up: after a rate-limit storm the rest go at once."""
        query = (
            select(t.outbox)
            .where(t.outbox.c.status.in_(("pending", "sending")))
            .order_by(t.outbox.c.id)
            .limit(limit * 4)
        )
        async with self._engine.connect() as conn:
            rows = [r._mapping for r in await conn.execute(query)]
        blocked: set[str] = set()
        due: list[OutboxRow] = []
        for row in rows:
            if row["channel"] in blocked:
                continue
            if row["next_attempt_at"] > now:
                if row["status"] == "sending":
                    blocked.add(row["channel"])
                continue
            due.append(_outbox_row(row))
            if len(due) == limit:
                break
        return due

    async def outbox_counts(self) -> dict[str, int]:
        query = select(t.outbox.c.status, func.count()).group_by(t.outbox.c.status)
        async with self._engine.connect() as conn:
            return {status: int(n) for status, n in await conn.execute(query)}

    async def posted_ts(self, incident_key: str, channel: str) -> tuple[str, str | None]:
        """('sent', ts) once the first alert is in Slack; ('pending'|'failed'|'missing', None) otherwise."""
        query = (
            select(t.outbox.c.status, t.outbox.c.ts)
            .where(
                t.outbox.c.incident_key == incident_key,
                t.outbox.c.channel == channel,
                t.outbox.c.kind == "post",
            )
            .order_by(t.outbox.c.id)
            .limit(1)
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            return ("missing", None)
        return (row.status, row.ts)

    async def claim_outbox(self, row_id: int, *, now: datetime, until: datetime) -> OutboxRow | None:
        """Take a due row for sending, atomically: the row as it is now, or None when another
        drainer has it (or it is done). Until ``until`` nobody else sends it; after, it is due again
        and Slack is asked first. The caller sends the returned row's message, not the one it read
        earlier: a toll update may have been folded into the post in between (``_enqueue``)."""
        query = (
            update(t.outbox)
            .where(
                t.outbox.c.id == row_id,
                t.outbox.c.status.in_(("pending", "sending")),
                t.outbox.c.next_attempt_at <= now,
            )
            .values(status="sending", next_attempt_at=until)
            .returning(*t.outbox.c)
        )
        async with self._engine.begin() as conn:
            claimed = (await conn.execute(query)).first()
        return None if claimed is None else _outbox_row(claimed._mapping)

    async def mark_sent(self, row_id: int, *, ts: str | None, now: datetime) -> None:
        await self._set_outbox(row_id, status="sent", ts=ts, sent_at=now, attempts=t.outbox.c.attempts + 1)

    async def mark_retry(
        self, row_id: int, *, error: str, next_attempt_at: datetime, counted: bool = True
    ) -> None:
        """Slack surely did not store it: send again at ``next_attempt_at``. ``counted`` False: the
        attempt does not count towards giving up (Slack only asked us to wait: a rate limit)."""
        await self._reschedule(row_id, "pending", error, next_attempt_at, counted=counted)

    async def mark_uncertain(self, row_id: int, *, error: str, next_attempt_at: datetime) -> None:
        """Slack may have stored it: at ``next_attempt_at`` ask Slack before sending it again."""
        await self._reschedule(row_id, "sending", error, next_attempt_at)

    async def _reschedule(
        self, row_id: int, status: str, error: str, at: datetime, *, counted: bool = True
    ) -> None:
        await self._set_outbox(
            row_id,
            status=status,
            last_error=error[:1000],
            next_attempt_at=at,
            attempts=t.outbox.c.attempts + (1 if counted else 0),
        )

    async def park_outbox(
        self, row_id: int, *, error: str, problem: str, now: datetime, notice: Notice | None = None
    ) -> bool:
        """Park a row Slack refused for good (``bot.core.parking``): kept, not retried, until
        ``requeue_parked``. ``notice`` is queued, in the same transaction, only when no other row is
        parked for this ``problem`` — the admin hears of a cause once, not once per alert. Whether
        it was queued."""
        async with self._engine.begin() as conn:
            await _one_at_a_time(conn, PARK_KEY)  # two drainers parking at once: one notice
            await conn.execute(
                update(t.outbox)
                .where(t.outbox.c.id == row_id)
                .values(
                    status="parked",
                    last_error=error[:1000],
                    problem=problem[:120],
                    attempts=t.outbox.c.attempts + 1,
                )
            )
            if notice is None:
                return False
            others = await conn.execute(
                select(t.outbox.c.id)
                .where(
                    t.outbox.c.status == "parked",
                    t.outbox.c.problem == problem[:120],
                    t.outbox.c.id != row_id,
                )
                .limit(1)
            )
            if others.first() is not None:
                return False
            await _queue_notice(conn, notice, now)
            return True

    async def parked(self) -> list[ParkedGroup]:
        """The parked rows, grouped by problem and channel, oldest problem first."""
        query = (
            select(
                t.outbox.c.problem,
                t.outbox.c.channel,
                func.count(),
                func.min(t.outbox.c.created_at),
                func.max(t.outbox.c.last_error),
            )
            .where(t.outbox.c.status == "parked")
            .group_by(t.outbox.c.problem, t.outbox.c.channel)
        )
        try:
            async with self._engine.connect() as conn:
                rows = list(await conn.execute(query))
        except SQLAlchemyError as e:
            raise StoreError(f"could not read the parked alerts: {e.__class__.__name__}") from e
        groups = [
            ParkedGroup(problem or "refused", channel, int(n), reason or "", since)
            for problem, channel, n, since, reason in rows
        ]
        return sorted(groups, key=lambda g: (g.since, g.channel))

    async def requeue_parked(self, *, now: datetime, user_id: str) -> int:
        """Send every parked row again, in its original order, from now; audited. How many."""
        async with self._engine.begin() as conn:
            done = await conn.execute(
                update(t.outbox)
                .where(t.outbox.c.status == "parked")
                .values(status="pending", next_attempt_at=now, attempts=0, problem=None)
            )
            count = int(done.rowcount or 0)
            if count:
                await _audit(conn, now, user_id, "outbox.retry", "outbox", None, {"requeued": count})
        return count

    async def mark_failed(self, row_id: int, *, error: str) -> None:
        await self._set_outbox(
            row_id, status="failed", last_error=error[:1000], attempts=t.outbox.c.attempts + 1
        )

    async def _set_outbox(self, row_id: int, **values: Any) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(update(t.outbox).where(t.outbox.c.id == row_id).values(**values))


async def _audit(
    conn: AsyncConnection,
    now: datetime,
    user_id: str,
    action: str,
    subject: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    await conn.execute(
        insert(t.audit).values(
            at=now,
            user_id=user_id[:40],
            action=action[:40],
            subject=subject[:200],
            before=before,
            after=after,
        )
    )


async def _pause(conn: AsyncConnection, outcome: FeedOutcome, now: datetime) -> None:
    # Only the poll that flips paused_at pauses: a second poller, or a poll of a stale state, finds
    # the feed paused already and queues no second notice.
    done = await conn.execute(
        update(t.feeds)
        .where(t.feeds.c.id == outcome.feed_id, t.feeds.c.paused_at.is_(None))
        .values(paused_at=now)
    )
    if done.rowcount != 1:
        return
    subject = f"feed:{outcome.feed_id}"
    await _audit(conn, now, SYSTEM_USER, "feed.pause", subject, None, {"reason": outcome.error})
    if outcome.notice is not None:
        await _queue_notice(conn, outcome.notice, now)


async def _queue_notice(conn: AsyncConnection, notice: Notice, now: datetime) -> None:
    await conn.execute(
        insert(t.outbox).values(
            incident_key=None,
            kind="notice",
            channel=notice.channel,
            message=message_json(notice.message),
            status="pending",
            attempts=0,
            created_at=now,
            next_attempt_at=now,
            facts=_facts_json(MessageFacts()),
        )
    )


def _spec_json(spec: FeedSpec) -> dict[str, Any]:
    return {
        "id": spec.id,
        "url": spec.url,
        "name": spec.name,
        "interval": spec.interval,
        "origin": spec.origin,
    }


async def _apply_plan(conn: AsyncConnection, plan: Plan, now: datetime, gazetteer: Gazetteer | None) -> None:
    if plan.seen:
        stories = {(f, i): story for f, i, story in plan.stories}
        await _insert_many(
            conn, t.items, (_item_row(i, stories.get((i.feed_id, i.id)), now) for i in plan.seen)
        )
    if plan.tiers:
        rows = {
            (x.feed_id, x.item_id, x.watchlist): {
                "feed_id": x.feed_id,
                "item_id": x.item_id,
                "watchlist": x.watchlist,
                "tier": x.tier.value,
                "reasons": "; ".join(x.reasons)[:2000],
                "incident_key": x.incident_key,
                "at": now,
            }
            for x in plan.tiers
        }
        await _insert_many(conn, t.item_tiers, rows.values())
    if plan.digest:
        await _insert_many(
            conn,
            t.digest_items,
            (
                {
                    "watchlist": d.watchlist,
                    "feed_id": d.feed_id,
                    "item_id": d.item_id,
                    "title": d.title,
                    "link": d.link,
                    "outlet": d.outlet[:200],
                    "published": d.published,
                    "reason": d.reason[:2000],
                    "story": d.story[:300],
                    "added_at": now,
                }
                for d in {(d.watchlist, d.feed_id, d.item_id): d for d in plan.digest}.values()
            ),
        )
    keys = [i.key for i in plan.incidents]
    existing = set()
    if keys:
        existing = {
            r.key for r in await conn.execute(select(t.incidents.c.key).where(t.incidents.c.key.in_(keys)))
        }
    for inc in plan.incidents:
        if inc.key in existing:
            values = incident_values(inc)
            await conn.execute(update(t.incidents).where(t.incidents.c.key == inc.key).values(**values))
    # New incidents in batches: a cold round of 1,000 feeds opens thousands.
    await _insert_many(
        conn,
        t.incidents,
        ({"key": i.key, **incident_values(i)} for i in plan.incidents if i.key not in existing),
    )
    await incident_index.replace_entries(conn, gazetteer, plan.incidents, existing=existing)
    if plan.links:
        await _insert_many(
            conn,
            t.incident_items,
            ({"incident_key": k, "feed_id": f, "item_id": i} for k, f, i in dict.fromkeys(plan.links)),
        )
    for entry in plan.outbox:
        await _enqueue(conn, entry, now)


async def _update_feeds(conn: AsyncConnection, outcomes: Sequence[FeedOutcome], now: datetime) -> None:
    """Each polled feed's status row, one executemany per shape of update (a round of 1,000 feeds
    was 1,000 statements)."""
    groups: dict[tuple[bool, tuple[str, ...]], list[dict[str, Any]]] = {}
    for o in outcomes:
        values: dict[str, Any] = {"last_polled": now, "not_before": o.hold}
        if o.error is None:
            values.update(last_success=now, last_error=None, consecutive_failures=0)
            if o.validators is not None:
                values.update(
                    etag=o.validators.etag,
                    last_modified=o.validators.last_modified,
                    body_sha256=o.validators.body_sha256,
                )
            if o.seen:
                values["items_seen"] = o.seen  # added to the count, below
        else:
            # consecutive_failures goes up by one, below.
            values.update(last_error=o.error[:1000], last_error_at=now)
        if o.moved is not None:
            values["moved_to"] = o.moved[1]
        params = {f"p_{k}": v for k, v in values.items()}
        params["p_feed_id"] = o.feed_id
        groups.setdefault((o.error is None, tuple(sorted(values))), []).append(params)
    c = t.feeds.c
    for (ok, columns), rows in groups.items():
        sets: dict[str, Any] = {k: bindparam(f"p_{k}", type_=c[k].type) for k in columns}
        if "items_seen" in sets:
            sets["items_seen"] = c.items_seen + sets["items_seen"]
        if not ok:
            sets["consecutive_failures"] = c.consecutive_failures + 1
        await conn.execute(update(t.feeds).where(c.id == bindparam("p_feed_id")).values(sets), rows)


_INSERT_BATCH = 1_000
_RETURNING_PAGE = 32


def _item_row(item: FeedItem, story: str | None, now: datetime) -> dict[str, Any]:
    return {
        "feed_id": item.feed_id,
        "item_id": item.id,
        "title": item.title,
        "summary": item.summary,
        "link": item.link,
        "published": item.published,
        "published_estimated": item.published_estimated,
        "first_seen": now,
        "story": story,
    }


def _dialect_insert_for(engine: AsyncEngine) -> Callable[[Table], Any]:
    """The backend's own ``insert``, which knows ``ON CONFLICT`` (both backends speak it)."""
    return postgresql_insert if engine.dialect.name == "postgresql" else sqlite_insert


async def _insert_many(conn: AsyncConnection, table: Table, rows: Iterable[dict[str, Any]]) -> None:
    """Insert ``rows`` a thousand at a time: one executemany of a 50,000-item poll round built
    every row's bound parameters at once, 46 MB at the round's peak."""
    it = iter(rows)
    while batch := list(islice(it, _INSERT_BATCH)):
        await conn.execute(insert(table), batch)


async def _enqueue(conn: AsyncConnection, entry: OutboxEntry, now: datetime) -> None:
    """Queue one Slack message, coalescing with what is still pending for the same alert.

    While the first post is still waiting (a Slack outage, say), nobody has seen it yet: an edit
    simply replaces the post's content and a thread reply would be noise, so neither is queued.
    Likewise a newer edit replaces an older pending one.
    """
    body = message_json(entry.message)
    if entry.kind in ("edit", "reply"):
        pending_post = (
            await conn.execute(
                select(t.outbox.c.id, t.outbox.c.facts).where(
                    t.outbox.c.incident_key == entry.incident_key,
                    t.outbox.c.channel == entry.channel,
                    t.outbox.c.kind == "post",
                    t.outbox.c.status == "pending",
                )
            )
        ).first()
        if pending_post is not None:
            # The post, when it goes out, reports what the dropped reply or edit would have.
            values: dict[str, Any] = {"facts": _facts_json(_facts(pending_post.facts).merged(entry.facts))}
            if entry.kind == "edit":
                values["message"] = body
            await conn.execute(update(t.outbox).where(t.outbox.c.id == pending_post.id).values(**values))
            return
    if entry.kind == "edit":
        pending_edit = (
            await conn.execute(
                select(t.outbox.c.id, t.outbox.c.facts).where(
                    t.outbox.c.incident_key == entry.incident_key,
                    t.outbox.c.channel == entry.channel,
                    t.outbox.c.kind == "edit",
                    t.outbox.c.status == "pending",
                )
            )
        ).first()
        if pending_edit is not None:
            await conn.execute(
                update(t.outbox)
                .where(t.outbox.c.id == pending_edit.id)
                .values(message=body, facts=_facts_json(_facts(pending_edit.facts).merged(entry.facts)))
            )
            return
    await conn.execute(
        insert(t.outbox).values(
            incident_key=entry.incident_key,
            kind=entry.kind,
            channel=entry.channel,
            message=body,
            status="pending",
            attempts=0,
            created_at=now,
            next_attempt_at=now,
            facts=_facts_json(entry.facts),
        )
    )


def _facts_json(facts: MessageFacts) -> dict[str, Any]:
    return {
        "watchlist": facts.watchlist,
        "figures": None if facts.figures is None else dict(facts.figures),
        "links": list(facts.links),
    }


def _facts(raw: Any) -> MessageFacts:
    """Read back ``_facts_json``; rows queued before migration 0007 have none."""
    if not isinstance(raw, dict):
        return MessageFacts()
    figures = raw.get("figures")
    return MessageFacts(
        watchlist=str(raw.get("watchlist") or ""),
        figures=None if not isinstance(figures, dict) else tuple(figures.items()),
        links=tuple(str(link) for link in raw.get("links") or ()),
    )


def _feed_state(m: Any) -> FeedState:
    return FeedState(
        spec=FeedSpec(id=m["id"], url=m["url"], name=m["name"], interval=m["interval"], origin=m["origin"]),
        validators=Validators(etag=m["etag"], last_modified=m["last_modified"], body_sha256=m["body_sha256"]),
        last_polled=m["last_polled"],
        last_success=m["last_success"],
        last_error=m["last_error"],
        last_error_at=m["last_error_at"],
        consecutive_failures=m["consecutive_failures"],
        items_seen=m["items_seen"],
        not_before=m["not_before"],
        moved_to=m["moved_to"],
        paused_at=m["paused_at"],
    )


def _outbox_row(m: Any) -> OutboxRow:
    return OutboxRow(
        id=m["id"],
        incident_key=m["incident_key"],
        kind=m["kind"],
        channel=m["channel"],
        message=message_from_json(m["message"]),
        attempts=m["attempts"],
        created_at=m["created_at"],
        facts=_facts(m["facts"]),
        digest_id=m["digest_id"],
        part=m["part"],
        status=m["status"],
        problem=m["problem"],
    )
