"""Pacing posts per Slack channel: a token bucket per channel, so a burst of alerts never trips
Slack's per-channel limit on ``chat.postMessage`` (about one message a second, short bursts allowed).

A channel may send ``burst`` messages at once, then one every ``interval`` seconds. Pure: the
caller gives the monotonic time and does the waiting.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ChannelPacer:
    interval: float = 1.0
    burst: int = 3
    _tokens: dict[str, tuple[float, float]] = field(default_factory=dict)
    """channel → (tokens left, when they were counted)."""

    def take(self, channel: str, now: float) -> float:
        """Reserve the next send on ``channel``: how many seconds to wait before sending it."""
        if self.interval <= 0:
            return 0.0
        tokens, counted = self._tokens.get(channel, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + max(0.0, now - counted) / self.interval)
        tokens -= 1.0
        self._tokens[channel] = (tokens, now)
        return 0.0 if tokens >= 0 else -tokens * self.interval


__all__ = ["ChannelPacer"]
