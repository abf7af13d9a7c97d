"""Old items are recorded as seen but never alerted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.freshness import split_stale
from bot.core.items import FeedItem

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def item(ident: str, age_hours: float, *, estimated: bool = False) -> FeedItem:
    return FeedItem("f", ident, f"title {ident}", "", None, NOW - timedelta(hours=age_hours), estimated)


def test_items_older_than_max_age_are_stale() -> None:
    fresh, stale = split_stale(
        [item("new", 1), item("edge", 48), item("old", 49), item("ancient", 24 * 400)],
        now=NOW,
        max_age=timedelta(hours=48),
        first_poll=False,
    )
    assert [i.id for i in fresh] == ["new", "edge"]
    assert [i.id for i in stale] == ["old", "ancient"]


def test_undated_items_are_stale_only_on_a_first_poll() -> None:
    undated = item("undated", 0, estimated=True)
    assert split_stale([undated], now=NOW, max_age=timedelta(hours=48), first_poll=True) == ([], [undated])
    assert split_stale([undated], now=NOW, max_age=timedelta(hours=48), first_poll=False) == ([undated], [])
