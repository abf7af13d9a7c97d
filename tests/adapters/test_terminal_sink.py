"""TerminalSink: demo-mode delivery printed to a text stream."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from bot.adapters.sink import AlertSink
from bot.adapters.terminal_sink import TerminalSink
from bot.core.alerts import AlertContent, AlertSource, compose_alert, compose_update
from bot.core.figures import Casualties, Category, Headline

NOW = datetime(2026, 11, 25, 14, 30, tzinfo=UTC)
FIRST = Casualties(killed=Headline(Category.KILLED, 9, "at least", "civilians"))
CONTENT = AlertContent(
    watchlist="syria-desk",
    place="Idlib",
    casualties=FIRST,
    title="Jets strike market in Idlib city",
    summary="Strikes hit a vegetable market.",
    terms=("Idlib", "airstrikes"),
    sources=(AlertSource("Levant Wire", "https://news.example/a", NOW),),
    first_seen=NOW,
)


async def test_post_prints_the_box_and_returns_increasing_ts() -> None:
    out = io.StringIO()
    sink: AlertSink = TerminalSink(out, width=72)
    first = await sink.post("C0123", compose_alert(CONTENT, now=NOW))
    second = await sink.post("C0123", compose_alert(CONTENT, now=NOW))
    assert first == "1700000000.000100"
    assert float(second) > float(first)
    text = out.getvalue()
    assert "Idlib — at least 9 civilians killed" in text
    assert "Levant Wire (https://news.example/a)" in text
    assert text.count("┌") == 2


async def test_thread_reply_is_indented_under_its_parent() -> None:
    out = io.StringIO()
    sink = TerminalSink(out, width=72)
    parent = await sink.post("C0123", compose_alert(CONTENT, now=NOW))
    reply = compose_update(Casualties(), CONTENT, CONTENT.sources[0], now=NOW)
    assert reply is not None
    await sink.post("C0123", reply, thread_ts=parent)
    lines = out.getvalue().splitlines()
    marker = next(i for i, line in enumerate(lines) if f"↳ update to {parent}" in line)
    assert lines[marker].startswith("    ")
    assert all(line.startswith("    ") for line in lines[marker + 1 :])
    assert any("Toll update: killed 9 (at least) (new)" in line for line in lines[marker + 1 :])


async def test_update_prints_the_edited_message() -> None:
    out = io.StringIO()
    sink = TerminalSink(out)
    ts = await sink.post("C0123", compose_alert(CONTENT, now=NOW))
    await sink.update("C0123", ts, compose_alert(CONTENT, now=NOW))
    assert f"edited {ts}" in out.getvalue()
    assert out.getvalue().count("┌") == 2
