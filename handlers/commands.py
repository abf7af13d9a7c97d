"""Slash commands. ``ack()`` first, always: Slack gives us three seconds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.core.command_args import CommandArgs, parse_args
from bot.core.incident_query import parse_duration
from bot.core.slack_text import escape
from bot.errors import CommandError, StoreError
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
• `/watch add NAME` · `/watch edit NAME` — a form: regions, keywords, exclusions, channels, rule, thresholds
• `/watch remove NAME` · `/watch mute NAME [for 6h]` · `/watch unmute NAME`
• `/feeds add URL [name]` · `/feeds remove ID` · `/feeds import [FILE]` (an OPML file shared in the channel)
The *Home* tab of the Sitrep app shows the watchlists and feed health."""


def register(app: AsyncApp, services: Services) -> None:
    async def sitrep(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
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
            await respond(text=await _status(services), response_type="ephemeral")
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
    lines.append(f"*Alert queue:* {counts.get('pending', 0)} pending, {counts.get('failed', 0)} failed")
    return "\n".join(lines)
