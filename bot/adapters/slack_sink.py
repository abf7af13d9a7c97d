"""Delivering alerts to Slack through the Web API (chat.postMessage / chat.update).

Transient trouble (429 with Retry-After, 500/503, dropped connections) is retried inside the SDK by
its async retry handlers; what is left after that becomes a ``DeliveryError`` whose ``retryable``
tells the outbox drainer whether to try again later or to stop and tell an admin, and whose
``uncertain`` says the post may have been stored all the same (a timeout, a dropped connection, a
5xx). Reasons are written for that admin and never contain the token.

Exactly once: every post carries its outbox key as Slack message metadata
(``event_type: sitrep_alert``); ``find`` looks for it with ``conversations.history`` (or
``conversations.replies`` in a thread), so a post whose outcome was unknown is confirmed, not
repeated.
"""

from __future__ import annotations

import asyncio
import random
import time
from datetime import UTC, datetime
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.alerts import SlackMessage
from bot.core.pacing import ChannelPacer
from bot.core.retry_after import retry_after_seconds
from bot.errors import DeliveryError

METADATA_TYPE = "sitrep_alert"
FIND_PAGES = 5
"""How many pages of 200 messages ``find`` reads back; a post is looked for minutes after it was sent."""
MAX_RETRIES = 3
MAX_RATE_LIMIT_WAIT = 60.0
"""The longest one rate-limit wait inside a request; a longer Retry-After is cut to this (the
outbox's own backoff then spaces later attempts)."""

# Slack error codes that no amount of retrying fixes; the text says what the admin should do.
_PERMANENT: dict[str, str] = {
    "channel_not_found": "channel {channel} not found — invite the bot or fix the watchlist's channel",
    "not_in_channel": "the bot is not in channel {channel} — invite it with /invite @sitrep",
    "is_archived": "channel {channel} is archived — unarchive it or fix the watchlist's channel",
    "invalid_auth": "Slack rejected the bot token (invalid_auth) — check SLACK_BOT_TOKEN",
    "not_authed": "no Slack bot token was sent (not_authed) — set SLACK_BOT_TOKEN",
    "account_inactive": "the bot token belongs to a deactivated app or user (account_inactive)",
    "token_revoked": "the bot token was revoked (token_revoked) — reinstall the app",
    "token_expired": "the bot token expired (token_expired) — reinstall the app",
    "missing_scope": "the bot token lacks a scope needed to post (missing_scope) — add chat:write",
    "restricted_action": "posting to channel {channel} is restricted for the bot (restricted_action)",
    "msg_too_long": "the alert for channel {channel} is too long for Slack (msg_too_long)",
    "invalid_blocks": "Slack rejected the alert's blocks for channel {channel} (invalid_blocks)",
    "invalid_blocks_format": "Slack rejected the alert's block format for channel {channel}",
    "no_text": "the alert for channel {channel} had no text (no_text)",
    "message_not_found": "the message to update in channel {channel} no longer exists (message_not_found)",
    "cant_update_message": "the bot may not edit that message in channel {channel} (cant_update_message)",
    "edit_window_closed": "the message in channel {channel} can no longer be edited (edit_window_closed)",
}
_TRANSIENT = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)


class RetryAfterRateLimitHandler(AsyncRateLimitErrorRetryHandler):
    """Retries a 429 after the Retry-After Slack sent, read by ``retry_after_seconds``: the SDK's own
    handler calls ``int()`` on the header and raises on "1.5" or a date."""

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        if response is None:
            raise error if error is not None else RuntimeError("rate-limit retry without a response")
        state.next_attempt_requested = True
        header = next((v for k, v in response.headers.items() if k.lower() == "retry-after"), None)
        value = header[0] if isinstance(header, list) and header else header
        wait = retry_after_seconds(value if isinstance(value, str) else None, datetime.now(UTC))
        # A little jitter so that replicas and channels rate-limited together do not retry together.
        await asyncio.sleep(min(wait, MAX_RATE_LIMIT_WAIT) + random.random() * 0.25)
        state.increment_current_attempt()


