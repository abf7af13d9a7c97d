"""Scoring a replayed alert stream against a labelled window (pure: rows and labels in, figures out).

The replay is the list of JSON objects ``run.py demo --once --json`` printed, one per Slack message
(``bot/replay_log.py``). Only the window's watchlist is scored, in its first channel. Definitions
(README.md in this folder says the same in prose):

* **posts per day** — top-level alert posts in the channel, divided by the window's days.
* **push precision** — posts whose lead item (a post's first link) is labelled ``push``.
* **on-time recall** — push events (events with at least one ``push`` item) with a post whose lead
  item reports the event, sent within 30 minutes of the event's first push report (replay time).
* **duplicate rate** — posts whose lead item's event already had a post in the channel.
* **wrong-merge rate** — items attached to an incident (reported by its replies and edits, or folded
  into its post) whose event differs from its lead item's, or that either has no event.
* **headline figures right** — incidents whose last shown figures equal the lead event's latest
  credible toll in every category (``toll`` or a ``toll_alternatives`` value), over the incidents that
  show a figure or whose event has a toll.
* **digest coverage** — ``digest`` items listed in some digest message.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from eval.stream.windows import CATEGORIES, EventLabel, ItemLabel, WindowLabels

ON_TIME = timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class Ratio:
    hits: int
    total: int

    @property
    def value(self) -> float | None:
        return self.hits / self.total if self.total else None

    def __str__(self) -> str:
        v = self.value
        return "—" if v is None else f"{v:.2f} ({self.hits}/{self.total})"


@dataclass(frozen=True, slots=True)
class Post:
    incident: str
    at: datetime
    links: tuple[str, ...]

    @property
    def lead(self) -> str | None:
        return self.links[0] if self.links else None


@dataclass(frozen=True, slots=True)
class StreamScore:
    window: str
    days: int
    posts: int
    push_precision: Ratio
    on_time_recall: Ratio
    duplicate_rate: Ratio
    wrong_merge_rate: Ratio
    figures_right: Ratio
    digest_coverage: Ratio
    posted_recall: Ratio
    """Push events with a post at any time (a softer companion to on-time recall)."""
    lead_tiers: Mapping[str, int] = field(default_factory=dict)
    """Posts by their lead item's label: push, digest, no, unlabelled."""
    replies: int = 0
    edits: int = 0
    digests: int = 0
    details: Mapping[str, Sequence[str]] = field(default_factory=dict)
    """What went wrong, item by item (only for reading dev windows)."""

    @property
    def posts_per_day(self) -> float:
        return self.posts / self.days if self.days else 0.0

    def as_dict(self) -> dict[str, Any]:
        def r(x: Ratio) -> dict[str, Any]:
            return {"value": None if x.value is None else round(x.value, 4), "hits": x.hits, "total": x.total}

        return {
            "window": self.window,
            "days": self.days,
            "posts": self.posts,
            "posts_per_day": round(self.posts_per_day, 2),
            "push_precision": r(self.push_precision),
            "on_time_recall": r(self.on_time_recall),
            "posted_recall": r(self.posted_recall),
            "duplicate_rate": r(self.duplicate_rate),
            "wrong_merge_rate": r(self.wrong_merge_rate),
            "figures_right": r(self.figures_right),
            "digest_coverage": r(self.digest_coverage),
            "lead_tiers": dict(self.lead_tiers),
            "replies": self.replies,
            "edits": self.edits,
            "digests": self.digests,
        }


def _at(raw: str) -> datetime:
    return datetime.fromisoformat(raw)


def channel_rows(rows: Iterable[Mapping[str, Any]], watchlist: str) -> list[Mapping[str, Any]]:
    """The window watchlist's messages in its first channel, in the order they were sent."""
    mine = [r for r in rows if r.get("watchlist") == watchlist]
    if not mine:
        return []
    channel = mine[0].get("channel")
    return [r for r in mine if r.get("channel") == channel]


