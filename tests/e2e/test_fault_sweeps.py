"""Fault sweeps with real processes (#17): kill -9 at seeded random points, three replicas with a slow
Slack losing their leader, and 429 storms. Each counts lost and duplicated alerts (target: 0 and 0)
and prints one ``FAULT`` line per trial for the table in docs/OPERATIONS.md (run with ``-s``).

Every choice comes from ``random.Random(seed)``; waits are for events (a log line, a feed request, a
Slack message) with timeouts. The one sleep that is not a wait is the seeded delay before a kill.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.adapters.store import Store
from tests.e2e.fault_kit import (
    ARIHA_TOLL,
    CHANNEL,
    EVENTS,
    Bot,
    config,
    expire_claims,
    outbox_rows,
    tally,
)
from tests.e2e.feeds import rss
from tests.fakes.feed_server import FakeFeedServer
from tests.fakes.slack_api import FakeSlackApi, http_date_in

FEED = "wire.xml"
PLACES = tuple(place for place, _ in EVENTS)
FIRST = rss(*(item for _, item in EVENTS))
"""Five events: five posts."""
SECOND = rss(*(item for _, item in EVENTS), ARIHA_TOLL)
"""The same and a higher toll for Ariha: a thread reply under its post and an edit of the post."""
WRITES = {1: {"chat.postMessage": 5}, 2: {"chat.postMessage": 1, "chat.update": 1}}
"""The Slack writes each run makes when nothing goes wrong (checked by the clean run)."""


def db_name(database_url: str) -> str:
    return "postgres" if database_url.startswith("postgresql") else "sqlite"


def report(*fields: object) -> None:
    print("FAULT", *fields, flush=True)


async def drained(database_url: str, within: float) -> None:
    """Wait until every queued message is sent (checked twice a second, up to ``within`` s)."""
    deadline = time.monotonic() + within
    while not await all_sent(database_url):
        if time.monotonic() > deadline:
            raise TimeoutError(f"outbox not drained within {within} s")
        await asyncio.sleep(0.5)


async def all_sent(database_url: str) -> bool:
    store = await Store.open(database_url)
    try:
        counts = await store.outbox_counts()
    finally:
        await store.close()
    return set(counts) == {"sent"}


async def poll_once(tmp_path: Path, slack: FakeSlackApi, database_url: str) -> None:
    bot = await Bot.start(tmp_path, slack, database_url, "poll", "--once")
    code = await bot.finish()
    assert code == 0, "".join(bot.log)


async def test_a_clean_run_posts_each_event_once_and_the_toll_update_in_its_thread(
    tmp_path: Path, feed_server: FakeFeedServer, slack_api: FakeSlackApi, database_url: str
) -> None:
    """The sweep's baseline: without faults the five events give five posts, and the later toll
    gives one reply under the Ariha post and one edit of it; the writes are the ones ``WRITES`` lists."""
    (tmp_path / "sitrep.toml").write_text(config(feed_server.url(FEED)), encoding="utf-8")
    feed_server.set_feed(FEED, FIRST)
    await poll_once(tmp_path, slack_api, database_url)
    assert len(slack_api.calls_to("chat.postMessage")) == 5
    first = tally(slack_api, PLACES, toll=False)
    assert (first.lost, first.duplicated) == (0, 0), first.detail
    feed_server.set_feed(FEED, SECOND)
    await poll_once(tmp_path, slack_api, database_url)
    assert len(slack_api.calls_to("chat.postMessage")) == 6
    assert len(slack_api.calls_to("chat.update")) == 1
    second = tally(slack_api, PLACES, toll=True)
    assert (second.lost, second.duplicated) == (0, 0), second.detail
    assert await all_sent(database_url)


@dataclass(frozen=True)
class KillPoint:
    """Where a run dies: before Slack stores its ``n``-th call of ``method`` (the request never
    left), after Slack stored it but before the answer, or ``delay`` seconds after its feed request
    (somewhere in fetching, triage, recording, claiming or posting)."""

    run: int
    when: str  # "before", "after", "delay"
    method: str = ""
    n: int = 0
    delay: float = 0.0

    @classmethod
    def choose(cls, rng: random.Random, run: int) -> KillPoint:
        when = rng.choice(["before", "after", "before", "after", "delay"])
        if when == "delay":
            return cls(run, when, delay=round(rng.uniform(0.0, 1.5), 2))
        method, n = rng.choice([(m, k) for m, c in WRITES[run].items() for k in range(1, c + 1)])
        return cls(run, when, method, n)

    def __str__(self) -> str:
        if self.when == "delay":
            return f"run {self.run}: {self.delay:.2f} s after the feed request"
        return f"run {self.run}: {self.when} {self.method} #{self.n}"


def arm(slack: FakeSlackApi, point: KillPoint, kill: Callable[[], Awaitable[None]]) -> None:
    """Kill at the ``n``-th call of the method, before it is carried out or after."""
    seen = 0

    async def before() -> bool:
        nonlocal seen
        seen += 1
        if seen < point.n:
            slack.before_call[point.method] = before
            return True
        await kill()
        return False

    async def after() -> None:
        nonlocal seen
        seen += 1
        if seen < point.n:
            slack.after_call[point.method] = after
            return
        await kill()

    if point.when == "before":
        slack.before_call[point.method] = before
    else:
        slack.after_call[point.method] = after


def seeds(variable: str, default: str) -> list[int]:
    """Seeds from the environment (the full sweep), else the few that ``make test`` runs."""
    return [int(x) for x in os.environ.get(variable, default).split(",") if x.strip()]


# make test runs a sample to stay inside CI's time; the report's sweep is
# SITREP_FAULT_SEEDS=1,2,3,4,5,6 SITREP_REPLICA_SEEDS=101,102 pytest tests/e2e/test_fault_sweeps.py -s
SEEDS = seeds("SITREP_FAULT_SEEDS", "2,5")
REPLICA_SEEDS = seeds("SITREP_REPLICA_SEEDS", "101")


async def run_killed(
    tmp_path: Path, feed_server: FakeFeedServer, slack: FakeSlackApi, database_url: str, point: KillPoint
) -> str:
    """One ``poll --once`` killed at ``point``; what the outbox held when it died."""
    polled = len(feed_server.requests_to(FEED))
    bot = await Bot.start(tmp_path, slack, database_url, "poll", "--once")
    if point.when == "delay":
        await feed_server.wait_requests(FEED, polled + 1, within=60)
        await asyncio.sleep(point.delay)  # the seeded kill moment, not a wait for anything
        await bot.kill()
    else:
        arm(slack, point, bot.kill)
    code = await bot.finish()
    slack.before_call.clear()
    slack.after_call.clear()
    # A hook always hits (the clean run makes those writes); a delay past the end of the run misses.
    assert code == -9 or point.when == "delay", f"{point}: exit {code}\n{''.join(bot.log)}"
    if code != -9:
        return "finished before the kill"
    held = Counter(status for _, _, status, _ in await outbox_rows(database_url))
    return "outbox " + (",".join(f"{n} {s}" for s, n in sorted(held.items())) or "empty")


@pytest.mark.parametrize("seed", SEEDS)
async def test_kill_9_at_random_points_loses_and_repeats_nothing(
    tmp_path: Path, feed_server: FakeFeedServer, slack_api: FakeSlackApi, database_url: str, seed: int
) -> None:
    """Two ``poll --once`` runs (five events, then a toll update), each killed -9 at a seeded random
    point and restarted until the outbox is drained, the dead run's claims expired in between as five
    minutes would: every event is in Slack once, the toll reply once under its post, the post edited."""
    rng = random.Random(seed)
    (tmp_path / "sitrep.toml").write_text(config(feed_server.url(FEED)), encoding="utf-8")
    for run, body in ((1, FIRST), (2, SECOND)):
        feed_server.set_feed(FEED, body)
        point = KillPoint.choose(rng, run)
        state = await run_killed(tmp_path, feed_server, slack_api, database_url, point)
        restarts = 0
        while restarts == 0 or not await all_sent(database_url):
            restarts += 1
            assert restarts <= 4, await outbox_rows(database_url)
            await expire_claims(database_url)
            await poll_once(tmp_path, slack_api, database_url)
        result = tally(slack_api, PLACES, toll=run == 2)
        report(
            "kill9",
            db_name(database_url),
            f"seed={seed}",
            f"point=[{point}]",
            f"at_kill=[{state}]",
            f"restarts={restarts}",
            f"lost={result.lost}",
            f"duplicated={result.duplicated}",
            f"checks={len(slack_api.calls_to('conversations.history'))}+"
            f"{len(slack_api.calls_to('conversations.replies'))}",
        )
        assert (result.lost, result.duplicated) == (0, 0), f"seed {seed}, {point}: {result.detail}"


async def start_replicas(
    n: int, tmp_path: Path, slack: FakeSlackApi, database_url: str
) -> tuple[list[Bot], Bot]:
    """``n`` replicas in HTTP mode, started together; all of them and the one that leads (one
    process on SQLite leads without a lease)."""
    bots = list(await asyncio.gather(*(Bot.start(tmp_path, slack, database_url) for _ in range(n))))
    await asyncio.gather(*(b.wait_log("HTTP mode") for b in bots))
    if n == 1:
        return bots, bots[0]
    leaders = [b for b in bots if b.said("now leads polling")]
    assert len(leaders) == 1, ["".join(b.log) for b in bots]
    return bots, leaders[0]


async def quiet(slack: FakeSlackApi, seconds: float = 3.0, *, within: float = 60.0) -> None:
    """Until Slack has had no call for ``seconds``: whatever was in flight has landed."""
    async with asyncio.timeout(within):
        while True:
            calls = len(slack.calls)
            await asyncio.sleep(seconds)
            if len(slack.calls) == calls:
                return


def needs_postgres(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("replicas share a PostgreSQL database; SQLite allows one poller")


@pytest.mark.postgres
@pytest.mark.parametrize("seed", REPLICA_SEEDS)
async def test_three_replicas_with_a_slow_slack_lose_their_leader_and_nothing_else(
    tmp_path: Path, feed_server: FakeFeedServer, slack_api: FakeSlackApi, database_url: str, seed: int
) -> None:
    """Three replicas, every Slack call 0.3 s slow; the leader is killed -9 at a seeded moment after
    its round picked up new events: a survivor polls within 30 s of the kill (#17's target; failover
    time measured to its first feed request), and each event is in Slack once, the toll reply once, in
    its thread."""
    needs_postgres(database_url)
    rng = random.Random(seed)
    slack_api.latency = 0.3
    (tmp_path / "sitrep.toml").write_text(config(feed_server.url(FEED), interval=2), encoding="utf-8")
    feed_server.set_feed(FEED, rss(EVENTS[0][1], EVENTS[1][1]))
    bots, leader = await start_replicas(3, tmp_path, slack_api, database_url)
    try:
        await slack_api.wait_messages(CHANNEL, 2, within=30)
        polled = len(feed_server.requests_to(FEED))
        feed_server.set_feed(FEED, SECOND)
        await feed_server.wait_requests(FEED, polled + 1, within=20)
        delay = round(rng.uniform(0.0, 3.0), 2)
        await asyncio.sleep(delay)  # the seeded kill moment: in triage, recording or delivery
        killed_at, killed_utc = time.monotonic(), datetime.now(UTC)
        before_kill = len(feed_server.requests_to(FEED))
        await leader.kill()
        after = await feed_server.wait_requests(FEED, before_kill + 1, within=30)
        failover = after[before_kill].at - killed_at
        await quiet(slack_api)
        expired = await expire_claims(database_url, claimed_before=killed_utc)
        await slack_api.wait_messages(CHANNEL, 6, within=40)
        await quiet(slack_api)
        result = tally(slack_api, PLACES, toll=True)
        report(
            "replicas3",
            db_name(database_url),
            f"seed={seed}",
            f"kill_delay={delay}",
            f"failover={failover:.2f}",
            f"dead_claims_expired={expired}",
            f"lost={result.lost}",
            f"duplicated={result.duplicated}",
        )
        assert failover < 30, failover
        assert (result.lost, result.duplicated) == (0, 0), f"seed {seed}: {result.detail}"
        assert await all_sent(database_url)
    finally:
        for bot in bots:
            await bot.kill()


STORM_RETRY_AFTER = (2, "1.5", http_date_in(2))
"""Integer seconds, a fraction and an HTTP date, in turn."""
ROUND_EVERY = 15.0
"""The serve process's poll round (``Poller(round_every=15)``); a feed with a shorter interval is
polled at every round."""


async def storm_trial(
    replicas: int, tmp_path: Path, feed_server: FakeFeedServer, slack: FakeSlackApi, database_url: str
) -> None:
    (tmp_path / "sitrep.toml").write_text(config(feed_server.url(FEED), interval=2), encoding="utf-8")
    feed_server.set_feed(FEED, rss(*(item for _, item in EVENTS[:3])))
    slack.start_storm("chat.postMessage", STORM_RETRY_AFTER)
    storm_from = time.monotonic()
    bots, leader = await start_replicas(replicas, tmp_path, slack, database_url)
    try:
        # The first round queues three alerts into the storm; the next must come on time and queue
        # the rest while the first three are still being refused.
        await leader.wait_log("Slack message(s) queued", within=30)
        feed_server.set_feed(FEED, SECOND)
        first = len(feed_server.requests_to(FEED))
        requests = await feed_server.wait_requests(FEED, first + 1, within=ROUND_EVERY + 5)
        await leader.wait_log("Slack message(s) queued", count=2, within=20)
        refused_by_then = len(slack.storm_answers)
        storm_until = time.monotonic()
        in_storm = [r.at for r in requests if storm_from <= r.at <= storm_until]
        gaps = [b - a for a, b in itertools.pairwise(in_storm)]
        slack.end_storm("chat.postMessage")
        assert refused_by_then > 0
        await drained(database_url, within=100)  # 5 posts, and the toll as a reply or folded in
        drained_in = time.monotonic() - storm_until
        await quiet(slack)
        result = tally(slack, PLACES, toll=True)
        kinds = {
            "int": sum(a == "2" for a in slack.storm_answers),
            "frac": sum(a == "1.5" for a in slack.storm_answers),
            "date": sum(a.endswith("GMT") for a in slack.storm_answers),
        }
        report(
            "storm",
            db_name(database_url),
            f"replicas={replicas}",
            f"storm={storm_until - storm_from:.1f}s",
            f"429s={len(slack.storm_answers)}",
            f"retry_after={kinds}",
            f"polls_in_storm={len(in_storm)}",
            f"max_gap={max(gaps, default=0):.2f}",
            f"drained_after={drained_in:.1f}s",
            f"lost={result.lost}",
            f"duplicated={result.duplicated}",
        )
        assert len(in_storm) >= 2 and max(gaps) <= ROUND_EVERY + 2, gaps
        assert (result.lost, result.duplicated) == (0, 0), result.detail
        assert await all_sent(database_url)
    finally:
        for bot in bots:
            await bot.kill()


async def test_a_429_storm_delays_alerts_but_never_polling_and_loses_none(
    tmp_path: Path, feed_server: FakeFeedServer, slack_api: FakeSlackApi, database_url: str
) -> None:
    """One serve process; Slack answers every post with 429 (Retry-After 2, then 1.5, then an HTTP
    date) from start-up until a second poll round has come: the rounds come on time (no gap beyond the
    15 s round), and after the storm every alert is in Slack once, the toll reply in its thread. On
    SQLite in ``make test`` (PostgreSQL has the three-replica storm); both with SITREP_FULL_SWEEP=1."""
    if database_url.startswith("postgresql") and not os.environ.get("SITREP_FULL_SWEEP"):
        pytest.skip("make test runs the single-process storm on SQLite; SITREP_FULL_SWEEP=1 runs both")
    await storm_trial(1, tmp_path, feed_server, slack_api, database_url)


@pytest.mark.postgres
async def test_a_429_storm_against_three_replicas_loses_and_repeats_nothing(
    tmp_path: Path, feed_server: FakeFeedServer, slack_api: FakeSlackApi, database_url: str
) -> None:
    """The same storm against three replicas all draining one outbox: polling keeps time, every
    alert lands once."""
    needs_postgres(database_url)
    await storm_trial(3, tmp_path, feed_server, slack_api, database_url)
