"""Triage: from a round's new feed items to tiers, incidents and the Slack messages they call for.

Pure: given the new items, the watchlists, a matcher, the open incidents and ``now``, it returns a
``Plan`` — the items to record as seen, the tier of every item for every watchlist that it names,
the incidents created or changed, the items held for the digest, and the outbox entries (post,
threaded reply, edit). The storage adapter applies a plan in one transaction, which is what makes
"an item is marked seen only once its alert (or its digest entry) is stored" hold.

Per item, in publication order (so the earliest report of an event leads it):

1. The same article seen before — a re-issued GUID, a tracking parameter — is not a new report.
2. Each watchlist whose region it names gives it a tier (``bot.core.tiers``): push, digest or drop.
3. A push item is a report of an open incident's event (``bot.core.incidents.same_event``) or of a
   new one. A new event posts — unless the thresholds, the quiet hours, the hourly limit or a mute
   hold it for the digest. A report of a tracked event joins it: an edit, and a threaded toll
   update when its own figures raise the toll. An earlier report arriving late takes the lead.
4. A digest item waits in the store for the watchlist's next digest; so does a reaction to an
   event already tracked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Literal, Protocol

from bot.core.alerts import AlertContent, AlertSource, SlackMessage, compose_alert, compose_update
from bot.core.digests.schedule import is_quiet
from bot.core.figures import Casualties, Category
from bot.core.headline import HeadlineReading, read_headline
from bot.core.headline.reading import main_clause
from bot.core.incidents.model import Claim, Incident, Source, incident_key
from bot.core.incidents.places import PlaceHints
from bot.core.incidents.same_event import DEFAULT_POLICY, EventPolicy, GenericWords, find_event
from bot.core.incidents.signature import EventSignature, build_signature
from bot.core.incidents.stories import story_key
from bot.core.incidents.tolls import disagreement, disputed_by, merge, own_casualties, raised, said_by
from bot.core.items import FeedItem, RecordedItem
from bot.core.matching import HitKind, Match, Survey
from bot.core.normalize import normalize
from bot.core.summary import summarise
from bot.core.tiers import Tier, TierDecision, tier_of
from bot.core.tiers.severity import severity
from bot.core.watchlists import Watchlist

OutboxKind = Literal["post", "reply", "edit", "digest"]


class TextMatcher(Protocol):
    def match(self, title: str, summary: str, *, link: str | None = None) -> list[Match]: ...

    def survey(self, title: str, summary: str, *, link: str | None = None) -> list[Survey]: ...


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
class ItemTier:
    """What became of one item for one watchlist: its tier, why, and the incident it joined."""

    feed_id: str
    item_id: str
    watchlist: str
    tier: Tier
    reasons: tuple[str, ...]
    title: str = ""
    link: str | None = None
    incident_key: str | None = None

    @property
    def why(self) -> str:
        return "; ".join(self.reasons)


@dataclass(frozen=True, slots=True)
class DigestEntry:
    """An item waiting for its watchlist's next digest, with why it did not ping."""

    watchlist: str
    feed_id: str
    item_id: str
    title: str
    link: str | None
    outlet: str
    published: datetime
    reason: str
    story: str
    """Items of one story share this (their event's place, kind and anchors)."""


@dataclass(frozen=True, slots=True)
class Plan:
    seen: tuple[FeedItem, ...] = ()
    incidents: tuple[Incident, ...] = ()
    links: tuple[tuple[str, str, str], ...] = ()
    """(incident key, feed id, item id) for every report that joined an incident."""
    outbox: tuple[OutboxEntry, ...] = ()
    tiers: tuple[ItemTier, ...] = ()
    digest: tuple[DigestEntry, ...] = ()
    repeats: int = 0
    """Items that were articles already seen (re-issued GUIDs, new tracking parameters)."""
    stories: tuple[tuple[str, str, str], ...] = ()
    """(feed id, item id, story key) of every item seen, so the article is known next time."""

    @property
    def is_empty(self) -> bool:
        return not (self.seen or self.incidents or self.outbox or self.digest)


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
        why=incident.why,
        toll_note=disagreement(incident.claims),
    )


def story_of(signature: EventSignature, story: str) -> str:
    """A digest's grouping key for items of one story: where and its sites and names (the hospital,
    al-Ahli); an item with no site or name of its own stands alone (its article's ``story``)."""
    if not signature.anchors:
        return f"item:{story}"
    return f"{signature.place_key}|{','.join(sorted(signature.anchors)[:3])}"


@dataclass(frozen=True, slots=True)
class _Report:
    """One item as a report of an event for one watchlist."""

    item: FeedItem
    source: Source
    survey: Survey
    reading: HeadlineReading
    decision: TierDecision
    signature: EventSignature
    casualties: Casualties
    claim: Claim


