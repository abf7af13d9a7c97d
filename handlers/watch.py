"""`/watch`: what is watched, for everyone. ``list`` and ``show NAME``; editing comes later."""

from __future__ import annotations

from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.core.command_args import parse_args
from bot.core.gazetteer import describe_expansion
from bot.core.slack_text import escape
from bot.core.watchlists import Watchlist
from bot.errors import CommandError, StoreError
from handlers.context import Services

USAGE = "Usage: `/watch list` · `/watch show NAME`"


def register(app: AsyncApp, services: Services) -> None:
    async def watch(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        try:
            args = parse_args(command.get("text") or "")
            sub = args.subcommand or "list"
            if sub == "list":
                text = await _list(services)
            elif sub == "show":
                text = _show(services, args.rest)
            else:
                raise CommandError(f"unknown subcommand `{sub[:40]}`")
        except CommandError as e:
            text = f"{escape(str(e))}.\n{USAGE}"
        except StoreError:
            text = "The database did not answer; try again in a minute."
        await respond(text=text, response_type="ephemeral")

    app.command("/watch")(watch)


async def _list(services: Services) -> str:
    watchlists = services.engine.rules.watchlists
    if not watchlists:
        return "No watchlists yet. They are defined in the config file (`[[watchlists]]`)."
    lines = [f"*{len(watchlists)} watchlists*"]
    for w in watchlists:
        recent = await services.store.incidents(watchlist=w.name, limit=20)
        last = next((i for i in recent if i.alerted), None)
        last_text = f"last alert {last.updated:%Y-%m-%d %H:%M} UTC" if last else "no alert yet"
        state = " · :mute: muted" if w.muted else ""
        channels = ", ".join(f"<#{c}>" for c in w.channels)
        lines.append(
            f"• *{escape(w.name)}* → {channels} · {w.rule.value} · "
            f"{escape(', '.join(r.name for r in w.regions) or '—')} · {len(w.keywords)} keywords · "
            f"{last_text}{state}"
        )
    return "\n".join(lines)


def _show(services: Services, rest: tuple[str, ...]) -> str:
    if len(rest) != 1:
        raise CommandError("`show` takes one watchlist name")
    by_name = {w.name: w for w in services.engine.rules.watchlists}
    watchlist = by_name.get(rest[0].lower())
    if watchlist is None:
        known = ", ".join(sorted(by_name)) or "none"
        raise CommandError(f"no watchlist named {rest[0]!r} (known: {known})")
    return _describe(services, watchlist)


def _describe(services: Services, w: Watchlist) -> str:
    gazetteer = services.engine.rules.gazetteer
    body = describe_expansion(gazetteer, w) if gazetteer is not None else f"watchlist {w.name}"
    if len(body) > 2800:  # one Slack message; the CLI `watch show` prints all of it
        body = body[:2800].rsplit("\n", 1)[0] + "\n…"
    extra = [f"channels: {', '.join(w.channels)}"]
    if w.exclude:
        extra.append(f"exclude: {', '.join(w.exclude)}")
    thresholds = [
        f"{name}={value}"
        for name, value in (
            ("min_killed", w.min_killed),
            ("min_wounded", w.min_wounded),
            ("min_displaced", w.min_displaced),
            ("min_missing", w.min_missing),
        )
        if value is not None
    ]
    if thresholds:
        extra.append("thresholds: " + ", ".join(thresholds))
    if w.muted:
        extra.append("muted")
    return "```" + escape(body + "\n" + "\n".join(extra)) + "```"
