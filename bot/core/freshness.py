"""Which new items are news: an item first seen now but published long ago is not an alert.

Without this, the first poll of a feed (or of a newly added one) would alert on everything it
lists, some of it weeks old. Old items are still recorded as seen — so they never alert later —
but they skip triage. Items whose date the feed did not give (``published_estimated``) are
treated as old on a feed's first successful poll: their age is unknown and most of a feed's
backlog is old.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from bot.core.items import FeedItem


def split_stale(
    items: Iterable[FeedItem], *, now: datetime, max_age: timedelta, first_poll: bool
) -> tuple[list[FeedItem], list[FeedItem]]:
    """(fresh, stale) — fresh items go to triage, stale ones are only marked seen."""
    fresh: list[FeedItem] = []
    stale: list[FeedItem] = []
    for item in items:
        too_old = now - item.published > max_age
        unknown_on_first_poll = first_poll and item.published_estimated
        (stale if too_old or unknown_on_first_poll else fresh).append(item)
    return fresh, stale
