"""Triage: from a batch of new feed items to incidents and the Slack messages they call for.

Pure: given the new items, the watchlists, a matcher, the open incidents and ``now``, it returns a
``Plan`` — the items to record as seen, the incidents created or changed, and the outbox entries
(post, threaded reply, edit). The storage adapter applies a plan in one transaction, which is what
makes "an item is marked seen only once its alert is in the outbox" hold.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal, Protocol

from bot.core.alerts import AlertContent, AlertSource, SlackMessage, compose_alert, compose_update
from bot.core.clustering import DEFAULT_POLICY, ClusterPolicy, content_tokens, find_incident
from bot.core.figures import Casualties, Category
from bot.core.incidents import Incident, Source, absorb, incident_key, raised
from bot.core.items import FeedItem
from bot.core.matching import HitKind, Match
from bot.core.normalize import normalize
from bot.core.summary import summarise
from bot.core.watchlists import Watchlist

OutboxKind = Literal["post", "reply", "edit"]


class TextMatcher(Protocol):
    def match(self, title: str, summary: str, *, link: str | None = None) -> list[Match]: ...


Extractor = Callable[[str, str], Casualties]


@dataclass(frozen=True, slots=True)
class MessageFacts:
    """What a queued message reports, kept beside it: the watchlist it is for, the incident's figures
    as shown once it is delivered (None: no figure shown), and the links of the feed items it
    reports (for a post the lead item first; for a reply or an edit the items that caused it).

    The replay's JSON log (``run.py demo --json``) and any audit of what was posted read this."""

    watchlist: str = ""
    figures: tuple[tuple[str, int | None], ...] | None = None
    links: tuple[str, ...] = ()

    def merged(self, newer: MessageFacts) -> MessageFacts:
        """The facts of a message that a newer one replaces before it is sent (coalescing)."""
        return MessageFacts(
            watchlist=newer.watchlist or self.watchlist,
            figures=newer.figures,
            links=tuple(dict.fromkeys((*self.links, *newer.links))),
        )


def shown_figures(casualties: Casualties) -> tuple[tuple[str, int | None], ...] | None:
    """The figures an alert shows, per category, or None when it shows none."""
    if not casualties.headlines:
        return None
    return tuple((c.value, casualties.value(c)) for c in Category)


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    incident_key: str
    kind: OutboxKind
    channel: str
    message: SlackMessage
    trigger: tuple[str, str] = ("", "")
    """(feed id, item id) of the report that caused this message."""
    facts: MessageFacts = field(default_factory=MessageFacts)


@dataclass(frozen=True, slots=True)
class Plan:
    seen: tuple[FeedItem, ...] = ()
    incidents: tuple[Incident, ...] = ()
    links: tuple[tuple[str, str, str], ...] = ()
    """(incident key, feed id, item id) for every report that joined an incident."""
    outbox: tuple[OutboxEntry, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.seen or self.incidents or self.outbox)


def passes_thresholds(watchlist: Watchlist, casualties: Casualties) -> bool:
    """True when the watchlist sets no threshold or the figures reach them."""
    checks = [
        (limit, casualties.value(cat))
        for limit, cat in (
            (watchlist.min_killed, Category.KILLED),
            (watchlist.min_wounded, Category.WOUNDED),
            (watchlist.min_displaced, Category.DISPLACED),
            (watchlist.min_missing, Category.MISSING),
        )
        if limit is not None
    ]
    if not checks:
        return True
    met = [value is not None and value >= limit for limit, value in checks]
    return any(met) if watchlist.thresholds_any else all(met)


def display_terms(match: Match) -> tuple[str, ...]:
    """Why it matched, in the watchlist's own words: 'Idlib (Saraqib)', 'airstrike', 'truce'.

    Each watch term once, in order of first appearance; a region hit through another spelling or a
    place inside it shows what the text said in brackets.
    """
    out: dict[str, None] = {}
    spans: set[tuple[int, int]] = set()
    for hit in sorted((*match.regions, *match.keywords), key=lambda h: h.start):
        if (hit.start, hit.end) in spans:
            continue  # two watch terms for the same words ("airstrike", "air strike")
        spans.add((hit.start, hit.end))
        term = normalize(hit.term)
        if hit.kind is HitKind.REGION and term not in normalize(hit.surface):
            out.setdefault(f"{hit.term} ({hit.surface})", None)
        else:
            out.setdefault(hit.term, None)
    return tuple(out)


def alert_content(incident: Incident) -> AlertContent:
    return AlertContent(
        watchlist=incident.watchlist,
        place=incident.place,
        casualties=incident.casualties,
        title=incident.title,
        summary=incident.summary,
        terms=incident.terms,
        sources=tuple(AlertSource(name=s.name, link=s.link, published=s.published) for s in incident.sources),
        first_seen=incident.first_seen,
        updated=incident.updated if len(incident.sources) > 1 else None,
        key=incident.key,
    )


