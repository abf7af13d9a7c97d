"""Slash commands. ``ack()`` first, always: Slack gives us three seconds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.command_args import CommandArgs, parse_args
from bot.core.incident_query import parse_duration
from bot.core.parking import parked_lines
from bot.core.slack_text import escape
from bot.errors import CommandError, StoreError
from handlers.admins import AdminCheck, announce, mention, refusal
from handlers.context import Services

HELP = """*Sitrep* posts one alert per incident for the watchlists of this workspace.
• `/sitrep help` — this message
• `/sitrep status` — feeds, last polls and the alert queue
• `/sitrep digest NAME [since: 12h]` — the watchlist's digest of the period, now, just for you
• `/incidents [place or keyword] [since: 24h|7d|2023-10-07] [min: 5 killed] [watch: NAME] [share]`
  — recent incidents, newest first
• `/watch list` · `/watch show NAME` — what is watched and what it expands to
• `/watch test NAME [7d]` — what it would have alerted on, replayed over stored items
• `/watch history NAME` — who changed it, when, and what changed
• `/feeds list` · `/feeds status` — feeds and their health
Admins only:
• `/sitrep retry` — send the alerts Slack refused for good (parked), once their cause is fixed
• `/watch add NAME` · `/watch edit NAME` — a form: regions, keywords, exclusions, channels, rule, thresholds
• `/watch remove NAME` · `/watch mute NAME [for 6h]` · `/watch unmute NAME`
• `/feeds add URL [name]` · `/feeds remove ID` · `/feeds import [FILE]` (an OPML file shared in the channel)
The *Home* tab of the Sitrep app shows the watchlists and feed health."""


def register(app: AsyncApp, services: Services, admins: AdminCheck | None = None) -> None:
    admin_check = admins or AdminCheck(services.admins)

    async def sitrep(
        ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        try:
            args = parse_args(command.get("text") or "", options=("since",))
        except CommandError as e:
            await respond(text=f"{escape(str(e))}.\n{HELP}", response_type="ephemeral")
            return
        sub = args.subcommand or "help"
        if sub == "help":
            await respond(text=HELP, response_type="ephemeral")
        elif sub == "status":
            try:
                text = await _status(services)
            except StoreError as e:
                text = f"Could not read the status right now: {escape(str(e))[:300]}. Try again in a minute."
            await respond(text=text, response_type="ephemeral")
        elif sub == "retry":
            user_id = str(command.get("user_id") or "")
            try:
                text = await _retry(services, admin_check, user_id, client)
            except CommandError as e:  # Slack could not say whether the user is an admin
                text = escape(str(e))
            except StoreError as e:
                text = f"Nothing re-queued: {escape(str(e))[:300]}. Try again in a minute."
            await respond(text=text, response_type="ephemeral")
        elif sub == "digest":
            for text, blocks in await _digest(services, args):
                await respond(text=text, blocks=blocks, response_type="ephemeral")
        else:
            await respond(text=f"Unknown subcommand `{escape(sub[:40])}`.\n{HELP}", response_type="ephemeral")

    app.command("/sitrep")(sitrep)


DIGEST_DEFAULT = timedelta(hours=12)
DIGEST_LONGEST = timedelta(days=7)
DIGEST_PARTS = 4
"""At most this many messages answer one request (Slack takes five per response_url)."""


Reply = tuple[str, list[dict[str, Any]] | None]


def _say(text: str) -> list[Reply]:
    return [(text, None)]


async def _digest(services: Services, args: CommandArgs) -> list[Reply]:
    """``/sitrep digest NAME [since: 12h]``: the digest of the period, composed now, for the asker
    alone. Nothing is marked delivered: the scheduled digest still lists everything."""
    names = {w.name: w for w in services.engine.rules.watchlists}
    if not args.rest:
        return [
            (f"Which watchlist? `/sitrep digest NAME [since: 12h]` — have: {escape(', '.join(names))}", None)
        ]
    name = args.rest[0].lower()
    watchlist = names.get(name)
    if watchlist is None:
        return _say(f"No watchlist `{escape(name[:80])}` (have: {escape(', '.join(names) or 'none')}).")
    try:
        raw = args.options.get("since")
        period = parse_duration(raw, label="`since:`", longest=DIGEST_LONGEST) if raw else DIGEST_DEFAULT
        if period is None:
            raise CommandError(f"`since:` takes a period like 12h or 2d, not “{escape((raw or '')[:20])}”")
        parts = await services.engine.digest_preview(watchlist, services.clock() - period)
    except CommandError as e:
        return [(f"{escape(str(e))}.", None)]
    except StoreError as e:
        return [
            (f"Could not read the digest right now: {escape(str(e))[:300]}. Try again in a minute.", None)
        ]
    if not parts:
        return [(f"Nothing for *{escape(name)}* in that period: no incident and no story waiting.", None)]
    out: list[tuple[str, list[dict[str, Any]] | None]] = [
        (p.message.text, list(p.message.blocks)) for p in parts[:DIGEST_PARTS]
    ]
    if len(parts) > DIGEST_PARTS:
        out.append((f"…and {len(parts) - DIGEST_PARTS} more parts: ask for a shorter period.", None))
    return out


async def _retry(services: Services, admins: AdminCheck, user_id: str, client: AsyncWebClient) -> str:
    """``/sitrep retry`` (admins): every parked message back in the queue, oldest first."""
    if not await admins.is_admin(user_id, client):
        return refusal("re-queue parked alerts")
    groups = await services.store.parked()
    if not groups:
        return "Nothing is parked: every alert Slack took, or is still trying."
    count = await services.store.requeue_parked(now=services.clock(), user_id=user_id)
    if services.on_requeued is not None:
        services.on_requeued()  # delivered now, not at the next drain tick
    channels = ", ".join(sorted({f"<#{escape(g.channel)}>" for g in groups}))
    noted = await announce(
        client, services.admin_channel, f"{mention(user_id)} re-queued {count} parked alerts"
    )
    return (
        f"Re-queued {count} parked alerts for {channels}; they go out now, oldest first. If the cause is"
        f" not fixed they are parked again (without another notice) — see `/sitrep status`.{noted}"
    )


async def _status(services: Services) -> str:
    now = datetime.now(UTC)
    lines = [f"*Watchlists:* {', '.join(w.name for w in services.engine.rules.watchlists) or 'none'}"]
    for f in await services.store.feeds():
        if f.last_error:
            state = f":warning: {escape(f.last_error)}"
        elif f.last_success:
            state = f"ok, {int((now - f.last_success).total_seconds() // 60)} min ago"
        else:
            state = "not polled yet"
        lines.append(f"• *{escape(f.spec.name)}* — {state}; {f.items_seen} items seen")
    counts = await services.store.outbox_counts()
    lines.append(
        f"*Alert queue:* {counts.get('pending', 0) + counts.get('sending', 0)} waiting to be sent,"
        f" {counts.get('parked', 0)} parked, {counts.get('failed', 0)} failed"
    )
    lines += parked_lines(await services.store.parked())
    return "\n".join(lines)
