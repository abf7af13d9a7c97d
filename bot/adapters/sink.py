"""Where alerts go: the one interface the outbox drainer delivers through (Slack or a terminal)."""

from __future__ import annotations

from typing import Protocol

from bot.core.alerts import SlackMessage


class AlertSink(Protocol):
    """Delivers composed messages. Failures raise ``bot.errors.DeliveryError``."""

    async def post(self, channel: str, message: SlackMessage, *, thread_ts: str | None = None) -> str:
        """Post a message (a thread reply when ``thread_ts`` is given) and return its ts."""
        ...

    async def update(self, channel: str, ts: str, message: SlackMessage) -> None:
        """Replace the content of an already posted message."""
        ...
