"""What the fault sweeps share: five distinct Idlib events, a process whose logs are read as they come,
and the count of lost and duplicated alerts. Feed items written by the Sitrep team, not real articles."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import create_async_engine

from bot.adapters import schema
from bot.adapters.feed_server import RssItem
from tests.e2e.feeds import T0, config_toml
from tests.e2e.process import bot_environment, start_bot
from tests.e2e.test_serve_http import free_port
from tests.fakes.slack_api import FakeSlackApi

CHANNEL = "C0IDLIB0001"


def _item(guid: str, hours: int, title: str, description: str, slug: str) -> RssItem:
    return RssItem(
        guid=guid,
        title=title,
        description=description,
        link=f"https://levantwire.example/2026/11/{slug}",
        published=T0 - timedelta(hours=hours),
    )


# Five events in five towns of Idlib province, a day or more apart: five incidents, five posts.
EVENTS: tuple[tuple[str, RssItem], ...] = (
    (
        "Saraqib",
        _item(
            "fs-1",
            34,
            "Shelling kills four in Saraqib, Idlib province",
            "Artillery struck a residential street in Saraqib, east of Idlib city, killing four people.",
            "saraqib-shelling",
        ),
    ),
    (
        "Ariha",
        _item(
            "fs-2",
            26,
            "Air strike on Ariha bakery kills seven in Idlib province",
            "A warplane hit a bakery in the town of Ariha, south of Idlib city, killing seven civilians.",
            "ariha-bakery",
        ),
    ),
    (
        "Jisr al-Shughur",
        _item(
            "fs-3",
            18,
            "Drone strike kills three farmers near Jisr al-Shughur in Idlib province",
            "Three farmers were killed when a drone struck their tractor outside Jisr al-Shughur.",
            "jisr-drone",
        ),
    ),
    (
        "Sarmada",
        _item(
            "fs-4",
            10,
            "Rocket attack on Sarmada camp kills five displaced people in Idlib province",
            "Rockets hit a camp for displaced families in Sarmada, near the Turkish border, killing five.",
            "sarmada-camp",
        ),
    ),
    (
        "Maarat Misrin",
        _item(
            "fs-5",
            2,
            "Two children killed by unexploded shell in Maarat Misrin, Idlib province",
            "Two children were killed when an unexploded shell went off in a field in Maarat Misrin.",
            "maarat-misrin-shell",
        ),
    ),
)
ARIHA_TOLL = _item(
    "fs-6",
    -6,
    "Death toll from Ariha bakery air strike rises to 12",
    "The number of civilians killed in the air strike on a bakery in Ariha has risen to 12, with 25 "
    "wounded, rescuers said.",
    "ariha-toll",
)
"""A later report of the Ariha strike: a thread reply under its post, and an edit of the post."""
TOLL_PLACE = "Ariha"


def config(feed_url: str, *, interval: int = 300) -> str:
    return config_toml(feed_url, CHANNEL).replace("interval = 300", f"interval = {interval}")


@dataclass
class Bot:
    """A ``run.py`` process; its stdout and stderr are read as they come (a full pipe would stall
    it), and a test can wait for a log line."""

    proc: asyncio.subprocess.Process
    log: list[str] = field(default_factory=list)
    _new_line: asyncio.Condition = field(default_factory=asyncio.Condition)
    _readers: list[asyncio.Task[None]] = field(default_factory=list)

    @classmethod
    async def start(cls, tmp_path: Path, slack: FakeSlackApi, database_url: str, *args: str) -> Bot:
        extra = {"PORT": str(free_port())} if not args else {}
        env = bot_environment(tmp_path, slack, database_url, SLACK_SIGNING_SECRET="fault-secret", **extra)
        bot = cls(await start_bot(tmp_path, env, *args))
        for stream in (bot.proc.stdout, bot.proc.stderr):
            assert stream is not None
            bot._readers.append(asyncio.create_task(bot._read(stream)))
        return bot

    async def _read(self, stream: asyncio.StreamReader) -> None:
        while line := (await stream.readline()).decode():
            self.log.append(line)
            async with self._new_line:
                self._new_line.notify_all()
        async with self._new_line:
            self._new_line.notify_all()

    def said(self, marker: str, count: int = 1) -> bool:
        return sum(marker in line for line in self.log) >= count

    async def wait_log(self, marker: str, *, count: int = 1, within: float = 60) -> None:
        """Until ``count`` log lines contain ``marker``; fails if the process ends first."""
        async with asyncio.timeout(within), self._new_line:
            while not self.said(marker, count):
                if self.proc.returncode is not None and all(r.done() for r in self._readers):
                    raise AssertionError(f"process ended before {marker!r}:\n{''.join(self.log)}")
                await self._new_line.wait()

    async def finish(self, *, within: float = 120) -> int:
        """Wait for the process to exit; its exit code (-9 when killed)."""
        code = await asyncio.wait_for(self.proc.wait(), timeout=within)
        await asyncio.gather(*self._readers)
        return code

    async def kill(self) -> None:
        """kill -9, and wait until it is gone."""
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()
        await self.finish()


async def expire_claims(database_url: str, claimed_before: datetime | None = None) -> int:
    """Move the end of claims forward to the past, as if their five minutes had run out; with
    ``claimed_before``, only claims taken before that moment (a dead process's, not a live one's).
    Rows waiting out a backoff become due too. How many claims were expired."""
    db = create_async_engine(database_url)
    try:
        async with db.begin() as conn:
            o = schema.outbox
            claimed = o.c.status == "sending"
            if claimed_before is not None:
                claimed &= o.c.next_attempt_at <= claimed_before + timedelta(seconds=301)
            result = await conn.execute(
                update(o).where(claimed).values(next_attempt_at=datetime(2020, 1, 1, tzinfo=UTC))
            )
            await conn.execute(
                update(o)
                .where(o.c.status == "pending")
                .values(next_attempt_at=datetime(2020, 1, 1, tzinfo=UTC))
            )
            return int(result.rowcount or 0)
    finally:
        await db.dispose()


async def outbox_rows(database_url: str) -> list[tuple[int, str, str, datetime]]:
    """(id, kind, status, created_at) of every outbox row."""
    db = create_async_engine(database_url)
    try:
        async with db.connect() as conn:
            o = schema.outbox
            query = select(o.c.id, o.c.kind, o.c.status, o.c.created_at).order_by(o.c.id)
            return [(int(i), str(k), str(s), c) for i, k, s, c in await conn.execute(query)]
    finally:
        await db.dispose()


@dataclass(frozen=True)
class Tally:
    """What Slack holds against what was expected: one top-level post per event, one reply."""

    lost: int
    duplicated: int
    detail: str


def tally(slack: FakeSlackApi, places: tuple[str, ...], *, toll: bool) -> Tally:
    """Counts each event's top-level posts (by its town) and the toll update's replies; a post or
    reply missing is lost, each one beyond the first is a duplicate. Also checks that every message
    carries a distinct outbox key (two copies of one outbox row are a duplicate too)."""
    messages = slack.messages_in(CHANNEL)
    top = [m for m in messages if not m["thread_ts"]]
    replies = [m for m in messages if m["thread_ts"]]
    lost = duplicated = 0
    problems = []
    for place in places:
        n = sum(place in m["text"] for m in top)
        lost += n == 0
        duplicated += max(0, n - 1)
        if n != 1:
            problems.append(f"{place}: {n} posts")
    unexplained = len(top) - sum(any(p in m["text"] for p in places) for m in top)
    duplicated += unexplained
    if toll:
        # The toll reaches the desk once: as a reply under the post (the post edited to 12), or,
        # when the update came while the post was still queued (a storm, an outage), folded into
        # the post itself before it went out, with no reply.
        parent = next((m for m in top if TOLL_PLACE in m["text"]), None)
        under = [r for r in replies if parent is not None and r["thread_ts"] == parent["ts"]]
        folded = parent is not None and not under and parent["edits"] == 0 and "12" in parent["text"]
        lost += not under and not folded
        duplicated += max(0, len(under) - 1) + (len(replies) - len(under))
        if not folded and (len(under) != 1 or len(replies) != len(under)):
            problems.append(f"toll replies: {len(under)} under the {TOLL_PLACE} post, {len(replies)} in all")
        if parent is not None and not folded and not (parent["edits"] >= 1 and "12" in parent["text"]):
            problems.append(f"the {TOLL_PLACE} post was not updated to 12 killed: {parent['text']!r}")
            lost += 1
    elif replies:
        duplicated += len(replies)
    keys = Counter(str((m.get("metadata") or {}).get("event_payload", {}).get("key")) for m in messages)
    repeated = sum(n - 1 for n in keys.values() if n > 1)
    if repeated:
        problems.append(f"{repeated} repeated outbox keys")
    detail = "; ".join(problems) + (f" (unexplained top-level posts: {unexplained})" if unexplained else "")
    return Tally(lost=lost, duplicated=max(duplicated, repeated), detail=detail)