@dataclass
class _Batch:
    """Mutable working state while one plan is built; never escapes ``triage``."""

    open: dict[str, Incident]
    now: datetime
    policy: EventPolicy
    posts: dict[str, list[datetime]]
    places: PlaceHints
    changed: dict[str, Incident] = field(default_factory=dict)
    links: list[tuple[str, str, str]] = field(default_factory=list)
    outbox: list[OutboxEntry] = field(default_factory=list)
    tiers: list[ItemTier] = field(default_factory=list)
    digest: list[DigestEntry] = field(default_factory=list)
    generic: dict[str, GenericWords] = field(default_factory=dict)
    """Per watchlist, the words of its open incidents' events and of the round's reports so far
    (``generic_words``, counted as they come)."""
    by_watchlist: dict[str, dict[str, Incident]] = field(default_factory=dict)
    """``open`` per watchlist, in the same order (a round of thousands of reports asks often)."""

    def __post_init__(self) -> None:
        for incident in self.open.values():
            self._index(incident, None)

    def put(self, incident: Incident) -> None:
        old = self.open.get(incident.key)
        self.open[incident.key] = incident
        self.changed[incident.key] = incident
        self._index(incident, old)

    def _index(self, incident: Incident, old: Incident | None) -> None:
        if old is not None:
            if old.watchlist != incident.watchlist:
                del self.by_watchlist[old.watchlist][old.key]
            if old.event is not None:
                self.words(old.watchlist).remove(old.event)
        self.by_watchlist.setdefault(incident.watchlist, {})[incident.key] = incident
        if incident.event is not None:
            self.words(incident.watchlist).add(incident.event)

    def words(self, watchlist: str) -> GenericWords:
        found = self.generic.get(watchlist)
        if found is None:
            found = self.generic[watchlist] = GenericWords(self.policy)
        return found

    def of(self, watchlist: str) -> list[Incident]:
        return list(self.by_watchlist.get(watchlist, {}).values())


def triage(
    items: Iterable[FeedItem],
    *,
    watchlists: Sequence[Watchlist],
    matcher: TextMatcher,
    extract: Extractor,
    open_incidents: Iterable[Incident],
    source_names: Mapping[str, str],
    now: datetime,
    policy: EventPolicy = DEFAULT_POLICY,
    known_stories: frozenset[str] = frozenset(),
    story_keys: Mapping[tuple[str, str], str] | None = None,
    recent_posts: Mapping[str, Sequence[datetime]] | None = None,
    places: PlaceHints | None = None,
    quiet: Iterable[RecordedItem] = (),
) -> Plan:
    """``known_stories``: story keys of articles already seen (``stories.story_key``);
    ``story_keys``: the items' own story keys by (feed id, item id), when the caller has computed
    them already (to ask for ``known_stories``); any missing one is computed here;
    ``recent_posts``: per channel, when its top-level alerts of the last hour went out;
    ``places``: what the gazetteer knows of place names and capitals (``PlaceHints``);
    ``quiet``: new items of the round that name no watched region, recorded ahead of triage (only
    those whose story another item shares matter): they take their place in the story order, so a
    copy published after one of them is a repeat, and one published before it is news."""
    by_name = {w.name: w for w in watchlists}
    batch = _Batch(
        open={i.key: i for i in open_incidents},
        now=now,
        policy=policy,
        posts={ch: list(times) for ch, times in (recent_posts or {}).items()},
        places=places or PlaceHints(),
    )
    hints = batch.places
    everything: list[FeedItem | RecordedItem] = [*items, *quiet]
    ordered = sorted(everything, key=lambda i: (i.published, i.feed_id, i.id))
    stories = set(known_stories)
    story_rows: list[tuple[str, str, str]] = []
    repeats = 0
    for item in ordered:
        if isinstance(item, RecordedItem):
            if item.story in stories:
                repeats += 1
            stories.add(item.story)
            continue
        outlet = source_names.get(item.feed_id, item.feed_id)
        story = story_keys.get((item.feed_id, item.id)) if story_keys else None
        if story is None:
            story = story_key(item.link, item.title, outlet)
        story_rows.append((item.feed_id, item.id, story))
        if story in stories:
            repeats += 1  # the same article again: not a new report, no edit
            continue
        stories.add(story)
        surveys = [
            s for s in matcher.survey(item.title, item.summary, link=item.link) if s.watchlist in by_name
        ]
        if not surveys:
            continue
        reading = read_headline(item.title)
        casualties: Casualties | None = None
        for survey in surveys:
            watchlist = by_name[survey.watchlist]
            decision = tier_of(survey, reading, item.summary)
            if decision.tier is Tier.DROP:
                batch.tiers.append(_tier(item, watchlist, decision.tier, decision.reasons))
                continue
            if casualties is None:
                casualties = extract(item.title, item.summary)
            report = _report(item, outlet, story, survey, reading, decision, casualties, hints)
            _route(batch, watchlist, report)
    return Plan(
        seen=tuple(i for i in ordered if isinstance(i, FeedItem)),
        incidents=tuple(batch.changed.values()),
        links=tuple(batch.links),
        outbox=tuple(batch.outbox),
        tiers=tuple(batch.tiers),
        digest=tuple(batch.digest),
        repeats=repeats,
        stories=tuple(story_rows),
    )


