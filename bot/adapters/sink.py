"""Where alerts go: the one interface the outbox drainer delivers through (Slack or a terminal)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.core.alerts import SlackMessage


class AlertSink(Protocol):
    """Delivers composed messages. Failures raise ``bot.errors.DeliveryError``."""

    async def post(
        self, channel: str, message: SlackMessage, *, thread_ts: str | None = None, key: str | None = None
    ) -> str:
        """Post a message (a thread reply when ``thread_ts`` is given) and return its ts. ``key``
        marks the message so that ``find`` can tell later whether this very post arrived."""
        ...

    async def find(self, channel: str, key: str, *, thread_ts: str | None, since: datetime) -> str | None:
        """The ts of a message posted with ``key`` at or after ``since`` (in the thread of
        ``thread_ts`` when given), or None when there is none."""
        ...

    async def update(self, channel: str, ts: str, message: SlackMessage) -> None:
        """Replace the content of an already posted message."""
        ...
