"""What ``GET /healthz`` says: ok, or degraded and why.

A load balancer or an uptime check reads the status code: 200 when the bot is doing its job, 503 when
it is not — the scheduler stopped, the database unreachable, or most feeds failing (a bot that polls
nothing useful is not healthy, even if the process is up). The body says which, for a person. Pure.

A paused feed (too many failures, waiting for an admin) is no longer polled but still counts as a
failing feed: pausing stops the useless requests, it does not fix the feed, so a bot whose feeds
are mostly paused is degraded all the same. The body counts them apart (``paused_feeds``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

FAILING_SHARE = 0.5
"""More than this share of the polled feeds failing makes the bot degraded."""


@dataclass(frozen=True, slots=True)
class FeedHealth:
    polled: bool
    failing: bool
    paused: bool = False


def health_report(
    *,
    scheduler_running: bool,
    feeds: list[FeedHealth] | None,
    outbox: Mapping[str, int] | None,
    database_error: str | None = None,
    leader: bool | None = None,
) -> dict[str, Any]:
    """The /healthz body; ``ok`` decides the status code. ``feeds``/``outbox`` None: not readable.

    ``leader`` says whether this process leads polling; a replica standing by is healthy (it
    delivers and answers commands), so it is reported, never counted as a problem."""
    problems: list[str] = []
    if not scheduler_running:
        problems.append("the scheduler is not running: nothing is polled or delivered")
    if database_error is not None:
        problems.append(f"the database does not answer ({database_error})")
    polled = [f for f in feeds or [] if f.polled or f.paused]
    failing = sum(f.failing or f.paused for f in polled)
    paused = sum(f.paused for f in polled)
    if polled and failing > FAILING_SHARE * len(polled):
        also = f" ({paused} of them paused)" if paused else ""
        problems.append(f"{failing} of {len(polled)} polled feeds are failing{also}")
    body: dict[str, Any] = {
        "ok": not problems,
        "status": "ok" if not problems else "degraded",
        "problems": problems,
    }
    if leader is not None:
        body["leader"] = leader
    if feeds is not None:
        body.update(feeds=len(feeds), failing_feeds=failing, paused_feeds=paused)
    if outbox is not None:
        body["outbox"] = dict(outbox)
    return body


__all__ = ["FAILING_SHARE", "FeedHealth", "health_report"]