@dataclass
class _Batch:
    """Mutable working state while one plan is built; never escapes ``triage``."""

    open: dict[str, Incident]
    changed: dict[str, Incident] = field(default_factory=dict)
    links: list[tuple[str, str, str]] = field(default_factory=list)
    outbox: list[OutboxEntry] = field(default_factory=list)

    def put(self, incident: Incident) -> None:
        self.open[incident.key] = incident
        self.changed[incident.key] = incident


def triage(
    items: Iterable[FeedItem],
    *,
    watchlists: Sequence[Watchlist],
    matcher: TextMatcher,
    extract: Extractor,
    open_incidents: Iterable[Incident],
    source_names: Mapping[str, str],
    now: datetime,
    policy: ClusterPolicy = DEFAULT_POLICY,
) -> Plan:
    by_name = {w.name: w for w in watchlists}
    batch = _Batch(open={i.key: i for i in open_incidents})
    ordered = sorted(items, key=lambda i: (i.published, i.feed_id, i.id))
    for item in ordered:
        matches = [
            m for m in matcher.match(item.title, item.summary, link=item.link) if m.watchlist in by_name
        ]
        if not matches:
            continue
        casualties = extract(item.title, item.summary)
        tokens = content_tokens(item.title, item.summary)
        source = Source(
            feed_id=item.feed_id,
            item_id=item.id,
            name=source_names.get(item.feed_id, item.feed_id),
            link=item.link,
            published=item.published,
        )
        for match in matches:
            # Every report for a watchlist names its region: those words cannot tell incidents apart.
            region_words = content_tokens(
                *(h.surface for h in match.regions), *(h.term for h in match.regions)
            )
            distinctive = tokens - region_words
            _route(batch, by_name[match.watchlist], match, item, source, casualties, distinctive, now, policy)
    return Plan(
        seen=tuple(ordered),
        incidents=tuple(batch.changed.values()),
        links=tuple(batch.links),
        outbox=tuple(batch.outbox),
    )


def _route(
    batch: _Batch,
    watchlist: Watchlist,
    match: Match,
    item: FeedItem,
    source: Source,
    casualties: Casualties,
    tokens: frozenset[str],
    now: datetime,
    policy: ClusterPolicy,
) -> None:
    existing = find_incident(
        batch.open.values(),
        watchlist=watchlist.name,
        published=item.published,
        tokens=tokens,
        casualties=casualties,
        title=item.title,
        policy=policy,
    )
    if existing is None:
        incident = Incident(
            key=incident_key(watchlist.name, item.feed_id, item.id),
            watchlist=watchlist.name,
            place=match.where,
            title=item.title,
            summary=summarise(item.title, item.summary),
            casualties=replace(casualties, figures=()),
            terms=display_terms(match),
            sources=(source,),
            tokens=tokens,
            first_seen=item.published,
            updated=item.published,
        )
        batch.links.append((incident.key, item.feed_id, item.id))
        batch.put(_maybe_post(batch, watchlist, incident, now, source.key))
        return
    updated = absorb(existing, source, casualties, display_terms(match))
    batch.links.append((existing.key, item.feed_id, item.id))
    if not existing.alerted:
        batch.put(_maybe_post(batch, watchlist, updated, now, source.key))
        return
    grew = raised(existing.casualties, updated.casualties)
    new_source = len(updated.sources) > len(existing.sources)
    if grew or new_source:
        content = alert_content(updated)
        facts = MessageFacts(
            watchlist.name, shown_figures(updated.casualties), (item.link,) if item.link else ()
        )
        for channel in watchlist.channels:
            if grew:
                reply = compose_update(existing.casualties, content, content.sources[-1], now=now)
                if reply is not None:
                    batch.outbox.append(OutboxEntry(updated.key, "reply", channel, reply, source.key, facts))
            edit = compose_alert(content, now=now)
            batch.outbox.append(OutboxEntry(updated.key, "edit", channel, edit, source.key, facts))
    batch.put(updated)


def _maybe_post(
    batch: _Batch, watchlist: Watchlist, incident: Incident, now: datetime, trigger: tuple[str, str]
) -> Incident:
    """Queue the first alert when the watchlist is live and its thresholds are met."""
    if watchlist.is_muted(now) or not passes_thresholds(watchlist, incident.casualties):
        return incident
    message = compose_alert(alert_content(incident), now=now)
    links = tuple(dict.fromkeys(s.link for s in incident.sources if s.link))
    facts = MessageFacts(watchlist.name, shown_figures(incident.casualties), links)
    for channel in watchlist.channels:
        batch.outbox.append(OutboxEntry(incident.key, "post", channel, message, trigger, facts))
    return replace(incident, alerted=True)
