"""Rehearsal: what a watchlist would have alerted on, replayed over items already stored.

``/watch test NAME 7d`` runs the real triage — matching, figures, clustering, thresholds — over
the stored items of the period with an empty incident table, and reports which incidents would
have been posted and which the thresholds held back. A mute is ignored: the point is to see what
the watchlist's terms catch. Nothing is written anywhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from bot.core.casualties import extract_casualties
from bot.core.clustering import DEFAULT_POLICY, ClusterPolicy
from bot.core.incident_query import incident_line
from bot.core.incidents import Incident
from bot.core.items import FeedItem
from bot.core.slack_text import escape
from bot.core.triage import TextMatcher, triage
from bot.core.watchlists import Watchlist

SHOWN = 10


@dataclass(frozen=True, slots=True)
class Rehearsal:
    watchlist: Watchlist
    since: datetime
    scanned: int
    matched: int
    """Items that matched the watchlist and joined an incident."""
    alerts: tuple[Incident, ...]
    """Incidents that would have been posted, newest first."""
    held: tuple[Incident, ...]
    """Incidents the thresholds held back, newest first."""
    truncated: bool = False
    """More items were stored in the period than were replayed (the newest were)."""


def rehearse(
    items: Sequence[FeedItem],
    watchlist: Watchlist,
    matcher: TextMatcher,
    *,
    since: datetime,
    now: datetime,
    source_names: Mapping[str, str],
    policy: ClusterPolicy = DEFAULT_POLICY,
    truncated: bool = False,
) -> Rehearsal:
    live = replace(watchlist, muted=False, muted_until=None)
    plan = triage(
        items,
        watchlists=(live,),
        matcher=matcher,
        extract=extract_casualties,
        open_incidents=(),
        source_names=source_names,
        now=now,
        policy=policy,
    )
    newest_first = sorted(plan.incidents, key=lambda i: (i.updated, i.key), reverse=True)
    return Rehearsal(
        watchlist=watchlist,
        since=since,
        scanned=len(items),
        matched=len({(feed, item) for _, feed, item in plan.links}),
        alerts=tuple(i for i in newest_first if i.alerted),
        held=tuple(i for i in newest_first if not i.alerted),
        truncated=truncated,
    )


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def describe_rehearsal(r: Rehearsal, *, now: datetime, shown: int = SHOWN) -> str:
    """The reply to ``/watch test``: the counts, then the alerts that would have been posted."""
    name = escape(r.watchlist.name)
    head = (
        f"*Test of {name}* since {r.since:%Y-%m-%d %H:%M} UTC: {_plural(r.scanned, 'stored item')} scanned,"
        f" {r.matched:,} matched, *{_plural(len(r.alerts), 'alert')}* would have been posted"
    )
    if r.held:
        head += f", {len(r.held):,} held back by the thresholds"
    lines = [head + "."]
    if r.truncated:
        lines.append(f"Only the newest {r.scanned:,} stored items were replayed; try a shorter period.")
    if r.watchlist.is_muted(now):
        lines.append("The watchlist is muted now; this test ignores the mute.")
    if r.scanned == 0:
        lines.append(
            "Nothing was stored in that period: the feeds had nothing new, or the bot was not running."
        )
    for incident in r.alerts[:shown]:
        lines.append(incident_line(incident, now=now))
    if len(r.alerts) > shown:
        lines.append(f"…and {len(r.alerts) - shown:,} more.")
    if r.held and not r.alerts:
        lines.append("Held back (below the thresholds):")
        lines.extend(incident_line(i, now=now) for i in r.held[:3])
    return "\n".join(lines)
