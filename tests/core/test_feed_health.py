"""Back-off for failing feeds, holds a server asks for, and pausing after many failures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.feed_health import (
    MAX_BACKOFF,
    MAX_HOLD,
    cache_hold,
    max_age,
    next_poll,
    pause_notice,
    poll_delay,
    retry_hold,
    should_pause,
)

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


def test_a_hold_delays_the_poll_but_never_brings_it_forward() -> None:
    later = T + timedelta(hours=1)
    assert next_poll(T, 300, 0, later) == later
    assert next_poll(T, 300, 0, T + timedelta(seconds=10)) == T + timedelta(seconds=300)
    assert next_poll(None, 300, 0, later) == later  # never polled, but the server said when


@pytest.mark.parametrize("status", [429, 503])
@pytest.mark.parametrize(
    ("header", "wait"),
    [
        ("120", timedelta(seconds=120)),
        ("1.5", timedelta(seconds=1.5)),
        ("Sun, 06 Dec 2026 09:30:00 GMT", timedelta(minutes=30)),
        ("86400", MAX_HOLD),  # a day is capped like the back-off
    ],
)
def test_retry_after_on_429_and_503_holds_the_feed(status: int, header: str, wait: timedelta) -> None:
    assert retry_hold(T, status, header) == T + wait


@pytest.mark.parametrize("header", [None, "", "soon", "-5", "0", "nan", "Sun, 06 Dec 2026 08:00:00 GMT"])
def test_a_missing_past_or_garbage_retry_after_is_no_hold(header: str | None) -> None:
    assert retry_hold(T, 429, header) is None


@pytest.mark.parametrize("status", [None, 200, 301, 404, 500])
def test_retry_after_counts_only_on_429_and_503(status: int | None) -> None:
    assert retry_hold(T, status, "120") is None


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("max-age=600", 600),
        ("public, max-age=3600, must-revalidate", 3600),
        ('MAX-AGE="90"', 90),
        ("s-maxage=600", None),  # for shared caches, not for us
        ("max-age=600, no-cache", None),
        ("no-store, max-age=600", None),
        ("max-age=soon", None),
        ("", None),
        (None, None),
    ],
)
def test_max_age_is_read_from_cache_control(header: str | None, seconds: float | None) -> None:
    assert max_age(header) == seconds


def test_max_age_only_lengthens_the_interval_and_is_capped() -> None:
    assert cache_hold(T, 300, "max-age=900") == T + timedelta(seconds=900)
    assert cache_hold(T, 300, "max-age=60") is None  # shorter than the interval: ours stands
    assert cache_hold(T, 300, "max-age=300") is None
    assert cache_hold(T, 300, "max-age=31536000") == T + MAX_HOLD
    assert cache_hold(T, 300, "no-cache") is None


def test_a_feed_pauses_after_n_consecutive_failures() -> None:
    assert not should_pause(19, 20)
    assert should_pause(20, 20) and should_pause(21, 20)
    assert not should_pause(10_000, None)


def test_the_pause_notice_names_the_feed_the_error_and_the_fix() -> None:
    notice = pause_notice(
        feed_id="levant-wire",
        name="Levant <!here> Wire",
        url="https://news.example/rss",
        failures=20,
        last_error="HTTP 404 Not Found",
        at=T,
    )
    assert "`levant-wire`" in notice.text and "Levant &lt;!here&gt; Wire" in notice.text
    assert "20 consecutive failures" in notice.text and "HTTP 404 Not Found" in notice.text
    assert "`/feeds resume levant-wire`" in notice.text
    assert "<!here>" not in notice.text