# Methods that create something: repeating one whose answer was lost can make a second copy. A 429
# is safe to repeat (Slack stored nothing); a dropped connection or a 5xx is not, so for these the
# outbox asks Slack (``find``) instead of letting the SDK try again blindly.
_NOT_IDEMPOTENT = ("chat.postMessage",)


def _creates(request: HttpRequest) -> bool:
    return request.url.rstrip("/").endswith(_NOT_IDEMPOTENT)


class _NeverRepeatAPost(AsyncRetryHandler):
    """Put in front of a retry handler: it then retries everything it would, except a post (a post
    may have been stored; the outbox asks Slack instead)."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if _creates(request):
            return False
        return await super()._can_retry_async(state=state, request=request, response=response, error=error)


class IdempotentServerErrorRetryHandler(_NeverRepeatAPost, AsyncServerErrorRetryHandler):
    """Retries 500/503, except for a post."""


class IdempotentConnectionErrorRetryHandler(_NeverRepeatAPost, AsyncConnectionErrorRetryHandler):
    """Retries dropped connections, except for a post."""


def make_web_client(
    token: str,
    base_url: str,
    *,
    timeout: int = 30,
    max_retries: int = MAX_RETRIES,
    backoff: RetryIntervalCalculator | None = None,
) -> AsyncWebClient:
    """An ``AsyncWebClient`` that retries 429 (after Retry-After), and 500/503 and connection errors
    of every method but a post (see ``_NOT_IDEMPOTENT``).

    ``backoff`` sets the wait between server-error and connection retries (exponential with jitter
    by default); rate-limit retries always wait what Slack's Retry-After says.
    """
    interval = backoff or BackoffRetryIntervalCalculator(backoff_factor=0.5)
    handlers: list[AsyncRetryHandler] = [
        RetryAfterRateLimitHandler(max_retry_count=max_retries),
        IdempotentServerErrorRetryHandler(max_retry_count=max_retries, interval_calculator=interval),
        IdempotentConnectionErrorRetryHandler(max_retry_count=max_retries, interval_calculator=interval),
    ]
    return AsyncWebClient(token=token, base_url=base_url, timeout=timeout, retry_handlers=handlers)


def _redact(text: str, token: str | None) -> str:
    return text.replace(token, "[token]") if token else text


def _api_error(e: SlackApiError, action: str, channel: str) -> DeliveryError:
    response = e.response
    status = getattr(response, "status_code", None)
    data: Any = getattr(response, "data", None)
    code = str(data.get("error", "")) if isinstance(data, dict) else ""
    if status == 429 or code == "ratelimited":
        headers: Any = getattr(response, "headers", None) or {}
        raw = next((v for k, v in dict(headers).items() if str(k).lower() == "retry-after"), None)
        value = raw[0] if isinstance(raw, list) and raw else raw
        wait = retry_after_seconds(value if isinstance(value, str) else None, datetime.now(UTC))
        return DeliveryError(
            f"Slack rate-limited {action} to channel {channel} and retries ran out",
            retryable=True,
            code="ratelimited",
            retry_after=min(wait, MAX_RATE_LIMIT_WAIT),
        )
    if isinstance(status, int) and status >= 500:
        return DeliveryError(
            f"Slack returned HTTP {status} for {action} to channel {channel}", retryable=True, uncertain=True
        )
    if code in _PERMANENT:
        return DeliveryError(_PERMANENT[code].format(channel=channel), retryable=False, code=code)
    if code in _TRANSIENT:
        return DeliveryError(f"Slack failed {action} to channel {channel} ({code})", retryable=True)
    detail = code or f"HTTP {status}"
    return DeliveryError(
        f"Slack refused {action} to channel {channel} ({detail})",
        retryable=False,
        code=code or f"http_{status}",
    )


def _carries(message: dict[str, Any], key: str) -> bool:
    meta = message.get("metadata") or {}
    return meta.get("event_type") == METADATA_TYPE and (meta.get("event_payload") or {}).get("key") == key


def _older_than(messages: list[dict[str, Any]], floor: float) -> bool:
    """The page reaches back before ``floor`` (a history page is newest first)."""
    try:
        return bool(messages) and min(float(m.get("ts") or 0) for m in messages) < floor
    except ValueError:
        return True


class SlackSink:
    """An ``AlertSink`` posting to Slack. Link unfurling is off: the alert carries its own summary.

    Posts are paced per channel (``bot.core.pacing``: three at once, then one a second) so a burst
    never trips Slack's per-channel limit; a 429 that comes anyway is waited out inside the request
    for that channel alone, since the outbox drains each channel on its own."""

    def __init__(self, client: AsyncWebClient, pacer: ChannelPacer | None = None) -> None:
        self._client = client
        self._pacer = pacer or ChannelPacer()

    def _failure(self, e: Exception, action: str, channel: str) -> DeliveryError:
        if isinstance(e, SlackApiError):
            err = _api_error(e, action, channel)
        elif isinstance(e, TimeoutError):
            err = DeliveryError(
                f"Slack timed out during {action} to channel {channel}", retryable=True, uncertain=True
            )
        elif isinstance(e, aiohttp.ClientError | OSError):
            err = DeliveryError(
                f"could not reach Slack for {action} to channel {channel} ({type(e).__name__})",
                retryable=True,
                uncertain=True,
            )
        elif isinstance(e, SlackClientError):
            err = DeliveryError(
                f"Slack client error during {action} to channel {channel}",
                retryable=False,
                code="client_error",
            )
        else:
            # Anything else the client raises (a bug in it, a reply it cannot read) fails this alert
            # alone and is retried later: it must never stop the outbox behind it.
            err = DeliveryError(
                f"unexpected error during {action} to channel {channel} ({type(e).__name__})",
                retryable=True,
                uncertain=True,
            )
        return DeliveryError(
            _redact(err.reason, self._client.token),
            retryable=err.retryable,
            uncertain=err.uncertain,
            code=err.code,
            retry_after=err.retry_after,
        )

    async def post(
        self, channel: str, message: SlackMessage, *, thread_ts: str | None = None, key: str | None = None
    ) -> str:
        extra: dict[str, Any] = {}
        if key is not None:
            extra["metadata"] = {"event_type": METADATA_TYPE, "event_payload": {"key": key}}
        wait = self._pacer.take(channel, time.monotonic())
        if wait > 0:
            await asyncio.sleep(wait)
        try:
            response = await self._client.chat_postMessage(
                channel=channel,
                text=message.text,
                blocks=list(message.blocks),
                thread_ts=thread_ts,
                unfurl_links=False,
                unfurl_media=False,
                **extra,
            )
        except Exception as e:  # every failure becomes a DeliveryError; see _failure
            raise self._failure(e, "posting", channel) from e
        ts = response.get("ts")
        if not isinstance(ts, str):
            raise DeliveryError(
                f"Slack accepted the post to channel {channel} but returned no ts", retryable=False
            )
        return ts

    async def find(self, channel: str, key: str, *, thread_ts: str | None, since: datetime) -> str | None:
        # Newest first, page by page, until the messages are older than ``since`` (with a minute's
        # margin). No ``oldest`` filter: Slack's clock and ours need not agree.
        floor = since.timestamp() - 60
        cursor: str | None = None
        try:
            for _ in range(FIND_PAGES):
                if thread_ts is None:
                    page = await self._client.conversations_history(
                        channel=channel, limit=200, include_all_metadata=True, cursor=cursor
                    )
                else:
                    page = await self._client.conversations_replies(
                        channel=channel, ts=thread_ts, limit=200, include_all_metadata=True, cursor=cursor
                    )
                messages = page.get("messages") or []
                for m in messages:
                    if _carries(m, key):
                        ts = m.get("ts")
                        return ts if isinstance(ts, str) else None
                cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
                if cursor is None or _older_than(messages, floor):
                    return None
        except Exception as e:  # every failure becomes a DeliveryError; see _failure
            raise self._failure(e, "looking for a sent message", channel) from e
        return None

    async def update(self, channel: str, ts: str, message: SlackMessage) -> None:
        try:
            await self._client.chat_update(
                channel=channel, ts=ts, text=message.text, blocks=list(message.blocks)
            )
        except Exception as e:  # every failure becomes a DeliveryError; see _failure
            raise self._failure(e, "updating a message", channel) from e
