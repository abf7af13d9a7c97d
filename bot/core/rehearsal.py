"""Rehearsal: what a watchlist would have done with items already stored, tier by tier.

``/watch test NAME 7d`` runs the real triage — matching, tiers, events, figures, thresholds — over
the stored items of the period with an empty incident table, and reports which events would have
pinged, which the thresholds held back, which items would have waited for the digest and which
were dropped, each with the reason. A mute is ignored: the point is to see what the watchlist's
terms catch. Nothing is written anywhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from bot.core.casualties import extract_casualties
from bot.core.incident_query import incident_line
from bot.core.incidents import Incident
from bot.core.incidents.places import PlaceHints
from bot.core.incidents.same_event import DEFAULT_POLICY, EventPolicy
from bot.core.items import FeedItem
from bot.core.slack_text import clean, escape, safe_url
from bot.core.tiers import Tier
from bot.core.triage import ItemTier, TextMatcher, triage
from bot.core.watchlists import Watchlist

SHOWN = 10


@dataclass(frozen=True, slots=True)
class Rehearsal:
    watchlist: Watchlist
    since: datetime
    scanned: int
    matched: int
    """Items that name the watchlist's region (or its watch words, without a region): they got a tier."""
    alerts: tuple[Incident, ...]
    """Incidents that would have been posted, newest first."""
    held: tuple[Incident, ...]
    """Incidents the thresholds held back, newest first."""
    truncated: bool = False
    """More items were stored in the period than were replayed (the newest were)."""
    tiers: tuple[ItemTier, ...] = ()
    """Every item's tier for the watchlist, and why."""

    def count(self, tier: Tier) -> int:
        return sum(1 for t in self.tiers if t.tier is tier)


def rehearse(
    items: Sequence[FeedItem],
    watchlist: Watchlist,
    matcher: TextMatcher,
    *,
    since: datetime,
    now: datetime,
    source_names: Mapping[str, str],
    policy: EventPolicy = DEFAULT_POLICY,
    truncated: bool = False,
    places: PlaceHints | None = None,
) -> Rehearsal:
    # The whole period's items as if each arrived on time: quiet hours and the hourly limit are
    # about when a desk is pinged, not what, so the rehearsal leaves them out with the mute.
    live = replace(watchlist, muted=False, muted_until=None, quiet_hours=None, max_posts_per_hour=None)
    plan = triage(
        items,
        watchlists=(live,),
        matcher=matcher,
        extract=extract_casualties,
        open_incidents=(),
        source_names=source_names,
        now=now,
        policy=policy,
        places=places,
    )
    newest_first = sorted(plan.incidents, key=lambda i: (i.updated, i.key), reverse=True)
    return Rehearsal(
        watchlist=watchlist,
        since=since,
        scanned=len(items),
        matched=len({(t.feed_id, t.item_id) for t in plan.tiers}),
        alerts=tuple(i for i in newest_first if i.alerted),
        held=tuple(i for i in newest_first if not i.alerted),
        truncated=truncated,
        tiers=plan.tiers,
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
    lines.append(
        f"Tiers: {r.count(Tier.PUSH):,} push · {r.count(Tier.DIGEST):,} digest · {r.count(Tier.DROP):,} drop"
        " (each item's tier and why below)."
    )
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
    for tier, label in ((Tier.DIGEST, "For the digest"), (Tier.DROP, "Dropped")):
        chosen = [t for t in r.tiers if t.tier is tier]
        if chosen:
            lines.append(f"*{label}* ({len(chosen):,}):")
            lines.extend(tier_line(t) for t in chosen[:shown])
            if len(chosen) > shown:
                lines.append(f"…and {len(chosen) - shown:,} more.")
    return "\n".join(lines)


def tier_line(t: ItemTier) -> str:
    """'• Iran warns of … — a statement, reaction or diplomacy (Iran), not an event report'."""
    title = escape(clean(t.title))[:140]
    shown = f"<{safe_url(t.link)}|{title}>" if t.link and safe_url(t.link) else title
    return f"• {shown} — {escape(t.why)}"
