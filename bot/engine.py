"""The engine: one poll of one feed, and one drain of the outbox. Adapters in, results out.

This is where the pure core (parsing, matching, figures, triage) meets the adapters (fetcher,
store, alert sink). It never raises for one bad feed or one failed Slack call: each outcome is a
return value with a human-readable reason, logged here and kept on the feed's status row.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from bot.adapters.digest_store import DigestMessage
from bot.adapters.fetch import Fetched, Fetcher, NotModified, Validators
from bot.adapters.group_record import GroupRecorder
from bot.adapters.parse_pool import BodyToRead, FeedParser, ThreadParser
from bot.adapters.sink import AlertSink
from bot.adapters.store import FeedOutcome, FeedState, Notice, OutboxRow, Store
from bot.adapters.turns import turn
from bot.core.casualties import extract_casualties
from bot.core.digests.compose import DigestPart, compose_digest
from bot.core.digests.schedule import digest_times_between
from bot.core.feed_health import DEFAULT_PAUSE_AFTER, cache_hold, pause_notice, retry_hold, should_pause
from bot.core.figure_confidence import Extractor
from bot.core.freshness import split_stale
from bot.core.gazetteer import Gazetteer
from bot.core.incidents.places import PlaceHints
from bot.core.incidents.same_event import DEFAULT_POLICY, EventPolicy
from bot.core.incidents.stories import story_key
from bot.core.items import FeedItem
from bot.core.known_surveys import KnownSurveys, survey_items
from bot.core.matching import Match, Survey
from bot.core.parking import FOLLOWS_PARKED, fix_for, parked_notice, problem_key
from bot.core.reader import Reader, ReaderQuestion, ReadMatcher, TextKey, Verdict, question_for
from bot.core.triage import MessageFacts, Plan, TextMatcher, triage
from bot.core.watchlists import Watchlist
from bot.errors import ConfigError, DeliveryError, FeedError, FetchError, StoreError

log = logging.getLogger(__name__)
_MAX_SKIP_LINES = 10
DEFAULT_IN_FLIGHT = 100
"""Feeds of a round between download and survey at once: a bound on the bodies and parsed items
held. Measured at 1,000 feeds (``bench/bench_cycle.py``): 64, 100 and 200 peaked at 155, 157 and
164 MB; no bound, 253 MB. Conditional requests wait for a turn only once a body comes back, so a
steady round of 304s is not queued behind them."""
TURN_HOLD = 5.0
"""Seconds after which a feed still downloading or parsing gives its turn to the next one."""
Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class PollResult:
    feed_id: str
    status: str  # "new", "nothing new", "not modified", "unchanged", "error", "database error"
    items: int = 0
    new_items: int = 0
    alerts: int = 0
    error: str | None = None
    withheld: int = 0
    """Matches the reader (``[reader]``) answered NOT RELEVANT, so no alert was queued for them."""
    paused: bool = False
    """This failure paused the feed (and queued the admin channel's notice)."""
    tiers: tuple[tuple[str, str], ...] = ()
    """(watchlist, tier) of every match of this feed's new items that triage decided on (metrics)."""

    def describe(self) -> str:
        if self.error:
            return f"{self.feed_id}: error: {self.error}{' (paused)' if self.paused else ''}"
        if self.status == "new":
            held = f", {self.withheld} match(es) withheld by the reader" if self.withheld else ""
            return (
                f"{self.feed_id}: {self.new_items} new of {self.items} items, "
                f"{self.alerts} Slack message(s) queued{held}"
            )
        return f"{self.feed_id}: {self.status}"


@dataclass(frozen=True, slots=True)
class _Fetched:
    """One feed's fetch-and-parse outcome, before triage."""

    feed_id: str
    status: str  # "parsed", "not modified", "unchanged", "error"
    validators: Validators | None = None
    items: tuple[FeedItem, ...] = ()
    error: str | None = None
    first_poll: bool = False
    hold: datetime | None = None
    """No poll before this: the server's Retry-After (429/503) or max-age (200/304)."""
    moved: tuple[str, str] | None = None
    """(from, to): every redirect was permanent, so the feed is polled at ``to`` from now on."""
    pause: bool = False
    """This failure is the feed's ``pause_after``-th in a row: pause it."""
    notice: Notice | None = None
    surveys: Mapping[TextKey, tuple[Survey, ...]] = field(default_factory=dict)
    """The items' surveys, made as soon as they were parsed (``bot.core.known_surveys``)..."""
    surveyed_by: TextMatcher | None = None
    """... by this matcher: triage uses them only if it still is the engine's."""
    stories: tuple[str, ...] = ()
    """The items' story keys, in ``items`` order, keyed by the parser with ``outlet``..."""
    outlet: str = ""
    """... as the feed's name: used if it still is the feed's name at triage."""
    quiet: tuple[int, ...] = ()
    """The ``_fingerprint`` of each new item that names no watched region: recorded already and left
    out of ``items``."""
    count: int = 0
    """Items in the body, ``items`` and quiet ones, new and old."""


def _moved_and_hold(
    feed: FeedState, got: Fetched | NotModified, now: datetime
) -> tuple[tuple[str, str] | None, datetime | None]:
    """(from, to) of a permanent move, saved only now the final URL has answered 2xx/304 (a later
    fetch of it is guarded again), and the server's hold on the next poll."""
    moved = (feed.fetch_url, got.moved_to) if got.moved_to else None
    return moved, cache_hold(now, feed.spec.interval, got.cache_control)


def _text_key(item: FeedItem) -> TextKey:
    return (item.title, item.summary, item.link)


def _fingerprint(key: tuple[str, str]) -> int:
    """A quiet item's (feed id, item id), in 8 bytes rather than 200: a round keeps one for each of
    its 45,000 quiet items. Two keys sharing one would make an old copy of a story count as this
    round's (placed by date instead of known): a chance of about 10⁻¹⁰ a round."""
    return hash(key)


@dataclass(frozen=True, slots=True)
class Delivered:
    """One message that reached its sink: the outbox row, its Slack ts, and when it was sent."""

    row: OutboxRow
    ts: str | None
    at: datetime


OnDelivered = Callable[[Delivered], None]


@dataclass(frozen=True, slots=True)
class DrainResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    waiting: int = 0
    parked: int = 0
    """Refused for good by Slack and kept for ``/sitrep retry`` (``bot.core.parking``)."""


@dataclass(frozen=True, slots=True)
class EngineRules:
    """Watchlists and the matcher built for them; swapped as a whole when watchlists change."""

    watchlists: tuple[Watchlist, ...]
    matcher: TextMatcher
    gazetteer: Gazetteer | None = None
    """What the matcher expands regions with; kept for explaining watchlists to desks."""
    places: PlaceHints | None = None
    """What the gazetteer tells event signatures (place words, capitals), for these watchlists."""


class Engine:
    def __init__(
        self,
        *,
        store: Store,
        fetcher: Fetcher,
        untrusted_fetcher: Fetcher | None = None,
        sink: AlertSink,
        rules: EngineRules,
        clock: Clock,
        cluster_policy: EventPolicy = DEFAULT_POLICY,
        retry_backoff: Sequence[int] = (5, 15, 60, 300, 900),
        max_attempts: int = 50,
        claim_seconds: int = 300,
        max_item_age: timedelta = timedelta(hours=48),
        build_matcher: Callable[[Sequence[Watchlist]], TextMatcher] | None = None,
        reader: Reader | None = None,
        on_delivered: OnDelivered | None = None,
        pause_after: int | None = DEFAULT_PAUSE_AFTER,
        admin_channel: str | None = None,
        extract: Extractor = extract_casualties,
        parser: FeedParser | None = None,
        in_flight: int = DEFAULT_IN_FLIGHT,
    ) -> None:
        """``build_matcher`` makes a matcher for a new set of watchlists; with it the engine follows
        watchlist changes in the store (``refresh_rules``), without it the rules stay as given.

        ``reader`` is the optional language-model check (``bot.core.reader``): every match is put
        to it before triage, and the matches it answers NOT RELEVANT alert nowhere.

        ``on_delivered`` hears of every message once it is sent and recorded (the replay's JSON log).

        After ``pause_after`` consecutive failures (None: never) a feed is paused, and a notice for
        ``admin_channel`` (when there is one) is queued in the outbox in the same transaction.

        ``extract`` reads an item's casualty figures (``bot.core.figure_confidence.confident_extractor``
        adds each figure's confidence; the default is the rules alone).

        ``parser`` parses fetched bodies (``bot.adapters.parse_pool``: worker processes, or by
        default a thread of this process); its owner closes it (``aclose``).

        ``in_flight``: how many of a round's feeds are fetched, parsed and surveyed at once."""
        self._extract = extract
        self._parser = parser or ThreadParser()
        self._store = store
        self._fetcher = fetcher
        self._untrusted_fetcher = untrusted_fetcher
        self._sink = sink
        self.rules = rules
        self._clock = clock
        self._policy = cluster_policy
        self._backoff = tuple(retry_backoff)
        self._max_attempts = max_attempts
        self._claim_for = timedelta(seconds=claim_seconds)
        self._max_item_age = max_item_age
        self._triage_lock = asyncio.Lock()
        self._build_matcher = build_matcher
        self._rules_lock = asyncio.Lock()
        self._reader = reader
        self._on_delivered = on_delivered
        self._pause_after = pause_after
        self._admin_channel = admin_channel
        self._in_flight = asyncio.Semaphore(in_flight)
        self._quiet = GroupRecorder(store)

    def now(self) -> datetime:
        """The engine's clock (the replay's moment in a replay)."""
        return self._clock()

    async def refresh_rules(self) -> bool:
        """Adopt the store's current watchlists if they differ from the rules in use; True if so.

        Called at the start of each round and by the Slack handlers right after a change, so an
        edit takes effect on the next poll without a restart. The matcher is rebuilt in a worker
        thread: with a big gazetteer that takes a noticeable fraction of a second.
        """
        if self._build_matcher is None:
            return False
        async with self._rules_lock:
            watchlists = tuple(await self._store.watchlists())
            if watchlists == self.rules.watchlists:
                return False
            matcher = await asyncio.to_thread(self._build_matcher, watchlists)
            gazetteer = self.rules.gazetteer
            places = PlaceHints.from_gazetteer(gazetteer, watchlists) if gazetteer is not None else None
            self.rules = replace(self.rules, watchlists=watchlists, matcher=matcher, places=places)
            log.info("watchlists changed; now using %s", ", ".join(w.name for w in watchlists) or "none")
            return True

    async def poll(self, feed: FeedState) -> PollResult:
        """Fetch, parse, triage and record one feed. Never raises for feed or network trouble."""
        (result,) = await self.poll_round([feed])
        return result

    async def poll_round(self, feeds: Sequence[FeedState]) -> list[PollResult]:
        """Poll several feeds: fetch and parse concurrently, then triage all new items together.

        Triage reads the open incidents and writes new ones, so it runs one round at a time and
        over the round's items in publication order: two outlets' reports of one strike that
        arrive in the same round join one incident, and the earliest report leads it, whichever
        server answered first.
        """
        now = self._clock()
        # Before the downloads: items naming no watched region are recorded as their feed is
        # surveyed (``_record_quiet``), so the watchlists they were surveyed against must be the ones
        # in force. An edit made during the round applies from the next one.
        try:
            await self.refresh_rules()
        except StoreError as e:  # the rules in use are still valid; try again next round
            log.warning("could not re-read the watchlists: %s", e)
        fetched = await asyncio.gather(*(self._fetch_in_turn(f, now) for f in feeds))
        async with self._triage_lock:
            try:
                return await self._ingest(fetched, now)
            except StoreError as e:  # what triage reads: nothing is recorded, the next round retries
                log.error("could not triage the round of %d feeds: %s", len(fetched), e)
                return [PollResult(f.feed_id, "database error", error=f"database: {e}") for f in fetched]

    async def _fetch_in_turn(self, feed: FeedState, now: datetime) -> _Fetched:
        # A feed holds one of the round's turns from its download until its quiet items are
        # recorded, so a round holds at most ``in_flight`` bodies and parsed feeds at once: with
        # all 1,000 feeds downloading together, bodies and parsed items piled up ahead of the
        # parser and the surveys, 30 to 60 MB at a cold round's peak (#20). A feed still at it
        # after ``TURN_HOLD`` seconds (a hung server, a hostile body) gives its turn back.
        # A feed asked conditionally most often answers 304, with no body to hold: it downloads
        # without a turn, so a steady round's answers are not queued ten turns deep, and takes one
        # only if a body comes.
        conditional = bool(feed.validators.etag or feed.validators.last_modified)
        async with contextlib.AsyncExitStack() as turns:
            if not conditional:
                await turns.enter_async_context(turn(self._in_flight, hold=TURN_HOLD))
            fetched = await self._fetch(feed, now)
            if not isinstance(fetched, Fetched):
                return fetched
            if conditional:
                await turns.enter_async_context(turn(self._in_flight, hold=TURN_HOLD))
            return await self._read_body(feed, fetched, now)

    async def _fetch(self, feed: FeedState, now: datetime) -> _Fetched | Fetched:
        """The feed's new body, or the outcome of a poll that brought none (304, unchanged, failed)."""
        fid = feed.spec.id
        try:
            # Config-file feeds are trusted; any other (added from Slack) goes through the SSRF guard,
            # and without a guarded fetcher it is not fetched at all.
            fetcher = self._fetcher if feed.spec.origin == "config" else self._untrusted_fetcher
            if fetcher is None:
                raise FetchError(fid, "feeds not from the config file need the SSRF-guarded fetcher")
            got = await fetcher.fetch(fid, feed.fetch_url, feed.validators)
            moved, hold = _moved_and_hold(feed, got, now)
            if moved is not None:
                log.info("feed %s moved permanently: %s → %s", fid, *moved)
            if isinstance(got, NotModified):
                return _Fetched(fid, "not modified", got.validators, hold=hold, moved=moved)
            if got.unchanged:
                return _Fetched(fid, "unchanged", got.validators, hold=hold, moved=moved)
        except FeedError as e:
            log.warning("feed %s: %s", fid, e.reason)
            return self._failed(feed, e, now)
        return got

    async def _read_body(self, feed: FeedState, got: Fetched, now: datetime) -> _Fetched:
        """Parse and survey one downloaded body, and record its quiet items."""
        fid = feed.spec.id
        moved, hold = _moved_and_hold(feed, got, now)
        try:
            # Off the event loop: a hostile body within the size cap (100,000 items, megabytes of
            # entity references) takes feedparser seconds of CPU, and on the loop that would stall
            # every other feed's download in the round and trip their read timeouts.
            read = await self._parser.parse(
                BodyToRead(fid, got.body, got.url, got.content_type, now, outlet=feed.spec.name)
            )
            parsed = read.feed
        except FeedError as e:
            log.warning("feed %s: %s", fid, e.reason)
            return self._failed(feed, e, now)
        # A few lines, then a count: a feed of 100,000 broken entries must not flood the log.
        for reason in parsed.skipped[:_MAX_SKIP_LINES]:
            log.warning("feed %s: skipped an entry: %s", fid, reason)
        if len(parsed.skipped) > _MAX_SKIP_LINES:
            log.warning("feed %s: skipped %d more entries", fid, len(parsed.skipped) - _MAX_SKIP_LINES)
        if parsed.over_cap:
            log.warning(
                "feed %s: %d items in one body; kept the newest %d, skipped the %d oldest",
                fid,
                len(parsed.items) + parsed.over_cap,
                len(parsed.items),
                parsed.over_cap,
            )
        first = feed.last_success is None
        # Surveyed now, while the round's other feeds download and parse, not later under the triage
        # lock. In a thread: a 1,000-item body must not hold the event loop for a second. Items seen
        # in earlier rounds are surveyed too (which are new is asked once per round, after the
        # downloads): a few milliseconds per changed feed, against seconds saved in a busy round.
        matcher = self.rules.matcher
        surveys = await asyncio.to_thread(survey_items, matcher, parsed.items)
        items, stories, quiet = await self._record_quiet(fid, parsed.items, read.stories, surveys, now)
        return _Fetched(
            fid,
            "parsed",
            got.validators,
            items=items,
            first_poll=first,
            hold=hold,
            moved=moved,
            surveys={_text_key(i): surveys[_text_key(i)] for i in items},
            surveyed_by=matcher,
            stories=stories,
            outlet=feed.spec.name,
            quiet=quiet,
            count=len(parsed.items),
        )

    async def _record_quiet(
        self,
        feed_id: str,
        items: tuple[FeedItem, ...],
        stories: tuple[str, ...],
        surveys: Mapping[TextKey, tuple[Survey, ...]],
        now: datetime,
    ) -> tuple[tuple[FeedItem, ...], tuple[str, ...], tuple[int, ...]]:
        """Record now the items no watchlist's survey found anything in; (the other items, their
        story keys, the fingerprints of the quiet ones that were new).

        Nine in ten items of a round name no watched region. They can alert nowhere, but triage
        needed them all in hand until the round was recorded: at 1,000 feeds, the text of 45,000
        items held for seconds (#20's memory). Recorded here, the round keeps only a fingerprint of
        each (triage reads their dates and story keys back from the store when a story needs them).
        If they cannot be recorded now they stay in the round, as before.
        """
        kept: list[tuple[FeedItem, str]] = []
        quiet: list[tuple[FeedItem, str]] = []
        for pair in zip(items, stories, strict=True):
            (kept if surveys[_text_key(pair[0])] else quiet).append(pair)
        if not quiet:
            return items, stories, ()
        try:
            new = await self._quiet.record(quiet, now=now)
        except StoreError as e:
            log.warning("feed %s: %s; its items wait for the round's own record", feed_id, e)
            return items, stories, ()
        return (
            tuple(i for i, _ in kept),
            tuple(s for _, s in kept),
            tuple(_fingerprint(i.key) for i, _ in quiet if i.key in new),
        )

    def _failed(self, feed: FeedState, e: FeedError, now: datetime) -> _Fetched:
        """A failed poll: the server's hold if it gave one, and the pause on the last straw."""
        hold = retry_hold(now, e.status, e.retry_after) if isinstance(e, FetchError) else None
        failures = feed.consecutive_failures + 1
        if feed.paused_at is not None or not should_pause(failures, self._pause_after):
            return _Fetched(feed.spec.id, "error", error=e.reason, hold=hold)
        log.warning(
            "feed %s failed %d times in a row; paused until an admin runs /feeds resume %s",
            feed.spec.id,
            failures,
            feed.spec.id,
        )
        notice = None
        if self._admin_channel is not None:
            message = pause_notice(
                feed_id=feed.spec.id,
                name=feed.spec.name,
                url=feed.fetch_url,
                failures=failures,
                last_error=e.reason,
                at=now,
            )
            notice = Notice(self._admin_channel, message)
        return _Fetched(feed.spec.id, "error", error=e.reason, hold=hold, pause=True, notice=notice)

    async def _ingest(self, fetched: Sequence[_Fetched], now: datetime) -> list[PollResult]:
        fresh: dict[str, list[FeedItem]] = {}
        items: list[FeedItem] = []
        stale: list[FeedItem] = []
        unseen = await self._store.unseen_by_feed(
            {f.feed_id: [i.id for i in f.items] for f in fetched if f.items}
        )
        for f in fetched:
            if f.items:
                new_ids = unseen[f.feed_id]
                fresh[f.feed_id] = [i for i in f.items if i.id in new_ids]
                news, old = split_stale(
                    fresh[f.feed_id], now=now, max_age=self._max_item_age, first_poll=f.first_poll
                )
                items += news
                stale += old
        if stale:
            log.info(
                "%d new items older than %s (or undated on a first poll) marked seen without alerting",
                len(stale),
                self._max_item_age,
            )
        plan: Plan | None = Plan(seen=tuple(stale)) if stale else None
        withheld: Counter[str] = Counter()
        recorded = {q for f in fetched for q in f.quiet}
        if items:
            names = {f.spec.id: f.spec.name for f in await self._store.feeds()}
            matcher: TextMatcher = self.rules.matcher
            ahead = {k: v for f in fetched if f.surveyed_by is matcher for k, v in f.surveys.items()}
            if ahead:
                matcher = KnownSurveys(matcher, ahead)
            if self._reader is not None:
                matcher, withheld = await self._read(items, matcher, now)
            ready = {
                i.key: story
                for f in fetched
                if f.outlet == names.get(f.feed_id)
                for i, story in zip(f.items, f.stories, strict=True)
            }
            stories = {
                i.key: ready.get(i.key) or story_key(i.link, i.title, names.get(i.feed_id, i.feed_id))
                for i in items
            }
            # The stories' earlier copies: some were recorded by this very round (its quiet items)
            # and count only if published before the copy triage is looking at.
            seen = await self._store.stories_seen(list(stories.values()))
            plan = triage(
                items,
                watchlists=self.rules.watchlists,
                matcher=matcher,
                extract=self._extract,
                open_incidents=await self._store.open_incidents(
                    min(i.published for i in items) - self._policy.window
                ),
                source_names=names,
                now=now,
                policy=self._policy,
                known_stories=frozenset(r.story for r in seen if _fingerprint(r.key) not in recorded),
                story_keys=stories,
                places=self.rules.places,
                recent_posts=await self._store.recent_posts(now - timedelta(hours=1)),
                quiet=[r for r in seen if _fingerprint(r.key) in recorded],
            )
            plan = replace(plan, seen=(*plan.seen, *stale))
        outcomes = [
            FeedOutcome(
                f.feed_id,
                f.validators,
                f.error,
                len(fresh.get(f.feed_id, ())) + len(f.quiet),
                hold=f.hold,
                moved=f.moved,
                pause=f.pause,
                notice=f.notice,
            )
            for f in fetched
        ]
        try:
            await self._store.record_round(outcomes, plan, now=now)
        except StoreError as e:
            log.error("could not record polls of %s: %s", ", ".join(f.feed_id for f in fetched), e)
            return [PollResult(f.feed_id, "database error", error=f"database: {e}") for f in fetched]
        alerts = Counter(entry.trigger[0] for entry in (plan.outbox if plan else ()))
        tiers: dict[str, list[tuple[str, str]]] = {}
        for t in plan.tiers if plan else ():
            tiers.setdefault(t.feed_id, []).append((t.watchlist, t.tier.value))
        results = []
        for f in fetched:
            if f.status != "parsed":
                results.append(PollResult(f.feed_id, f.status, error=f.error, paused=f.pause))
                continue
            new = len(fresh.get(f.feed_id, ())) + len(f.quiet)
            status = "new" if new else "nothing new"
            results.append(
                PollResult(
                    f.feed_id,
                    status,
                    f.count,
                    new,
                    alerts[f.feed_id],
                    withheld=withheld[f.feed_id],
                    tiers=tuple(tiers.get(f.feed_id, ())),
                )
            )
        return results

    async def _read(
        self, items: Sequence[FeedItem], matcher: TextMatcher, now: datetime
    ) -> tuple[TextMatcher, Counter[str]]:
        """Ask the reader about every match of ``items``; the matches it left for triage, and how
        many it withheld per feed. Matches it cannot answer alert as without a reader."""
        assert self._reader is not None
        by_name = {w.name: w for w in self.rules.watchlists}
        found: dict[TextKey, tuple[Match, ...]] = {}
        asked: list[tuple[FeedItem, Match, ReaderQuestion]] = []
        for item in items:
            key = (item.title, item.summary, item.link)
            if key in found:
                continue  # the same story twice in one round: asked and counted once
            found[key] = tuple(matcher.match(item.title, item.summary, link=item.link))
            for m in found[key]:
                watchlist = by_name.get(m.watchlist)
                if watchlist is not None and not watchlist.is_muted(now):
                    asked.append((item, m, question_for(watchlist, m, item.title, item.summary)))
        answers = await self._reader.ask_all([q for _, _, q in asked]) if asked else []
        withheld: dict[tuple[TextKey, str], str] = {}
        per_feed: Counter[str] = Counter()
        unknown = 0
        for (item, m, _), answer in zip(asked, answers, strict=True):
            if answer.withholds:
                withheld[((item.title, item.summary, item.link), m.watchlist)] = (
                    answer.reason or "not relevant"
                )
                per_feed[item.feed_id] += 1
                log.info(
                    "reader doubted a %s match (digest, no ping): %r (%s): %s",
                    m.watchlist,
                    item.title[:120],
                    item.link,
                    answer.reason,
                )
            elif answer.verdict is Verdict.UNKNOWN:
                unknown += 1
        if unknown:
            log.info("reader: no verdict on %d of %d matches; they alert unconfirmed", unknown, len(asked))
        left = {key: tuple(m for m in ms if (key, m.watchlist) not in withheld) for key, ms in found.items()}
        return ReadMatcher(matcher, left, withheld), per_feed

    async def run_digests(self) -> int:
        """Queue the digest of every watchlist whose scheduled time has come; how many were queued.

        A missed time (the bot was down) is caught up by one digest covering the whole gap. The
        first run only marks where the first period starts — the last scheduled time before it —
        so the first digest covers what the bot stored since then, and nothing is posted at start-up."""
        now = self._clock()
        queued = 0
        for watchlist in self.rules.watchlists:
            if not watchlist.digest:
                continue
            try:
                queued += await self._digest(watchlist, now)
            except (StoreError, ConfigError) as e:
                log.error("digest of %s: %s", watchlist.name, e)
        return queued

    async def _digest(self, watchlist: Watchlist, now: datetime) -> int:
        digests = self._store.digests
        last = await digests.last_period_end(watchlist.name)
        if last is None:
            earlier = digest_times_between(watchlist, now - timedelta(days=2), now)
            start = earlier[-1] if earlier else now
            await digests.record(watchlist.name, start=start, end=start, now=now, messages=(), items=())
            return 0
        due = digest_times_between(watchlist, last, now)
        if not due:
            return 0
        end = due[-1]
        incidents = await self._store.incidents_in_period(watchlist.name, last, end)
        entries = await digests.pending(watchlist.name, until=end)
        parts = compose_digest(watchlist, start=last, end=end, incidents=incidents, entries=entries)
        messages = [
            DigestMessage(channel, n, part.message, MessageFacts(watchlist.name, None, part.links))
            for channel in watchlist.channels
            for n, part in enumerate(parts)
        ]
        await digests.record(watchlist.name, start=last, end=end, now=now, messages=messages, items=entries)
        log.info(
            "digest of %s for %s – %s: %d incidents, %d stories, %d messages",
            watchlist.name,
            last,
            end,
            len(incidents),
            len(entries),
            len(parts),
        )
        return 1 if parts else 0

    async def digest_preview(self, watchlist: Watchlist, since: datetime) -> list[DigestPart]:
        """The digest of ``since`` until now, for someone who asks (``/sitrep digest``): nothing is
        marked delivered, and already delivered items are listed too."""
        now = self._clock()
        incidents = await self._store.incidents_in_period(watchlist.name, since, now)
        entries = await self._store.digests.pending(watchlist.name, until=now, since=since)
        return compose_digest(watchlist, start=since, end=now, incidents=incidents, entries=entries)

    async def drain(self, limit: int = 50) -> DrainResult:
        """Send due outbox entries to Slack in order. Failures stay queued with a backoff."""
        now = self._clock()
        by_channel: dict[str, list[OutboxRow]] = {}
        for row in await self._store.due_outbox(now, limit):
            by_channel.setdefault(row.channel, []).append(row)
        # Each channel in order, channels side by side: one channel's rate limit or slow answer
        # (Retry-After is waited out inside its own request) never holds up another's alerts.
        outcomes: Counter[str] = Counter()
        for counted in await asyncio.gather(
            *(self._drain_channel(rows, now) for rows in by_channel.values())
        ):
            outcomes.update(counted)
        return DrainResult(
            outcomes["sent"], outcomes["retry"], outcomes["failed"], outcomes["waiting"], outcomes["parked"]
        )

    async def _drain_channel(self, rows: Sequence[OutboxRow], now: datetime) -> Counter[str]:
        outcomes: Counter[str] = Counter()
        for i, row in enumerate(rows):
            outcome = await self._deliver(row, now)
            outcomes[outcome] += 1
            if outcome in ("retry", "waiting"):
                # Slack is refusing this channel for now (a rate limit that outlasted the waits, an
                # outage), or another drainer holds this message, or it waits for its parent post:
                # the channel's later messages wait for the next drain rather than overtake it.
                outcomes["waiting"] += len(rows) - i - 1
                break
        return outcomes

    async def _deliver(self, row: OutboxRow, now: datetime) -> str:
        thread_ts: str | None = None
        first: tuple[str, str | None] | None = None
        if row.kind == "digest" and row.part > 0 and row.digest_id is not None:
            first = await self._store.digests.first_part(row.digest_id, row.channel)
        elif row.kind in ("reply", "edit") and row.incident_key is not None:
            first = await self._store.posted_ts(row.incident_key, row.channel)
        if first is not None:
            status, thread_ts = first
            if status == "parked":  # wait with it: `/sitrep retry` sends both, in order
                return await self._park(row, now, FOLLOWS_PARKED, "the message it belongs to is parked")
            if status in ("failed", "missing"):
                await self._store.mark_failed(row.id, error=f"the first message was never posted ({status})")
                return "failed"
            if thread_ts is None:
                return "waiting"  # the post is still queued; keep order
        delay = self._backoff[min(row.attempts, len(self._backoff) - 1)]
        if row.status == "sending" and row.kind != "edit":
            # Claimed before, outcome never recorded: Slack may hold it already. An edit needs no
            # check: sending the same content again changes nothing.
            found = await self._already_posted(row, thread_ts, now, delay)
            if found == "unknown":
                return "retry"
            if found is not None:
                log.info(
                    "alert %s to %s was already in Slack (ts %s); not posting it again",
                    row.id,
                    row.channel,
                    found,
                )
                return await self._sent(row, found)
        # Claimed in its own transaction before Slack is asked: if the claim cannot be stored nothing
        # is sent, and a row two drainers both saw is sent by one of them.
        claimed = await self._store.claim_outbox(row.id, now=now, until=now + self._claim_for)
        if claimed is None:
            return "waiting"
        row = claimed  # as it is now: a toll update may have been folded into the post meanwhile
        try:
            if row.kind == "edit":
                assert thread_ts is not None
                await self._sink.update(row.channel, thread_ts, row.message)
                ts: str | None = thread_ts
            else:
                ts = await self._sink.post(row.channel, row.message, thread_ts=thread_ts, key=row.key)
        except DeliveryError as e:
            if e.retryable and e.uncertain and row.attempts + 1 < self._max_attempts:
                log.warning(
                    "alert %s to %s: %s; will check Slack in %d s", row.id, row.channel, e.reason, delay
                )
                await self._store.mark_uncertain(
                    row.id, error=e.reason, next_attempt_at=now + timedelta(seconds=delay)
                )
                return "retry"
            if e.retryable and e.retry_after is not None:
                # A rate limit that outlasted the client's waits: try when Slack said, without the
                # growing back-off (which kept alerts back for minutes after a storm ended) and
                # without counting it towards parking (a long storm must not park alerts).
                wait = max(1.0, e.retry_after)
                log.warning("alert %s to %s: %s; again in %.1f s", row.id, row.channel, e.reason, wait)
                await self._store.mark_retry(
                    row.id, error=e.reason, next_attempt_at=now + timedelta(seconds=wait), counted=False
                )
                return "retry"
            if not e.retryable or row.attempts + 1 >= self._max_attempts:
                code = e.code if not e.retryable else "retries_exhausted"
                return await self._park(row, now, problem_key(code, row.channel), e.reason)
            log.warning("alert %s to %s: %s; retrying in %d s", row.id, row.channel, e.reason, delay)
            await self._store.mark_retry(
                row.id, error=e.reason, next_attempt_at=now + timedelta(seconds=delay)
            )
            return "retry"
        return await self._sent(row, ts)

    async def _park(self, row: OutboxRow, now: datetime, problem: str, reason: str) -> str:
        """Keep a message Slack will not take until an admin fixes the cause and re-queues it; the
        admin channel hears of each new cause once (never of a notice that itself failed)."""
        notice = None
        if row.kind != "notice" and problem != FOLLOWS_PARKED and self._admin_channel is not None:
            message = parked_notice(problem=problem, channel=row.channel, reason=reason, at=now)
            notice = Notice(self._admin_channel, message)
        told = await self._store.park_outbox(row.id, error=reason, problem=problem, now=now, notice=notice)
        log.error(
            "%s %s to %s parked: %s; fix: %s; then /sitrep retry%s",
            row.kind,
            row.id,
            row.channel,
            reason,
            fix_for(problem, row.channel),
            " (the admin channel is told)" if told else "",
        )
        return "parked"

    async def _sent(self, row: OutboxRow, ts: str | None) -> str:
        # If this record fails the row stays claimed: the next drain finds the post in Slack.
        sent_at = self._clock()
        await self._store.mark_sent(row.id, ts=ts, now=sent_at)
        if self._on_delivered is not None:
            self._on_delivered(Delivered(row, ts, sent_at))
        return "sent"

    async def _already_posted(
        self, row: OutboxRow, thread_ts: str | None, now: datetime, delay: int
    ) -> str | None:
        """The ts of ``row``'s message if Slack has it, None if not, "unknown" when Slack could not say
        (the row is then checked again after ``delay``)."""
        try:
            return await self._sink.find(row.channel, row.key, thread_ts=thread_ts, since=row.created_at)
        except DeliveryError as e:
            if e.retryable:
                log.warning(
                    "alert %s to %s: could not check Slack for it (%s); again in %d s",
                    row.id,
                    row.channel,
                    e.reason,
                    delay,
                )
                await self._store.mark_uncertain(
                    row.id, error=e.reason, next_attempt_at=now + timedelta(seconds=delay)
                )
                return "unknown"
            # Slack will not say (e.g. the app lacks channels:history): losing the alert would be
            # worse than a possible repeat, so it is sent again.
            log.warning(
                "alert %s to %s: Slack cannot be asked whether it arrived (%s); sending it again",
                row.id,
                row.channel,
                e.reason,
            )
            return None
