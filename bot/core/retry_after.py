"""Reading an HTTP ``Retry-After`` header, whatever a server puts in it.

RFC 9110 allows whole seconds or an HTTP date. Servers also send fractions ("1.5"), negative
numbers, empty values and garbage; each must give a wait, never an exception (a ``ValueError`` from
the Slack SDK's own ``int()`` once froze the outbox behind one rate-limited alert). Pure: the caller
gives ``now``.
"""

from __future__ import annotations

import math
from datetime import datetime
from email.utils import parsedate_to_datetime

DEFAULT_WAIT = 1.0
"""Seconds to wait when the header is missing or unreadable."""


def retry_after_seconds(value: str | None, now: datetime, *, default: float = DEFAULT_WAIT) -> float:
    """Seconds to wait before retrying: the header's number (fractions kept), the time left until
    its date, 0 for a past date or a negative number, ``default`` when it says nothing readable."""
    if value is None or not value.strip():
        return default
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return default
        if when.tzinfo is None:
            return default
        return max(0.0, (when - now).total_seconds())
    if math.isnan(seconds) or math.isinf(seconds):
        return default
    return max(0.0, seconds)


__all__ = ["DEFAULT_WAIT", "retry_after_seconds"]
