"""Back-off for failing feeds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.core.feed_health import MAX_BACKOFF, next_poll, poll_delay

T = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def test_a_healthy_feed_and_a_first_failure_keep_the_interval() -> None:
    assert poll_delay(300, 0) == poll_delay(300, 1) == timedelta(seconds=300)


def test_each_further_failure_doubles_the_wait_up_to_six_hours() -> None:
    assert [poll_delay(2, n).total_seconds() for n in (2, 3, 4)] == [4, 8, 16]
    assert poll_delay(300, 7) == timedelta(seconds=300 * 64)
    assert poll_delay(300, 8) == MAX_BACKOFF  # 300 × 128 s is past six hours
    assert poll_delay(2, 10_000) == MAX_BACKOFF


def test_a_feed_slower_than_the_cap_keeps_its_own_interval() -> None:
    assert poll_delay(86_400, 5) == timedelta(days=1)


def test_never_polled_is_due_at_once() -> None:
    assert next_poll(None, 300, 3) is None
    assert next_poll(T, 300, 3) == T + timedelta(seconds=1200)


@given(st.integers(min_value=1, max_value=10**6), st.integers(min_value=0, max_value=10**6))
def test_the_wait_never_shrinks_as_failures_mount(interval: int, failures: int) -> None:
    assert poll_delay(interval, failures) <= poll_delay(interval, failures + 1)
    assert poll_delay(interval, failures) <= max(timedelta(seconds=interval), MAX_BACKOFF)
