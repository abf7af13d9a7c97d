"""``/incidents`` and its "More" button: look up stored incidents from Slack.

``ack()`` first, always (Slack gives us three seconds), then the answer goes to the response_url:
ephemeral unless the text says ``share``. Parsing and rendering live in ``bot.core.incident_query``;
this module only reads the request, asks the store and replies.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.core.alerts import SlackMessage
from bot.core.incident_query import (
    MORE_ACTION,
    PAGE_SIZE,
    Cursor,
    IncidentQuery,
    Page,
    decode_more,
    error_text,
    format_results,
    parse_query,
)
from bot.core.slack_text import escape
from bot.core.tiers.counts import tier_summary, tier_totals
from bot.errors import CommandError, StoreError
from handlers.context import Services

log = logging.getLogger(__name__)


async def _results(
    services: Services, query: IncidentQuery, offset: int, now: datetime, after: Cursor | None = None
) -> SlackMessage:
    found = await services.store.search_incidents(
        since=query.since,
        watchlist=query.watchlist,
        min_killed=query.min_killed,
        min_wounded=query.min_wounded,
        text=query.terms,
        limit=PAGE_SIZE,
        after=after,
        # A button from before cursors says only how many rows it had shown: the store walks there.
        offset=offset if after is None else 0,
    )
    page = Page(offset=offset, total=offset + found.total, more_than=found.more_than, next=found.next)
    message = format_results(found.incidents, query, page, now=now)
    # What the period's items became: the incidents above are the pinged and held ones; the rest
    # waited for the digest or was dropped.
    counts = tier_totals(await services.store.tier_counts(query.since, watchlist=query.watchlist))
    which = f"*{escape(query.watchlist)}*" if query.watchlist else "all watchlists"
    line = f"Items of the period for {which}, by tier — " + tier_summary(
        counts, "since " + f"{query.since:%Y-%m-%d %H:%M} UTC"
    )
    context = {"type": "context", "elements": [{"type": "mrkdwn", "text": line}]}
    return SlackMessage(message.text, (*message.blocks, context))


def _store_trouble(error: StoreError) -> str:
    log.error("/incidents could not read the store: %s", error)
    return f"Could not search incidents right now: {escape(str(error))[:300]}. Try again in a minute."


def register(app: AsyncApp, services: Services) -> None:
    clock = services.clock

    async def incidents(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        now = clock()
        names = [w.name for w in services.engine.rules.watchlists]
        try:
            query = parse_query(command.get("text") or "", now=now, watchlists=names)
        except CommandError as e:
            await respond(text=error_text(e), response_type="ephemeral")
            return
        try:
            message = await _results(services, query, 0, now)
        except StoreError as e:
            await respond(text=_store_trouble(e), response_type="ephemeral")
            return
        await respond(
            text=message.text,
            blocks=list(message.blocks),
            response_type="in_channel" if query.share else "ephemeral",
        )

    async def more(ack: AsyncAck, action: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        try:
            request = decode_more(str(action.get("value") or ""))
        except CommandError as e:
            await respond(text=error_text(e), response_type="ephemeral", replace_original=False)
            return
        # Paging a shared answer must not rewrite the channel's message for everyone: the person
        # who pressed "More" gets the next page to themselves, and pages on from there privately.
        shared = request.query.share
        query = replace(request.query, share=False)
        try:
            message = await _results(services, query, request.offset, clock(), request.after)
        except StoreError as e:
            await respond(text=_store_trouble(e), response_type="ephemeral", replace_original=False)
            return
        await respond(
            text=message.text,
            blocks=list(message.blocks),
            response_type="ephemeral",
            replace_original=not shared,
        )

    app.command("/incidents")(incidents)
    app.action(MORE_ACTION)(more)
