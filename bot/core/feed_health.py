"""When to poll a feed again, and when to stop: back-off, server holds, pausing. Pure.

A feed that answers 404 or loops its redirects must not be fetched every interval for ever (24
requests a minute for a 2 s feed): after each further failure the wait doubles, up to six hours,
and the first success restores the feed's own interval. The first failure waits the normal interval
(one failure is usually a blip).

A server may also say when to come back: ``Retry-After`` on a 429 or 503, ``Cache-Control:
max-age`` on a 200 or 304. Either becomes a "not before" time for the feed (``retry_hold``,
``cache_hold``), capped like the back-off. A server can only lengthen the wait, never shorten it.

After ``pause_after`` consecutive failures (config ``feed_pause_after``) the feed is paused: not
polled again until an admin resumes it, and the admin channel is told once (``pause_notice``).

The caller gives the times.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.alerts import SlackMessage
from bot.core.retry_after import retry_after_seconds
from bot.core.slack_text import escape

MAX_BACKOFF = timedelta(hours=6)
MAX_HOLD = MAX_BACKOFF
"""The longest a server's Retry-After or max-age can keep a feed from being polled."""
DEFAULT_PAUSE_AFTER = 20
"""Consecutive failures after which a feed is paused (config ``feed_pause_after``)."""
HOLD_STATUSES = frozenset({429, 503})
"""The answers whose Retry-After is honoured (RFC 9110 §10.2.3; 3xx Retry-After is not a hold)."""


def poll_delay(interval_seconds: int, consecutive_failures: int) -> timedelta:
    """The wait after the last poll: the interval, doubled for each failure after the first, at
    most ``MAX_BACKOFF`` (or the interval itself, if that is longer)."""
    base = max(1, interval_seconds)
    doublings = min(max(0, consecutive_failures - 1), 32)  # 2**32 intervals is past any cap
    cap = int(MAX_BACKOFF.total_seconds())
    return timedelta(seconds=max(base, min(base * 2**doublings, cap)))


def next_poll(
    last_polled: datetime | None,
    interval_seconds: int,
    consecutive_failures: int,
    not_before: datetime | None = None,
) -> datetime | None:
    """When the feed is due: after its (backed-off) interval and not before ``not_before``, the time
    its server asked for. None: never polled and no hold, so due at once."""
    due = None if last_polled is None else last_polled + poll_delay(interval_seconds, consecutive_failures)
    if not_before is None:
        return due
    return not_before if due is None else max(due, not_before)


def retry_hold(now: datetime, status: int | None, retry_after: str | None) -> datetime | None:
    """The time a 429 or 503 with ``Retry-After`` (seconds, fractional, or an HTTP date) asks us to
    wait for, at most ``MAX_HOLD`` away; None for any other answer, a missing, past or unreadable
    header (the back-off alone then decides)."""
    if status not in HOLD_STATUSES or retry_after is None:
        return None
    seconds = retry_after_seconds(retry_after, now, default=0.0)
    if seconds <= 0:
        return None
    return now + min(timedelta(seconds=seconds), MAX_HOLD)


def max_age(cache_control: str | None) -> float | None:
    """Seconds of ``max-age`` in a ``Cache-Control`` header; None when it has none, an unreadable
    one, or says ``no-cache``/``no-store`` (the publisher wants every use revalidated, which tells
    nothing about when the feed will change)."""
    if not cache_control:
        return None
    found: float | None = None
    for part in cache_control.split(","):
        name, _, value = part.strip().partition("=")
        name = name.strip().lower()
        if name in ("no-cache", "no-store"):
            return None
        if name == "max-age":
            try:
                seconds = int(value.strip().strip('"'))
            except ValueError:
                return None  # RFC 9111 §4.2.1: an invalid max-age makes the response stale
            found = float(max(0, seconds))
    return found


def cache_hold(now: datetime, interval_seconds: int, cache_control: str | None) -> datetime | None:
    """The time a 200's or 304's ``max-age`` says the feed stays fresh until, when that is later
    than the feed's own interval (at most ``MAX_HOLD``); None otherwise: max-age only lengthens."""
    seconds = max_age(cache_control)
    if seconds is None or seconds <= interval_seconds:
        return None
    return now + min(timedelta(seconds=seconds), MAX_HOLD)


def should_pause(consecutive_failures: int, pause_after: int | None) -> bool:
    """True once a feed has failed ``pause_after`` times in a row (None: never pause)."""
    return pause_after is not None and consecutive_failures >= max(1, pause_after)


def pause_notice(
    *, feed_id: str, name: str, url: str, failures: int, last_error: str, at: datetime
) -> SlackMessage:
    """The admin channel's one message about a paused feed: which, why, and how to resume it."""
    stamp = at.strftime("%Y-%m-%d %H:%M UTC")
    text = (
        f":pause_button: Feed `{escape(feed_id)}` *{escape(name)}* is paused after {failures}"
        f" consecutive failures ({stamp}); it is not polled until an admin resumes it.\n"
        f"URL: {escape(url)}\nLast error: {escape(last_error[:300])}\n"
        f"Fix the feed (or its URL), then `/feeds resume {escape(feed_id)}`;"
        f" or `/feeds remove {escape(feed_id)}` if it is gone for good."
    )
    return SlackMessage(text=text, blocks=({"type": "section", "text": {"type": "mrkdwn", "text": text}},))


__all__ = [
    "DEFAULT_PAUSE_AFTER",
    "HOLD_STATUSES",
    "MAX_BACKOFF",
    "MAX_HOLD",
    "cache_hold",
    "max_age",
    "next_poll",
    "pause_notice",
    "poll_delay",
    "retry_hold",
    "should_pause",
]
