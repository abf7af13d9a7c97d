"""When to poll a failing feed again: exponential back-off on consecutive failures.

A feed that answers 404 or loops its redirects must not be fetched every interval for ever (24
requests a minute for a 2 s feed): after each further failure the wait doubles, up to six hours,
and the first success restores the feed's own interval. The first failure waits the normal interval
(one failure is usually a blip). Pure: the caller gives the times.
"""

from __future__ import annotations

from datetime import datetime, timedelta

MAX_BACKOFF = timedelta(hours=6)


def poll_delay(interval_seconds: int, consecutive_failures: int) -> timedelta:
    """The wait after the last poll: the interval, doubled for each failure after the first, at
    most ``MAX_BACKOFF`` (or the interval itself, if that is longer)."""
    base = max(1, interval_seconds)
    doublings = min(max(0, consecutive_failures - 1), 32)  # 2**32 intervals is past any cap
    cap = int(MAX_BACKOFF.total_seconds())
    return timedelta(seconds=max(base, min(base * 2**doublings, cap)))


def next_poll(
    last_polled: datetime | None, interval_seconds: int, consecutive_failures: int
) -> datetime | None:
    """When the feed is due; None: never polled, so due at once."""
    if last_polled is None:
        return None
    return last_polled + poll_delay(interval_seconds, consecutive_failures)


__all__ = ["MAX_BACKOFF", "next_poll", "poll_delay"]
