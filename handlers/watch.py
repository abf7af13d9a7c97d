"""``/watch``: what is watched, for everyone; changing it, for admins.

``list``, ``show NAME``, ``test NAME [7d]`` and ``history NAME`` answer anyone; ``test PLACE [7d]``
tests a region-only watch on any place the gazetteer knows, in any spelling or script. ``add`` and
``edit`` open the watchlist modal; ``remove``, ``mute NAME [for 6h]`` and ``unmute`` act at once.
The App Home's buttons (``watch_add``, ``watch_edit``, ``watch_mute``, ``watch_unmute``, ``watch_test``) land
here too. Every change is checked for admin rights when it is made — a modal submission is checked
again on submit — written with its audit row by the store, applied to the running engine at once
(the poller would pick it up at the next round anyway) and announced in the admin channel.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.feedback import Tally
from bot.adapters.slack_errors import slack_error_code
from bot.core.changes import describe_change
from bot.core.command_args import parse_args
from bot.core.gazetteer import describe_expansion
from bot.core.incident_query import parse_duration
from bot.core.incidents.places import PlaceHints
from bot.core.matching import Matcher
from bot.core.rate_limit import PerUserLimit
from bot.core.rehearsal import describe_rehearsal, rehearse
from bot.core.slack_text import escape
from bot.core.tiers.counts import schedule_summary, tier_summary
from bot.core.watchlist_validation import parse_watchlist, watchlist_to_dict
from bot.core.watchlists import Region, Rule, Watchlist
from bot.errors import AdminLookupError, CommandError, StoreError
from handlers.admins import AdminCheck, announce, mention, refusal
from handlers.context import Services
from handlers.watch_form import CALLBACK_ID, FormMeta, field_errors, message_view, read_form, watch_modal

log = logging.getLogger(__name__)
TIER_WINDOW = timedelta(hours=24)
"""How far back `/watch show` counts each tier."""

USAGE = (
    "Usage: `/watch list` · `/watch show NAME` · `/watch test NAME|PLACE [7d]` · `/watch history NAME`\n"
    "Admins: `/watch add NAME` · `/watch edit NAME` · `/watch remove NAME` · "
    "`/watch mute NAME [for 6h]` · `/watch unmute NAME`"
)
ADD_ACTION, EDIT_ACTION = "watch_add", "watch_edit"
MUTE_ACTION, UNMUTE_ACTION, TEST_ACTION = "watch_mute", "watch_unmute", "watch_test"
DEFAULT_TEST_PERIOD = timedelta(days=7)
LONGEST_TEST = timedelta(days=30)
PLACE_TEST_CHANNEL = "C0PLACETEST"
"""The channel an ad-hoc ``/watch test PLACE`` watch names; it posts nowhere (a test writes nothing)."""
TESTS_PER_MINUTE = 3
LONGEST_MUTE = timedelta(days=30)
BUTTON_MUTE = timedelta(hours=6)
FEEDBACK_WINDOW = timedelta(days=30)
SHOW_MARKED = 5  # newest marked alerts listed by /watch show
MAX_TEST_ITEMS = 50_000
SAVE_WITHIN = 2.5  # seconds; Slack drops a view_submission acknowledged after 3
EDITING = frozenset({"add", "edit", "remove", "mute", "unmute"})

HomeRefresher = Callable[[AsyncWebClient, str], Awaitable[None]]


def _when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def mute_state(w: Watchlist, now: datetime) -> str:
    """ "muted until …" or "muted" while the mute holds, else ""."""
    if not w.is_muted(now):
        return ""
    return f"muted until {_when(w.muted_until)}" if w.muted_until else "muted"


def feedback_line(tally: Tally, window: timedelta) -> str:
    """How the desk rated the watchlist's recent alerts: precision as its readers meet it."""
    days = window.days
    if tally.alerts == 0:
        return f"desk feedback: no alerts in the last {days} days"
    share = 100 * tally.marked / tally.alerts
    return (
        f"desk feedback: {tally.marked} of {tally.alerts} alerts in the last {days} days "
        f"marked not relevant ({share:.0f}%)"
    )