def _report(
    item: FeedItem,
    outlet: str,
    story: str,
    survey: Survey,
    reading: HeadlineReading,
    decision: TierDecision,
    casualties: Casualties,
    hints: PlaceHints,
) -> _Report:
    main = main_clause(item.title)
    at = item.title.find(main) if main else -1
    kind = reading.kind.value if reading.kind is not None else None
    own = own_casualties(casualties, item.title, kind=kind, main=(at, at + len(main)) if at >= 0 else None)
    source = Source(item.feed_id, item.id, outlet, item.link, item.published, story)
    claim = Claim(
        outlet=outlet,
        published=item.published,
        casualties=replace(own, figures=()),
        said_by=said_by(item.title, item.summary, reading.speaker),
        disputed_by=disputed_by(item.title, item.summary),
        link=item.link,
    )
    signature = build_signature(item.title, item.summary, survey.match, reading, hints)
    return _Report(item, source, survey, reading, decision, signature, own, claim)


def _tier(
    item: FeedItem, watchlist: Watchlist, tier: Tier, reasons: tuple[str, ...], key: str | None = None
) -> ItemTier:
    return ItemTier(item.feed_id, item.id, watchlist.name, tier, reasons, item.title, item.link, key)


def _to_digest(batch: _Batch, watchlist: Watchlist, report: _Report, reasons: tuple[str, ...]) -> None:
    item = report.item
    batch.tiers.append(_tier(item, watchlist, Tier.DIGEST, reasons))
    batch.digest.append(
        DigestEntry(
            watchlist=watchlist.name,
            feed_id=item.feed_id,
            item_id=item.id,
            title=item.title,
            link=item.link,
            outlet=report.source.name,
            published=item.published,
            reason="; ".join(reasons),
            story=story_of(report.signature, report.source.story),
        )
    )


def _route(batch: _Batch, watchlist: Watchlist, report: _Report) -> None:
    candidates = batch.of(watchlist.name)
    words = batch.words(watchlist.name)
    words.add(report.signature)
    generic = words.current()
    found = find_event(
        report.signature,
        report.item.published,
        report.casualties,
        candidates,
        generic=generic,
        policy=batch.policy,
        places=batch.places,
        texts=(
            (report.item.title, summarise(report.item.title, report.item.summary))
            if batch.policy.model is not None
            else None
        ),
    )
    decision = report.decision
    if decision.tier is Tier.DIGEST:
        if decision.background_report and found is None:
            # A reaction that is also the first report of what it reacts to: the event is new.
            decision = replace(decision, tier=Tier.PUSH, reasons=("first report of the event it reacts to",))
        else:
            reasons = decision.reasons
            if found is not None:
                reasons = (*reasons, f"about an event already reported ({found[0].place or watchlist.name})")
            _to_digest(batch, watchlist, report, reasons)
            return
    if found is None:
        _new_incident(batch, watchlist, report, decision)
        return
    incident, judgement = found
    _join(batch, watchlist, incident, report, judgement.reasons)


def _facts(watchlist: Watchlist, incident: Incident, links: Iterable[str | None]) -> MessageFacts:
    return MessageFacts(
        watchlist.name, shown_figures(incident.casualties), tuple(dict.fromkeys(x for x in links if x))
    )


