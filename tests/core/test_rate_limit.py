"""The per-user limit on heavy commands."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.rate_limit import PerUserLimit

T = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def test_a_few_a_minute_per_user_then_told_when() -> None:
    limit = PerUserLimit(per_window=3, window=timedelta(minutes=1))
    assert [limit.admit("U1", T + timedelta(seconds=s)) for s in (0, 10, 20)] == [None, None, None]
    assert limit.admit("U1", T + timedelta(seconds=30)) == timedelta(seconds=30)
    assert limit.admit("U2", T + timedelta(seconds=30)) is None  # others are not held up
    assert limit.admit("U1", T + timedelta(seconds=60)) is None  # the first has left the window


def test_a_refused_try_does_not_count() -> None:
    limit = PerUserLimit(per_window=1, window=timedelta(minutes=1))
    assert limit.admit("U1", T) is None
    for s in range(1, 50):
        assert limit.admit("U1", T + timedelta(seconds=s)) is not None
    assert limit.admit("U1", T + timedelta(seconds=60)) is None