def score_stream(
    rows: Sequence[Mapping[str, Any]],
    labels: WindowLabels,
    published: Mapping[str, datetime],
    *,
    details: bool = False,
) -> StreamScore:
    """Score one window. ``published`` gives each labelled link's publication time."""
    w = labels.window
    items, events = labels.items, labels.events
    mine = channel_rows(rows, w.watchlist)
    posts: list[Post] = []
    attached: dict[str, list[str]] = defaultdict(list)
    last_figures: dict[str, Mapping[str, int | None] | None] = {}
    digest_links: set[str] = set()
    counts = {"reply": 0, "edit": 0, "digest": 0}
    for r in mine:
        kind, key, links = r.get("kind"), r.get("incident"), tuple(r.get("links") or ())
        if kind == "digest":
            counts["digest"] += 1
            digest_links.update(links)
            continue
        if not isinstance(key, str):
            continue
        if kind == "post":
            posts.append(Post(key, _at(r["at"]), links))
            attached[key].extend(links[1:])
        else:
            counts[str(kind)] = counts.get(str(kind), 0) + 1
            attached[key].extend(links)
        last_figures[key] = r.get("figures")
    why: dict[str, list[str]] = defaultdict(list)

    def event_of(link: str | None) -> str | None:
        label = items.get(link) if link else None
        return label.event if label else None

    def describe(link: str | None) -> str:
        label = items.get(link) if link else None
        if label is None:
            return f"{link} [unlabelled]"
        return f"{link} [{label.tier} {label.event}]"

    # Push precision and the lead tiers.
    lead_tiers: dict[str, int] = defaultdict(int)
    for p in posts:
        label = items.get(p.lead) if p.lead else None
        tier = label.tier if label else "unlabelled"
        lead_tiers[tier] += 1
        if details and tier != "push":
            why["not push"].append(f"{p.at:%H:%M} {describe(p.lead)}")
    push_posts = lead_tiers.get("push", 0)

    # On-time recall over push events.
    first_push: dict[str, datetime] = {}
    for label in items.values():
        if label.tier == "push" and label.event and label.link in published:
            t = published[label.link]
            if label.event not in first_push or t < first_push[label.event]:
                first_push[label.event] = t
    posted_at: dict[str, list[datetime]] = defaultdict(list)
    for p in posts:
        e = event_of(p.lead)
        if e is not None:
            posted_at[e].append(p.at)
    on_time = sum(1 for e, t in first_push.items() if any(a <= t + ON_TIME for a in posted_at.get(e, ())))
    posted = sum(1 for e in first_push if posted_at.get(e))
    if details:
        for e, t in sorted(first_push.items(), key=lambda kv: kv[1]):
            if not any(a <= t + ON_TIME for a in posted_at.get(e, ())):
                late = min(posted_at[e]) if posted_at.get(e) else None
                when = f"posted {late:%H:%M}" if late else "never posted"
                why["late or missed"].append(f"{e} (first push report {t:%m-%d %H:%M}, {when})")

    # Duplicates.
    seen_events: set[str] = set()
    duplicates = 0
    for p in sorted(posts, key=lambda p: p.at):
        e = event_of(p.lead)
        if e is None:
            continue
        if e in seen_events:
            duplicates += 1
            if details:
                why["duplicate"].append(f"{p.at:%H:%M} {describe(p.lead)}")
        seen_events.add(e)

    # Wrong merges.
    lead_of = {p.incident: p.lead for p in posts}
    merged = wrong = 0
    for key, links in attached.items():
        lead = lead_of.get(key)
        lead_event = event_of(lead)
        for link in dict.fromkeys(links):
            if link == lead:
                continue
            merged += 1
            e = event_of(link)
            if e is None or lead_event is None or e != lead_event:
                wrong += 1
                if details:
                    why["wrong merge"].append(f"{describe(link)} into {describe(lead)}")

    # Headline figures.
    judged = right = 0
    for p in posts:
        shown = last_figures.get(p.incident)
        e = event_of(p.lead)
        event: EventLabel | None = events.get(e) if e else None
        has_toll = event is not None and any(event.toll.get(c) is not None for c in CATEGORIES)
        if not shown and not has_toll:
            continue
        judged += 1
        ok = event is not None and all(event.accepts(c, (shown or {}).get(c)) for c in CATEGORIES)
        right += ok
        if details and not ok:
            toll = dict(event.toll) if event else None
            why["figures"].append(f"{describe(p.lead)} shows {dict(shown) if shown else None}, toll {toll}")

    # Digest coverage.
    digest_items = [label for label in items.values() if label.tier == "digest"]
    listed = sum(1 for label in digest_items if label.link in digest_links)
    if details:
        why["not in a digest"] = [describe(x.link) for x in digest_items if x.link not in digest_links]

    return StreamScore(
        window=w.name,
        days=w.days,
        posts=len(posts),
        push_precision=Ratio(push_posts, len(posts)),
        on_time_recall=Ratio(on_time, len(first_push)),
        duplicate_rate=Ratio(duplicates, len(posts)),
        wrong_merge_rate=Ratio(wrong, merged),
        figures_right=Ratio(right, judged),
        digest_coverage=Ratio(listed, len(digest_items)),
        posted_recall=Ratio(posted, len(first_push)),
        lead_tiers=dict(lead_tiers),
        replies=counts.get("reply", 0),
        edits=counts.get("edit", 0),
        digests=counts["digest"],
        details={k: tuple(v) for k, v in why.items()},
    )


def tier_counts(items: Mapping[str, ItemLabel]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for label in items.values():
        out[label.tier] += 1
    return dict(out)
