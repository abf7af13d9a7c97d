"""Demo-mode delivery: alerts printed as boxes on a terminal instead of posted to Slack."""

from __future__ import annotations

import textwrap
from datetime import datetime
from typing import TextIO

from bot.core.alerts import SlackMessage, render_terminal

_TS_START = 1_700_000_000_000_100  # microseconds; renders as "1700000000.000100"
_TS_STEP = 100


class InventedTs:
    """Slack-like message timestamps, increasing, for sinks that deliver nowhere real."""

    def __init__(self) -> None:
        self._next = _TS_START

    def __call__(self) -> str:
        micros, self._next = self._next, self._next + _TS_STEP
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


class TerminalSink:
    """An ``AlertSink`` that writes ``render_terminal`` output to ``out`` and invents Slack-like ts."""

    def __init__(self, out: TextIO, *, width: int = 100) -> None:
        self._out = out
        self._width = width
        self._ts = InventedTs()

    def _write(self, text: str) -> None:
        self._out.write(text + "\n")
        self._out.flush()

    async def post(
        self, channel: str, message: SlackMessage, *, thread_ts: str | None = None, key: str | None = None
    ) -> str:
        ts = self._ts()
        if thread_ts is None:
            self._write(f"#{channel}  ts={ts}")
            self._write(render_terminal(message, width=self._width))
        else:
            self._write(f"    ↳ update to {thread_ts}  (#{channel}, ts={ts})")
            box = render_terminal(message, width=self._width - 4)
            self._write(textwrap.indent(box, "    "))
        return ts

    async def find(self, channel: str, key: str, *, thread_ts: str | None, since: datetime) -> str | None:
        return None  # in-process: a post either returned or never happened

    async def update(self, channel: str, ts: str, message: SlackMessage) -> None:
        self._write(f"#{channel}  ✎ edited {ts}")
        self._write(render_terminal(message, width=self._width))