def _new_incident(batch: _Batch, watchlist: Watchlist, report: _Report, decision: TierDecision) -> None:
    item, sig = report.item, report.signature
    places = {i.event.place_key for i in batch.of(watchlist.name) if i.event is not None}
    grave = severity(
        sig.kind,
        report.casualties,
        place=sig.place,
        first_from_place=sig.specific and sig.place_key not in places,
    )
    incident = Incident(
        key=incident_key(watchlist.name, item.feed_id, item.id),
        watchlist=watchlist.name,
        place=sig.place or report.survey.match.where,
        title=item.title,
        summary=summarise(item.title, item.summary),
        casualties=replace(report.casualties, figures=()),
        terms=display_terms(report.survey.match),
        sources=(report.source,),
        tokens=sig.tokens,
        first_seen=item.published,
        updated=item.published,
        event=sig,
        claims=(report.claim,),
        why=grave.reasons,
        severity=grave.score,
    )
    batch.links.append((incident.key, item.feed_id, item.id))
    held = _held(batch, watchlist, incident, grave.severe)
    if held is not None:
        incident = replace(incident, held=held)
        batch.tiers.append(_tier(item, watchlist, Tier.DIGEST, (*decision.reasons, held), incident.key))
        batch.put(incident)
        return
    batch.tiers.append(_tier(item, watchlist, Tier.PUSH, decision.reasons, incident.key))
    batch.put(_post(batch, watchlist, incident, report.source.key))


_MUTED = "the watchlist is muted: held for the digest"
_BELOW = "below the watchlist's thresholds"


def _held(batch: _Batch, watchlist: Watchlist, incident: Incident, severe: bool) -> str | None:
    """Why a new event does not ping now, or None when it does."""
    now = batch.now
    if watchlist.is_muted(now):
        return _MUTED
    if not passes_thresholds(watchlist, incident.casualties):
        return _BELOW
    if is_quiet(watchlist, now) and not severe:
        return f"quiet hours ({watchlist.quiet_hours}): held for the digest"
    limit = watchlist.max_posts_per_hour
    if limit is not None:
        hour_ago = now - timedelta(hours=1)
        for channel in watchlist.channels:
            recent = [t for t in batch.posts.get(channel, ()) if t > hour_ago]
            if len(recent) >= limit:
                return f"over the limit of {limit} alerts an hour: held for the digest"
    return None


def _post(batch: _Batch, watchlist: Watchlist, incident: Incident, trigger: tuple[str, str]) -> Incident:
    """Queue the first alert in every channel of the watchlist."""
    posted = replace(incident, alerted=True, held=None)
    message = compose_alert(alert_content(posted), now=batch.now)
    facts = _facts(watchlist, posted, (s.link for s in posted.sources))
    for channel in watchlist.channels:
        batch.outbox.append(OutboxEntry(posted.key, "post", channel, message, trigger, facts))
        batch.posts.setdefault(channel, []).append(batch.now)
    return posted


def _join(
    batch: _Batch, watchlist: Watchlist, incident: Incident, report: _Report, why: tuple[str, ...]
) -> None:
    item, source = report.item, report.source
    batch.links.append((incident.key, item.feed_id, item.id))
    batch.tiers.append(
        _tier(
            item, watchlist, Tier.PUSH, (*report.decision.reasons, "joins: " + "; ".join(why)), incident.key
        )
    )
    known = {s.key for s in incident.sources} | {s.story for s in incident.sources if s.story}
    if source.key in known or (source.story and source.story in known):
        return
    earlier = source.published < incident.lead.published
    # The earliest report leads: a report a late-polled feed brings takes the lead by an edit.
    sources = (source, *incident.sources) if earlier else (*incident.sources, source)
    casualties = merge(incident.casualties, report.casualties)
    updated = replace(
        incident,
        sources=sources,
        claims=(*incident.claims, report.claim),
        casualties=casualties,
        terms=tuple(dict.fromkeys((*incident.terms, *display_terms(report.survey.match)))),
        updated=max(incident.updated, source.published),
        first_seen=min(incident.first_seen, source.published),
        title=item.title if earlier else incident.title,
        summary=summarise(item.title, item.summary) if earlier else incident.summary,
    )
    if not incident.alerted:
        # Held by a mute that has ended, or by thresholds the new toll reaches: the event pings now.
        # Held by quiet hours or the hourly limit: the digest covers it.
        lifted = (incident.held == _MUTED and not watchlist.is_muted(batch.now)) or (
            incident.held == _BELOW and passes_thresholds(watchlist, casualties)
        )
        batch.put(_post(batch, watchlist, updated, source.key) if lifted else updated)
        return
    # A rise told by a report older than the alert is not an update: the edit shows it.
    grew = raised(incident.casualties, casualties) if not earlier else ()
    content = alert_content(updated)
    facts = _facts(watchlist, updated, (item.link,))
    for channel in watchlist.channels:
        if grew:
            new_source = AlertSource(source.name, source.link, source.published)
            reply = compose_update(incident.casualties, content, new_source, now=batch.now)
            if reply is not None:
                batch.outbox.append(OutboxEntry(updated.key, "reply", channel, reply, source.key, facts))
        edit = compose_alert(content, now=batch.now)
        batch.outbox.append(OutboxEntry(updated.key, "edit", channel, edit, source.key, facts))
    batch.put(updated)
