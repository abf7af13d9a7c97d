"""The replay's machine-readable record: one JSON object per Slack message the bot sends.

``python run.py demo --once --corpus FILE --since D1 --until D2 --json`` prints these on stdout, in
the order the messages are sent, and nothing else (progress goes to stderr). The fields are a public
contract (README.md, "Replaying a crisis window"); ``eval/stream/score.py`` reads them:

``kind`` (post, reply, edit, digest), ``channel``, ``watchlist``, ``incident`` (its key, or null for a
digest), ``at`` (the replay time the message is sent, ISO-8601), ``text`` (the notification text),
``figures`` (the incident's figures as shown after this message: killed, wounded, displaced,
missing; null when none is shown) and ``links`` (the feed items the message reports: for a post the
lead item first; for a reply or an edit the items that caused it; for a digest every item it lists).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, TextIO

from bot.adapters.terminal_sink import InventedTs
from bot.core.alerts import SlackMessage
from bot.engine import Delivered


def record(delivered: Delivered) -> dict[str, Any]:
    row, facts = delivered.row, delivered.row.facts
    return {
        "kind": row.kind,
        "channel": row.channel,
        "watchlist": facts.watchlist or None,
        "incident": row.incident_key or None,
        "at": delivered.at.isoformat(),
        "text": row.message.text,
        "figures": None if facts.figures is None else dict(facts.figures),
        "links": list(facts.links),
    }


class JsonMessageLog:
    """An ``on_delivered`` listener writing one JSON line per delivered message to ``out``."""

    def __init__(self, out: TextIO) -> None:
        self._out = out

    def __call__(self, delivered: Delivered) -> None:
        self._out.write(json.dumps(record(delivered), ensure_ascii=False) + "\n")
        self._out.flush()


class SilentSink:
    """An ``AlertSink`` that delivers nowhere and invents Slack-like ts: with ``--json`` the log is
    the output, and rendering every alert as well would only slow the replay down."""

    def __init__(self) -> None:
        self._ts = InventedTs()

    async def post(
        self, channel: str, message: SlackMessage, *, thread_ts: str | None = None, key: str | None = None
    ) -> str:
        return self._ts()

    async def find(self, channel: str, key: str, *, thread_ts: str | None, since: datetime) -> str | None:
        return None  # in-process: a post either returned or never happened

    async def update(self, channel: str, ts: str, message: SlackMessage) -> None:
        return None
