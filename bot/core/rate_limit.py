"""A per-user limit for heavy commands: at most N in a sliding window.

``/watch test NAME 30d`` matches up to thousands of stored items; forty of them in ten seconds from
one user held every answer up for half a minute. Each user gets a few a minute; the rest are told
when they can run the next. Pure: the caller gives ``now``; the state is this object's alone.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta


class PerUserLimit:
    def __init__(self, per_window: int = 3, window: timedelta = timedelta(minutes=1)) -> None:
        self._per_window = per_window
        self._window = window
        self._calls: dict[str, deque[datetime]] = {}

    def admit(self, user: str, now: datetime) -> timedelta | None:
        """None when ``user`` may go ahead now (and it is counted); else how long until they may."""
        calls = self._calls.setdefault(user, deque())
        while calls and calls[0] <= now - self._window:
            calls.popleft()
        if len(calls) >= self._per_window:
            return calls[0] + self._window - now
        calls.append(now)
        if len(self._calls) > 10_000:  # forget users with nothing in the window
            self._calls = {u: c for u, c in self._calls.items() if c and c[-1] > now - self._window}
        return None


__all__ = ["PerUserLimit"]