class WatchDesk:
    """The ``/watch`` operations, shared by the slash command, the buttons and the modal."""

    def __init__(self, services: Services, admins: AdminCheck) -> None:
        self.services = services
        self.admins = admins
        # Tests are heavy: a few a minute per user, and two at a time for everyone, so that a burst
        # of them never holds up the other commands.
        self._test_limit = PerUserLimit(per_window=TESTS_PER_MINUTE)
        self._heavy = asyncio.Semaphore(2)

    # -- reading ---------------------------------------------------------------------------------

    async def list_text(self) -> str:
        stored = await self.services.store.stored_watchlists()
        if not stored:
            return "No watchlists yet. An admin can create one with `/watch add NAME`."
        last = await self.services.store.last_alerts()
        now = self.services.clock()
        lines = [f"*{len(stored)} watchlist{'s' if len(stored) != 1 else ''}*"]
        for s in stored:
            w = s.watchlist
            when = last.get(w.name)
            state = mute_state(w, now)
            channels = ", ".join(f"<#{c}>" for c in w.channels)
            lines.append(
                f"• *{escape(w.name)}* → {channels} · {w.rule.value} · "
                f"{escape(', '.join(r.name for r in w.regions) or '—')} · {len(w.keywords)} keywords · "
                f"{'last alert ' + _when(when) if when else 'no alert yet'}"
                f"{' · :mute: ' + state if state else ''}"
            )
        return "\n".join(lines)

    async def find(self, name: str) -> Watchlist:
        stored = await self.services.store.watchlist(name.lower())
        if stored is None:
            known = ", ".join(s.watchlist.name for s in await self.services.store.stored_watchlists())
            raise CommandError(f"no watchlist named {name[:80]!r} (known: {known or 'none'})")
        return stored.watchlist

    async def show_text(self, name: str) -> str:
        w = await self.find(name)
        gazetteer = self.services.engine.rules.gazetteer
        body = describe_expansion(gazetteer, w) if gazetteer is not None else f"watchlist {w.name}"
        if len(body) > 2800:  # one Slack message; the CLI `watch show` prints all of it
            body = body[:2800].rsplit("\n", 1)[0] + f"\n… (all of it: python run.py watch show {w.name})"
        extra = [f"channels: {', '.join(w.channels)}"]
        if w.exclude:
            extra.append(f"exclude: {', '.join(w.exclude)}")
        if w.scope:
            extra.append(f"scope (told to the reader): {w.scope}")
        thresholds = [
            f"{key}={getattr(w, key)}"
            for key in ("min_killed", "min_wounded", "min_displaced", "min_missing")
            if getattr(w, key) is not None
        ]
        if thresholds:
            extra.append(f"thresholds ({'any' if w.thresholds_any else 'all'}): " + ", ".join(thresholds))
        now = self.services.clock()
        state = mute_state(w, now)
        if state:
            extra.append(state)
        extra.append(schedule_summary(w.digest, w.timezone, w.quiet_hours, w.max_posts_per_hour))
        counts = await self.services.store.tier_counts(now - TIER_WINDOW, watchlist=w.name)
        extra.append("tiers, " + tier_summary(counts.get(w.name, {}), "last 24 h"))
        since = now - FEEDBACK_WINDOW
        tallies = await self.services.store.feedback.tallies(since=since)
        extra.append(feedback_line(tallies.get(w.name, Tally(0, 0)), FEEDBACK_WINDOW))
        # What was marked tells an admin what to exclude; the newest few, the rest via `run.py feedback`.
        marked = await self.services.store.feedback.marked(since=since, watchlist=w.name)
        extra.extend(
            f"  marked: {m.title[:120]} ({len(m.users)} {'mark' if len(m.users) == 1 else 'marks'})"
            for m in reversed(marked[-SHOW_MARKED:])
        )
        return "```" + escape(body + "\n" + "\n".join(extra)) + "```"

    async def test_text(self, name: str, period: timedelta, user: str) -> str:
        wait = self._test_limit.admit(user, self.services.clock())
        if wait is not None:
            seconds = max(1, int(wait.total_seconds() + 0.999))
            return (
                f"You have run {TESTS_PER_MINUTE} watchlist tests in the last minute; tests are heavy,"
                f" so the next can run in {seconds} s."
            )
        async with self._heavy:
            return await self._test_text(name, period)

    async def _test_text(self, name: str, period: timedelta) -> str:
        w = await self._watch_or_place(name)
        now = self.services.clock()
        since = now - period
        items, truncated = await self.services.store.items_since(since, limit=MAX_TEST_ITEMS)
        names = {f.spec.id: f.spec.name for f in await self.services.store.feeds()}
        gazetteer = self.services.engine.rules.gazetteer
        if gazetteer is None:
            raise CommandError("this bot runs without a gazetteer, so it cannot test watchlists")

        def run() -> str:
            # A fresh matcher for this one watchlist; in a thread, as matching thousands of items
            # would otherwise hold up every other request.
            matcher = Matcher((w,), gazetteer)
            places = PlaceHints.from_gazetteer(gazetteer, (w,))
            result = rehearse(
                items,
                w,
                matcher,
                since=since,
                now=now,
                source_names=names,
                truncated=truncated,
                places=places,
            )
            return describe_rehearsal(result, now=now)

        return await asyncio.to_thread(run)

    async def _watch_or_place(self, name: str) -> Watchlist:
        """The stored watchlist ``name``, else a region-only watch on the place the gazetteer knows
        by that name in any spelling or script ("Idleb", "سراقب", "Chasiv Yar"): a desk can test a
        place before it writes a watchlist for it, and a region's test covers the towns inside it."""
        try:
            return await self.find(name)
        except CommandError:
            gazetteer = self.services.engine.rules.gazetteer
            place = gazetteer.resolve(name) if gazetteer is not None else None
            if place is None:
                raise
            return Watchlist(
                name=place_watch_name(place.name),
                channels=(PLACE_TEST_CHANNEL,),
                regions=(Region(place.name),),
                rule=Rule.REGION,
            )

    async def history_text(self, name: str) -> str:
        key = name.lower()[:80]
        entries = await self.services.store.audit_log(f"watchlist:{key}", limit=15)
        if not entries:
            return (
                f"No changes to {escape(key)} made from Slack (edits of the config file are not logged here)."
            )
        lines = [f"*Changes to {escape(key)}*, newest first:"]
        for e in entries:
            what = e.action.removeprefix("watch.")
            change = describe_change(e.before, e.after)
            lines.append(f"• {_when(e.at)} {mention(e.user_id)} *{what}*: {escape(change)[:600]}")
        return "\n".join(lines)

    # -- changing --------------------------------------------------------------------------------

    async def applied(self, client: AsyncWebClient, text: str) -> str:
        """After a change: the engine adopts it now, the admin channel hears of it."""
        try:
            await self.services.engine.refresh_rules()
        except StoreError as e:  # the poller retries at its next round
            log.warning("could not apply a watchlist change at once: %s", e)
        return await announce(client, self.services.admin_channel, text)

    async def remove(self, name: str, user: str, client: AsyncWebClient) -> str:
        w = await self.find(name)
        refused = await self.services.store.remove_watchlist(w.name, user_id=user, now=self.services.clock())
        if refused is not None:
            return f"Not removed: {escape(refused)}."
        noted = await self.applied(client, f"{mention(user)} removed watchlist *{escape(w.name)}*")
        return (
            f"Removed watchlist *{escape(w.name)}*. Its incidents stay searchable with `/incidents`;"
            f" `/watch history {escape(w.name)}` shows what it was.{noted}"
        )

    async def mute(self, name: str, period: timedelta | None, user: str, client: AsyncWebClient) -> str:
        w = await self.find(name)
        now = self.services.clock()
        until = now + period if period is not None else None
        muted = replace(w, muted=True, muted_until=until)
        refused = await self.services.store.change_watchlist(
            muted, action="watch.mute", user_id=user, now=now
        )
        if refused is not None:
            return f"Not muted: {escape(refused)}."
        span = f"until {_when(until)}" if until else "until someone unmutes it"
        noted = await self.applied(client, f"{mention(user)} muted watchlist *{escape(w.name)}* {span}")
        return (
            f":mute: Muted *{escape(w.name)}* {span}. Incidents are still recorded and searchable with"
            f" `/incidents`; no alerts are posted. `/watch unmute {escape(w.name)}` ends it.{noted}"
        )

    async def unmute(self, name: str, user: str, client: AsyncWebClient) -> str:
        w = await self.find(name)
        now = self.services.clock()
        if not w.is_muted(now):
            return f"*{escape(w.name)}* is not muted."
        live = replace(w, muted=False, muted_until=None)
        refused = await self.services.store.change_watchlist(
            live, action="watch.unmute", user_id=user, now=now
        )
        if refused is not None:
            return f"Not unmuted: {escape(refused)}."
        noted = await self.applied(client, f"{mention(user)} unmuted watchlist *{escape(w.name)}*")
        return f":loud_sound: *{escape(w.name)}* alerts again from the next poll.{noted}"

    async def open_form(
        self, mode: str, name: str, trigger_id: str, channel: str | None, client: AsyncWebClient
    ) -> None:
        if mode == "edit":
            stored = await self.services.store.watchlist(name.lower())
            if stored is None:
                await self.find(name)  # raises with the known names
                return
            meta = FormMeta("edit", stored.watchlist.name, stored.version)
            view = watch_modal(stored.watchlist, meta)
        else:
            view = watch_modal(None, FormMeta("add", name.lower()[:80]), channel=channel)
        try:
            await client.views_open(trigger_id=trigger_id, view=view)
        except SlackApiError as e:
            raise CommandError(f"Slack would not open the form ({slack_error_code(e)}); try again") from e

    async def save(
        self, view: dict[str, Any], user: str, client: AsyncWebClient
    ) -> tuple[dict[str, Any], str]:
        """Handle a modal submission: what to ``ack`` with (errors, or a confirmation) and the
        announcement to make once acknowledged ("" when nothing changed)."""
        meta = FormMeta.load(str(view.get("private_metadata") or ""))
        if meta is None:
            return _form_errors({"regions": "This form is damaged; open it again."}), ""
        first_block = "name" if meta.mode == "add" else "regions"
        try:
            allowed = await self.admins.is_admin(user, client)
        except AdminLookupError as e:
            return _form_errors({first_block: str(e)}), ""
        if not allowed:
            log.warning("refused a watchlist %s by non-admin %s", meta.mode, user)
            return _form_errors({first_block: refusal("change watchlists")}), ""
        current = None
        if meta.mode == "edit":
            stored = await self.services.store.watchlist(meta.name)
            if stored is None:
                return _form_errors({first_block: f"{meta.name} was removed after this form opened."}), ""
            current = stored.watchlist
        values = (view.get("state") or {}).get("values") or {}
        raw, problems = read_form(values, meta, current)
        watchlist, errors = parse_watchlist(raw, self.services.engine.rules.gazetteer)
        errors = problems + [
            (f, m + "; to watch it anyway add its spellings after a colon (Name: spelling)")
            if "gazetteer" in m
            else (f, m)
            for f, m in errors
        ]
        if errors or watchlist is None:
            return _form_errors(field_errors(errors, meta)), ""
        refused = await self.services.store.change_watchlist(
            watchlist,
            action=f"watch.{meta.mode}",
            user_id=user,
            now=self.services.clock(),
            create=meta.mode == "add",
            expected_version=meta.version,
        )
        if refused is not None:
            return _form_errors({first_block: refused[:300]}), ""
        change = (
            "created"
            if current is None
            else describe_change(watchlist_to_dict(current), watchlist_to_dict(watchlist))
        )
        name = escape(watchlist.name)
        verb = "created" if meta.mode == "add" else "edited"
        text = (
            f"Saved *{name}* ({escape(change)[:1500]}). It applies from the next poll;"
            f" `/watch test {name}` shows what it would have caught."
        )
        announcement = f"{mention(user)} {verb} watchlist *{name}*: {escape(change)[:1500]}"
        return {"response_action": "update", "view": message_view("Watchlist saved", text)}, announcement


