"""``/feeds``: list feeds and their health for everyone; add, remove, import and resume them for admins.

``/feeds resume ID`` polls a feed paused after ``feed_pause_after`` consecutive failures again from
the next round (audited, announced like the other changes). ``/feeds status`` shows paused feeds
first, and any time a server asked us to wait; ``/feeds list`` shows a saved permanent move.

``ack()`` first, then every answer goes to the response_url, ephemeral. An admin is a user listed in
the config's ``admins`` or a Slack workspace admin/owner (``users.info``, cached per user for ten
minutes). A URL is checked by the SSRF guard before it is saved; feeds added here are fetched only
through the guarded fetcher. Each change is audited in the same transaction as the change (the store
does that) and announced in the admin channel when there is one. All user input is escaped on the
way back out.

``/feeds import [FILE]`` reads an OPML file shared in Slack (the newest one in the channel the command
came from, or the file given by ID or link; ``bot/adapters/slack_files.py`` finds and downloads it,
``bot/core/opml.py`` reads it) and puts every feed in it through the same path as ``/feeds add``:
the SSRF check, a new id, ``Store.add_feed`` (one audit row each) and the scheduler hook. The admin
gets one summary (added / already watched / refused, and what was wrong in the file) and the admin
channel one announcement.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlsplit

from aiohttp import ThreadedResolver
from aiohttp.abc import AbstractResolver
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters import slack_files
from bot.adapters.slack_files import SlackFile, Unavailable
from bot.adapters.ssrf import check_url
from bot.adapters.store import FeedSpec, FeedState
from bot.core.command_args import parse_args
from bot.core.feed_health import next_poll, poll_delay
from bot.core.opml import MAX_BYTES, OpmlFeed, parse_opml
from bot.core.slack_text import escape
from bot.errors import CommandError, FetchError, StoreError
from config.settings import slugify
from handlers.admins import AdminCheck, mention, refusal
from handlers.admins import announce as announce_change
from handlers.context import Services

log = logging.getLogger(__name__)

USAGE = (
    "Usage: `/feeds list` · `/feeds status` · `/feeds add URL [name]` · `/feeds remove ID`"
    " · `/feeds import [FILE]` · `/feeds resume ID` (add, remove, import and resume: admins only;"
    " import reads the newest OPML file shared in the channel, or FILE given by ID or link; resume"
    " polls a paused feed again)"
)
NEW_FEED_INTERVAL = 300  # seconds, like a config-file feed without `interval`
MAX_NAME = 200
LISTED_PER_SECTION = 20  # an import summary lists this many of each outcome, then "and K more"
CHECKS_AT_ONCE = 8  # SSRF checks (DNS lookups) in flight during an import
CHECK_SECONDS = 10.0
_SLACK_LINK = re.compile(r"^<([^<>|]+)(?:\|[^<>]*)?>$")
_FILE_ID = re.compile(r"^F[A-Z0-9]{6,20}$")
# A Slack file link's path names the file: /files/U…/F…/name (permalink) or /files-pri/T…-F…/name.
_FILE_IN_PATH = re.compile(r"^(?:T[A-Z0-9]{2,20}-)?(F[A-Z0-9]{6,20})$")


def _when(at: datetime | None) -> str:
    return "never" if at is None else at.strftime("%Y-%m-%d %H:%M UTC")


def format_list(feeds: list[FeedState]) -> str:
    if not feeds:
        return "No feeds yet. An admin can add one with `/feeds add URL [name]`."
    lines = [f"{len(feeds)} feed{'s' if len(feeds) != 1 else ''}:"]
    for f in feeds:
        s = f.spec
        moved = f" → moved permanently to {escape(f.moved_to)}" if f.moved_to else ""
        paused = " · *paused*" if f.paused_at is not None else ""
        lines.append(
            f"• `{escape(s.id)}` *{escape(s.name)}* — {escape(s.url)}{moved} · every {s.interval} s · "
            f"from {'the config file' if s.origin == 'config' else escape(s.origin)}{paused}"
        )
    return "\n".join(lines)


def format_status(feeds: list[FeedState], now: datetime) -> str:
    if not feeds:
        return "No feeds yet."
    paused = [f for f in feeds if f.paused_at is not None]
    lines = [f"Feed health at {_when(now)}:"]
    if paused:
        ids = ", ".join(f"`{escape(f.spec.id)}`" for f in paused)
        lines.append(
            f":pause_button: {len(paused)} paused after repeated failures, not polled until an admin"
            f" resumes them (`/feeds resume ID`): {ids}"
        )
    for f in sorted(feeds, key=lambda f: f.paused_at is None):
        due = next_poll(f.last_polled, f.spec.interval, f.consecutive_failures, f.not_before)
        if f.paused_at is not None:
            when = f"never until resumed (`/feeds resume {escape(f.spec.id)}`)"
        elif due is None:
            when = "at the next round (not polled yet)"
        else:
            when = "due now" if due <= now else f"≈ {_when(due)}"
            if f.not_before is not None and f.not_before > now and due == f.not_before:
                when += " (the server asked us to wait: Retry-After or Cache-Control max-age)"
            elif f.consecutive_failures > 1:
                wait = _span(poll_delay(f.spec.interval, f.consecutive_failures))
                when += f" (backing off: every {wait} while it fails)"
        state = "failing" if f.consecutive_failures else ("ok" if f.last_success else "new")
        if f.paused_at is not None:
            state = f"*paused* since {_when(f.paused_at)}"
        line = (
            f"• `{escape(f.spec.id)}` *{escape(f.spec.name)}* — {state}"
            f" · last success {_when(f.last_success)}"
            f" · {f.consecutive_failures} consecutive failure{'s' if f.consecutive_failures != 1 else ''}"
            f" · {f.items_seen} items seen · next poll {when}"
        )
        if f.last_error:
            line += f"\n    last error ({_when(f.last_error_at)}): {escape(f.last_error)[:300]}"
        lines.append(line)
    return "\n".join(lines)


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return f"{int(delta.total_seconds())} s"
    if minutes < 120:
        return f"{minutes} min"
    return f"{minutes // 60} h"


def _unwrap(url: str) -> str:
    # Slack may send a pasted URL as <https://…> or <https://…|label> when it escapes links.
    m = _SLACK_LINK.match(url)
    return m.group(1) if m else url


def file_id(arg: str) -> str | None:
    """The Slack file ID in ``arg``: the ID itself, or a file's permalink or ``url_private``."""
    arg = _unwrap(arg.strip())
    if _FILE_ID.match(arg):
        return arg
    path = urlsplit(arg).path if "://" in arg else ""
    for segment in path.split("/"):
        m = _FILE_IN_PATH.match(segment)
        if m:
            return m.group(1)
    return None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one feed of an imported file. ``detail``: the feed id for ``added`` and
    ``skipped`` (the feed that already has the URL), the reason for ``refused``."""

    feed: OpmlFeed
    verdict: Literal["added", "skipped", "refused"]
    detail: str


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _bullets(lines: Sequence[str]) -> list[str]:
    shown = [f"• {line}" for line in lines[:LISTED_PER_SECTION]]
    if len(lines) > LISTED_PER_SECTION:
        shown.append(f"• … and {len(lines) - LISTED_PER_SECTION} more")
    return shown


def _section(title: str, lines: Sequence[str]) -> list[str]:
    return [f"{title} ({len(lines)}):", *_bullets(lines)] if lines else []


def _added_line(o: Outcome) -> str:
    name = f" *{escape(_short(o.feed.title, 60))}*" if o.feed.title else ""
    return f"`{escape(o.detail)}`{name} — {escape(o.feed.url)}"


def format_import(file_name: str, outcomes: Sequence[Outcome], problems: Sequence[str]) -> str:
    """The importing admin's summary: a count line, then each kind of outcome (at most
    ``LISTED_PER_SECTION`` lines each) and what the file itself got wrong."""
    added = [o for o in outcomes if o.verdict == "added"]
    skipped = [o for o in outcomes if o.verdict == "skipped"]
    refused = [o for o in outcomes if o.verdict == "refused"]
    total = len(outcomes)
    lines = [
        f"Imported {len(added)} of {total} feed{'s' if total != 1 else ''}"
        f" from *{escape(_short(file_name, 100))}*."
    ]
    lines += _section("Added", [_added_line(o) for o in added])
    lines += _section(
        "Skipped, already watched",
        [f"{escape(o.feed.url)} — as `{escape(o.detail)}`" for o in skipped],
    )
    lines += _section("Refused", [f"{escape(o.feed.url)} — {escape(_short(o.detail, 200))}" for o in refused])
    lines += _section("Not imported from the file", [escape(_short(p, 200)) for p in problems])
    return "\n".join(lines)


def _new_id(name: str, taken: set[str]) -> str:
    base = slugify(name)[:90].strip("-") or "feed"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def register(
    app: AsyncApp,
    services: Services,
    *,
    resolver: AbstractResolver | None = None,
    on_added: Callable[[FeedState], None] | None = None,
    admins: AdminCheck | None = None,
) -> None:
    """``resolver`` answers the SSRF guard's DNS lookups (tests inject one); default: the system's.
    ``on_added`` is told about each new feed so it is polled without a restart (the scheduler's
    ``schedule``). A removed feed needs nothing: polling an id the store no longer has is a no-op."""
    admin_check = admins or AdminCheck(services.admins)

    async def announce(client: AsyncWebClient, text: str) -> str:
        return await announce_change(client, services.admin_channel, text)

    async def check(url: str, shared: AbstractResolver | None = None) -> str | None:
        guard = shared or resolver or ThreadedResolver()
        try:
            await check_url(url, services.fetch_policy, guard)
        except FetchError as e:
            return e.reason
        finally:
            if guard is not shared and guard is not resolver:
                await guard.close()
        return None

    async def add(words: tuple[str, ...], user_id: str, client: AsyncWebClient) -> str:
        if not words:
            raise CommandError("`add` needs the feed's URL")
        url = _unwrap(words[0])
        name = " ".join(words[1:]) or (urlsplit(url).hostname or "feed")
        if len(name) > MAX_NAME:
            raise CommandError(f"the name is {len(name)} characters; at most {MAX_NAME}")
        refusal = await check(url)
        if refusal is not None:
            return f"Not added: {escape(url)} — {escape(refusal)}"
        now = services.clock()
        spec = FeedSpec(
            id=_new_id(name, {f.spec.id for f in await services.store.feeds()}),
            url=url,
            name=name,
            interval=NEW_FEED_INTERVAL,
            origin="slack",
        )
        refusal = await services.store.add_feed(spec, user_id=user_id, now=now)
        if refusal is not None:
            return f"Not added: {escape(refusal)}."
        state = await services.store.feed(spec.id)
        if on_added is not None and state is not None:
            on_added(state)
        what = f"feed `{spec.id}` *{escape(name)}* — {escape(url)}"
        noted = await announce(client, f"{mention(user_id)} added {what}")
        return f"Added {what}, polled every {spec.interval} s from the next round.{noted}"

    async def remove(words: tuple[str, ...], user_id: str, client: AsyncWebClient) -> str:
        if len(words) != 1:
            raise CommandError("`remove` takes one feed ID (see `/feeds list`)")
        feed_id = words[0]
        before = await services.store.feed(feed_id)
        refusal = await services.store.remove_feed(feed_id, user_id=user_id, now=services.clock())
        if refusal is not None:
            return f"Not removed: `{escape(feed_id)}` — {escape(refusal)}."
        assert before is not None  # remove_feed refuses an unknown id
        what = f"feed `{escape(feed_id)}` *{escape(before.spec.name)}* — {escape(before.spec.url)}"
        noted = await announce(client, f"{mention(user_id)} removed {what}")
        return f"Removed {what}.{noted}"

    async def resume(words: tuple[str, ...], user_id: str, client: AsyncWebClient) -> str:
        if len(words) != 1:
            raise CommandError("`resume` takes one feed ID (see `/feeds status`)")
        feed_id = words[0]
        refusal = await services.store.resume_feed(feed_id, user_id=user_id, now=services.clock())
        if refusal is not None:
            return f"Not resumed: `{escape(feed_id)}` — {escape(refusal)}."
        state = await services.store.feed(feed_id)
        assert state is not None  # resume_feed refuses an unknown id
        if on_added is not None:
            on_added(state)  # polled now, not at the feed's next interval
        what = f"feed `{escape(feed_id)}` *{escape(state.spec.name)}* — {escape(state.fetch_url)}"
        noted = await announce(client, f"{mention(user_id)} resumed {what}")
        return f"Resumed {what}; it is polled again from the next round.{noted}"

    async def check_all(urls: Sequence[str]) -> list[str | None]:
        """The SSRF verdict for each URL, a few DNS lookups at a time, each bounded in time."""
        guard = resolver or ThreadedResolver()
        slots = asyncio.Semaphore(CHECKS_AT_ONCE)

        async def one(url: str) -> str | None:
            async with slots:
                try:
                    async with asyncio.timeout(CHECK_SECONDS):
                        return await check(url, guard)
                except TimeoutError:
                    host = urlsplit(url).hostname or url
                    return f"refused: the DNS lookup for {host} took longer than {CHECK_SECONDS:g} s"

        try:
            return list(await asyncio.gather(*(one(u) for u in urls)))
        finally:
            if resolver is None:
                await guard.close()

    async def add_all(feeds: Sequence[OpmlFeed], user_id: str) -> list[Outcome]:
        """Each feed through the `/feeds add` path: known URL → skipped, SSRF → refused, else added."""
        current = await services.store.feeds()
        watched = {f.spec.url: f.spec.id for f in current} | {f.fetch_url: f.spec.id for f in current}
        taken = {f.spec.id for f in current}
        fresh = [f for f in feeds if f.url not in watched]
        verdicts = dict(zip((f.url for f in fresh), await check_all([f.url for f in fresh]), strict=True))
        now = services.clock()
        outcomes: list[Outcome] = []
        for feed in feeds:
            if feed.url in watched:
                outcomes.append(Outcome(feed, "skipped", watched[feed.url]))
                continue
            refusal = verdicts[feed.url]
            if refusal is not None:
                outcomes.append(Outcome(feed, "refused", refusal))
                continue
            name = feed.title or urlsplit(feed.url).hostname or "feed"
            spec = FeedSpec(
                id=_new_id(name, taken),
                url=feed.url,
                name=name[:MAX_NAME],
                interval=NEW_FEED_INTERVAL,
                origin="slack",
            )
            refusal = await services.store.add_feed(spec, user_id=user_id, now=now)
            if refusal is not None:  # added meanwhile by someone else
                outcomes.append(Outcome(feed, "refused", refusal))
                continue
            taken.add(spec.id)
            watched[spec.url] = spec.id
            outcomes.append(Outcome(feed, "added", spec.id))
            state = await services.store.feed(spec.id)
            if on_added is not None and state is not None:
                on_added(state)
        return outcomes

    async def import_opml(
        words: tuple[str, ...], user_id: str, channel_id: str, client: AsyncWebClient
    ) -> str:
        if len(words) > 1:
            raise CommandError("`import` takes at most one file: its ID (F…) or its Slack link")
        found: SlackFile | Unavailable | None
        if words:
            wanted = file_id(words[0])
            if wanted is None:
                raise CommandError(
                    f"“{_short(words[0], 40)}” is not a Slack file ID (F…) or a link to a Slack file"
                )
            found = await slack_files.file_info(client, wanted)
        else:
            found = await slack_files.newest_opml(client, channel_id)
            if found is None:
                return (
                    f"No OPML file among the last {slack_files.LISTED} files shared in this channel."
                    " Share the .opml file here (Sitrep must be in the channel), then run"
                    " `/feeds import` again, or name the file: `/feeds import F0123ABCD`."
                )
        if isinstance(found, Unavailable):
            return f"Not imported: {escape(found.reason)}."
        shown = f"*{escape(_short(found.name, 100))}*"
        data = await slack_files.download(client, found, max_bytes=MAX_BYTES)
        if isinstance(data, Unavailable):
            return f"Not imported: {shown} — {escape(data.reason)}."
        result = parse_opml(data)
        if not result.feeds:
            problems = _bullets([escape(_short(p, 200)) for p in result.problems])
            return "\n".join(
                [f"Nothing imported from {shown}: it lists no feed Sitrep could use.", *problems]
            )
        outcomes = await add_all(result.feeds, user_id)
        summary = format_import(found.name, outcomes, result.problems)
        added = [o for o in outcomes if o.verdict == "added"]
        if not added:
            return summary
        count = f"{len(added)} feed{'s' if len(added) != 1 else ''}"
        note = [
            f"{mention(user_id)} imported {count} from {shown}:",
            *_bullets([_added_line(o) for o in added]),
        ]
        noted = await announce(client, "\n".join(note))
        return f"{summary}\n{noted.strip()}" if noted else summary

    async def answer(text: str, user_id: str, channel_id: str, client: AsyncWebClient) -> str:
        args = parse_args(text)
        sub = args.subcommand
        if sub in (None, "help"):
            return USAGE
        if sub == "list":
            return format_list(await services.store.feeds())
        if sub == "status":
            return format_status(await services.store.feeds(), services.clock())
        if sub not in ("add", "remove", "import", "resume"):
            raise CommandError(f"unknown subcommand `{sub}`")
        if not await admin_check.is_admin(user_id, client):
            return refusal(f"{sub} feeds")
        if sub == "add":
            return await add(args.rest, user_id, client)
        if sub == "import":
            return await import_opml(args.rest, user_id, channel_id, client)
        if sub == "resume":
            return await resume(args.rest, user_id, client)
        return await remove(args.rest, user_id, client)

    async def feeds(
        ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        user_id = str(command.get("user_id") or "")
        try:
            text = await answer(
                str(command.get("text") or ""), user_id, str(command.get("channel_id") or ""), client
            )
        except CommandError as e:
            text = f"{escape(str(e))}\n{USAGE}"
        except StoreError as e:
            log.error("/feeds could not use the store: %s", e)
            text = f"Could not reach the feed list right now: {escape(str(e))[:300]}. Try again in a minute."
        await respond(text=text, response_type="ephemeral")

    app.command("/feeds")(feeds)
