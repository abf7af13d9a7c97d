"""The per-channel token bucket: bursts pass, then one message per interval; channels apart."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.core.pacing import ChannelPacer


def test_a_burst_passes_then_each_message_waits_its_turn() -> None:
    pacer = ChannelPacer(interval=1.0, burst=3)
    waits = [pacer.take("C1", 100.0) for _ in range(5)]
    assert waits == [0.0, 0.0, 0.0, 1.0, 2.0]
    assert pacer.take("C2", 100.0) == 0.0  # another channel has its own bucket
    assert pacer.take("C1", 110.0) == 0.0  # refilled after a quiet spell


def test_no_interval_means_no_pacing() -> None:
    pacer = ChannelPacer(interval=0)
    assert {pacer.take("C1", 0.0) for _ in range(50)} == {0.0}


@given(st.lists(st.floats(min_value=0, max_value=5), min_size=1, max_size=40))
def test_sends_that_wait_as_told_never_exceed_the_rate(gaps: list[float]) -> None:
    """Whatever the arrival times, sending after the wait keeps any window of T seconds under
    burst + T / interval messages."""
    pacer = ChannelPacer(interval=1.0, burst=3)
    now, sent = 0.0, []
    for gap in gaps:
        now += gap
        sent.append(now + pacer.take("C", now))
    for i, start in enumerate(sent):
        window = [t for t in sent[i:] if t < start + 10]
        assert len(window) <= 3 + 10