def _form_errors(errors: dict[str, str]) -> dict[str, Any]:
    return {"response_action": "errors", "errors": errors}


def _one_name(rest: tuple[str, ...], sub: str) -> str:
    if not rest:
        raise CommandError(f"`{sub}` needs a watchlist name")
    return rest[0]


def place_watch_name(place: str) -> str:
    """The name ``/watch test PLACE`` gives its ad-hoc, region-only watch."""
    return f"place {place}"


def _test_target(rest: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """``/watch test`` NAME and its period words: a place's name may have spaces ("Chasiv Yar 7d"),
    a period starts with a digit."""
    if not rest:
        raise CommandError("`test` needs a watchlist name or a place")
    if len(rest) > 1 and rest[-1][:1].isdigit():
        return " ".join(rest[:-1]), rest[-1:]
    return " ".join(rest), ()


def _test_period(words: tuple[str, ...]) -> timedelta:
    if not words:
        return DEFAULT_TEST_PERIOD
    span = parse_duration(words[0], label=f"`{words[0][:20]}`", longest=LONGEST_TEST)
    if span is None or len(words) > 1:
        raise CommandError("give the period like 24h or 7d: `/watch test NAME 7d`")
    return span


def _mute_period(words: tuple[str, ...]) -> timedelta | None:
    if words and words[0].lower() == "for":
        words = words[1:]
        if not words:
            raise CommandError("`for` needs a period, like `for 6h`")
    if not words:
        return None
    span = parse_duration(words[0], label=f"`{words[0][:20]}`", longest=LONGEST_MUTE, back=False)
    if span is None or len(words) > 1:
        raise CommandError("give the period like 6h or 2d: `/watch mute NAME for 6h`")
    return span


def register(
    app: AsyncApp, services: Services, admins: AdminCheck, home: HomeRefresher | None = None
) -> None:
    """``home`` republishes a user's App Home after they change something from it."""
    desk = WatchDesk(services, admins)

    async def answer(command: dict[str, Any], client: AsyncWebClient) -> str | None:
        args = parse_args(str(command.get("text") or ""))
        sub = args.subcommand or "list"
        user = str(command.get("user_id") or "")
        if sub == "help":
            return USAGE
        if sub == "list":
            return await desk.list_text()
        if sub not in ("show", "test", "history", *EDITING):
            raise CommandError(f"unknown subcommand `{sub[:40]}`")
        name = "" if sub == "add" and not args.rest else _one_name(args.rest, sub)
        if sub == "show":
            return await desk.show_text(name)
        if sub == "history":
            return await desk.history_text(name)
        if sub == "test":
            target, period = _test_target(args.rest)
            return await desk.test_text(target, _test_period(period), user)
        if not await admins.is_admin(user, client):
            return refusal(f"{sub} watchlists")
        if sub in ("add", "edit"):
            trigger = str(command.get("trigger_id") or "")
            await desk.open_form(sub, name, trigger, command.get("channel_id"), client)
            return None
        if sub == "remove":
            return await desk.remove(name, user, client)
        if sub == "mute":
            return await desk.mute(name, _mute_period(args.rest[1:]), user, client)
        return await desk.unmute(name, user, client)

    async def watch(
        ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        try:
            text = await answer(command, client)
        except CommandError as e:
            text = f"{escape(str(e))}.\n{USAGE}"
        except StoreError as e:
            log.error("/watch could not use the store: %s", e)
            text = "The database did not answer; try again in a minute."
        if text is not None:
            await respond(text=text, response_type="ephemeral")

    async def save(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient) -> None:
        # The answer goes in the ack (errors under their fields, or the confirmation), so the
        # work happens first; it is a cached admin check, a validation and one transaction.
        # Slack waits three seconds for it; past SAVE_WITHIN the admin is told to check and retry.
        user = str((body.get("user") or {}).get("id") or "")
        announcement = ""
        try:
            async with asyncio.timeout(SAVE_WITHIN):
                response, announcement = await desk.save(view, user, client)
        except StoreError as e:
            log.error("watchlist form could not use the store: %s", e)
            response = _form_errors({"regions": "The database did not answer; nothing was saved. Try again."})
        except TimeoutError:
            log.error("watchlist form by %s took longer than %s s", user, SAVE_WITHIN)
            response = _form_errors({"regions": "That took too long. Check `/watch list`, then try again."})
        await ack(**response)
        if announcement:
            await desk.applied(client, announcement)
        if home is not None and response.get("response_action") == "update":
            await home(client, user)

    async def button(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        user = str((body.get("user") or {}).get("id") or "")
        trigger = str(body.get("trigger_id") or "")
        name = str(action.get("value") or "")[:80]
        kind = str(action.get("action_id") or "")

        async def show(title: str, text: str) -> None:
            try:
                await client.views_open(trigger_id=trigger, view=message_view(title, text))
            except SlackApiError as e:
                log.warning("could not open a %s view for %s: %s", kind, user, slack_error_code(e))

        try:
            if kind == TEST_ACTION:
                await show(f"Test {name}", await desk.test_text(name, DEFAULT_TEST_PERIOD, user))
                return
            if not await admins.is_admin(user, client):
                log.warning("refused %s of %s by non-admin %s", kind, name, user)
                await show("Not allowed", refusal("change watchlists"))
                return
            if kind in (ADD_ACTION, EDIT_ACTION):
                await desk.open_form(
                    "add" if kind == ADD_ACTION else "edit",
                    "" if kind == ADD_ACTION else name,
                    trigger,
                    None,
                    client,
                )
                return
            if kind == MUTE_ACTION:
                await desk.mute(name, BUTTON_MUTE, user, client)
            else:
                await desk.unmute(name, user, client)
        except CommandError as e:
            await show("Watchlist", escape(str(e)))
        except StoreError as e:
            log.error("watchlist button %s could not use the store: %s", kind, e)
            await show("Watchlist", "The database did not answer; try again in a minute.")
        if home is not None:
            await home(client, user)

    app.command("/watch")(watch)
    app.view(CALLBACK_ID)(save)
    for action_id in (ADD_ACTION, EDIT_ACTION, MUTE_ACTION, UNMUTE_ACTION, TEST_ACTION):
        app.action(action_id)(button)
