"""The "Not relevant" button under every alert, and the "Undo" its presser is shown.

``ack()`` first. A press records the presser's mark through the store and says so in the alert's
thread, so the rest of the desk sees it; the presser alone gets a receipt with an Undo button (and
alone hears about a failure). Marking twice changes nothing, so a double click is harmless. Anyone who
can see the alert may press it: feedback changes no watchlist and no alert.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.feedback import Mark
from bot.core.alerts import (
    NOT_RELEVANT_ACTION,
    UNDO_NOT_RELEVANT_ACTION,
    SlackMessage,
    compose_feedback_note,
    compose_mark_receipt,
    parse_undo_value,
)
from bot.core.slack_text import escape
from bot.errors import StoreError
from handlers.context import Services

log = logging.getLogger(__name__)
GONE = "This alert is no longer in Sitrep's database, so nothing was recorded."
DAMAGED = "This button did not say which alert it belongs to, so nothing was recorded."


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _who_where(body: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """(user, channel, ts of the message that holds the button) of a button press."""
    container = body.get("container") or {}
    return (
        _text((body.get("user") or {}).get("id")),
        _text((body.get("channel") or {}).get("id")) or _text(container.get("channel_id")),
        _text(container.get("message_ts")) or _text((body.get("message") or {}).get("ts")),
    )


def register(app: AsyncApp, services: Services) -> None:
    async def reply(respond: AsyncRespond, message: SlackMessage, *, replace: bool = False) -> None:
        # Never replace the alert itself: these are private lines for the presser.
        await respond(
            text=message.text,
            blocks=list(message.blocks),
            response_type="ephemeral",
            replace_original=replace,
        )

    async def tell(respond: AsyncRespond, text: str, *, replace: bool = False) -> None:
        await respond(text=text, response_type="ephemeral", replace_original=replace)

    async def note_in_thread(
        client: AsyncWebClient, respond: AsyncRespond, mark: Mark, user: str, channel: str, ts: str | None
    ) -> None:
        if not mark.changed or ts is None:
            return
        note = compose_feedback_note(user, mark.watchlist, marked=mark.marked, marks=mark.marks)
        try:
            await client.chat_postMessage(
                channel=channel, thread_ts=ts, text=note.text, blocks=list(note.blocks), unfurl_links=False
            )
        except SlackApiError as e:
            error = e.response.get("error", "unknown_error") if e.response is not None else "unknown_error"
            log.warning("feedback on %s recorded; thread note failed: %s", mark.incident_key, error)
            await tell(
                respond, f"Recorded, but Sitrep could not say so in the alert's thread ({escape(error)})."
            )

    async def not_relevant(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        respond: AsyncRespond,
    ) -> None:
        await ack()
        key = _text(action.get("value"))
        user, channel, ts = _who_where(body)
        if key is None or user is None or channel is None:
            log.warning("not-relevant press without incident, user or channel: %r", body.get("container"))
            await tell(respond, DAMAGED)
            return
        try:
            mark = await services.store.feedback.mark(
                key, user_id=user, channel=channel, now=services.clock()
            )
        except StoreError as e:
            log.error("could not record feedback on %s: %s", key, e)
            await tell(
                respond, f"Could not record your mark right now ({escape(str(e))[:200]}). Try again soon."
            )
            return
        if mark is None:
            await tell(respond, GONE)
            return
        await reply(
            respond, compose_mark_receipt(key, ts, watchlist=mark.watchlist, already=not mark.changed)
        )
        await note_in_thread(client, respond, mark, user, channel, ts)

    async def undo(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        respond: AsyncRespond,
    ) -> None:
        await ack()
        key, alert_ts = parse_undo_value(_text(action.get("value")) or "")
        user, channel, _ = _who_where(body)
        if not key or user is None or channel is None:
            await tell(respond, DAMAGED)
            return
        try:
            mark = await services.store.feedback.unmark(key, user_id=user)
        except StoreError as e:
            log.error("could not withdraw feedback on %s: %s", key, e)
            await tell(
                respond, f"Could not withdraw your mark right now ({escape(str(e))[:200]}). Try again soon."
            )
            return
        if mark is None:
            await tell(respond, GONE, replace=True)
            return
        await tell(
            respond,
            "Your mark was withdrawn." if mark.changed else "You had no mark on this alert to withdraw.",
            replace=True,
        )
        await note_in_thread(client, respond, mark, user, channel, alert_ts)

    app.action(NOT_RELEVANT_ACTION)(not_relevant)
    app.action(UNDO_NOT_RELEVANT_ACTION)(undo)
