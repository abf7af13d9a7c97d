"""Retry-After in every shape servers send it."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from bot.core.retry_after import DEFAULT_WAIT, retry_after_seconds

NOW = datetime(2026, 12, 6, 9, 0, 0, tzinfo=UTC)


def test_seconds_whole_and_fractional() -> None:
    assert retry_after_seconds("30", NOW) == 30
    assert retry_after_seconds(" 1.5 ", NOW) == 1.5


def test_an_http_date_gives_the_time_left_and_a_past_date_none() -> None:
    assert retry_after_seconds("Sun, 06 Dec 2026 09:00:20 GMT", NOW) == 20
    assert retry_after_seconds("Sun, 06 Dec 2026 08:00:00 GMT", NOW) == 0


def test_nonsense_gives_the_default_and_negatives_no_wait() -> None:
    for junk in (None, "", "soon", "nan", "inf", "Mon, 99 Foo 2026"):
        assert retry_after_seconds(junk, NOW) == DEFAULT_WAIT
    assert retry_after_seconds("-5", NOW) == 0


@given(st.text())
def test_any_header_gives_a_finite_wait(value: str) -> None:
    wait = retry_after_seconds(value, NOW)
    assert 0 <= wait < float("inf")
