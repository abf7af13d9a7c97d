"""Composing the Slack messages Sitrep posts: the incident alert, its toll-update reply, and a
terminal rendering of either for demo mode.

Pure: content and ``now`` in, a ``SlackMessage`` (fallback text + Block Kit blocks) out. Every
piece of feed-derived text passes through ``bot.core.slack_text`` so a hostile title cannot ping a
channel or disguise a link, and every block respects Slack's size limits by truncating — composing
an alert never fails because a feed was verbose.
"""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.core.event_phrase import event_phrase
from bot.core.figures import Casualties, Category, Headline
from bot.core.slack_text import clean, clip, escape, link, safe_url, to_plain
from bot.errors import StoreError

TERMS_SHOWN = 8  # an incident told by several outlets gathers many; the first ones say why it matched
HEADER_MAX = 150
SECTION_MAX = 3000
FIELD_MAX = 2000
FIELDS_MAX = 10
CONTEXT_MAX = 3000
BLOCKS_MAX = 50
TEXT_MAX = 3000
SOURCES_LISTED = 5
NOT_RELEVANT_ACTION = "alert_not_relevant"
UNDO_NOT_RELEVANT_ACTION = "alert_not_relevant_undo"
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,30}")


@dataclass(frozen=True, slots=True)
class AlertSource:
    name: str
    link: str | None
    published: datetime


@dataclass(frozen=True, slots=True)
class AlertContent:
    """What one alert says. ``sources[0]`` is the lead report."""

    watchlist: str
    place: str | None
    casualties: Casualties
    title: str
    summary: str
    terms: tuple[str, ...]
    sources: tuple[AlertSource, ...]
    first_seen: datetime
    updated: datetime | None = None
    muted_reason: str | None = None
    key: str | None = None
    """The incident's key: the "Not relevant" button carries it. None: no button (previews)."""
    why: tuple[str, ...] = ()
    """Why the alert pinged: "new event", "toll of 10 or more", "first report from Rafah"."""
    toll_note: str | None = None
    """When sources give different tolls or a party disputes one, the line that says so."""


@dataclass(frozen=True, slots=True)
class SlackMessage:
    """A message ready for chat.postMessage/chat.update: notification fallback text plus blocks."""

    text: str
    blocks: tuple[dict[str, Any], ...]


def _utc(moment: datetime) -> datetime:
    # Naive datetimes are taken as UTC: the core's contract is UTC everywhere.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def utc_stamp(moment: datetime) -> str:
    return _utc(moment).strftime("%Y-%m-%d %H:%M UTC")


def slack_date(moment: datetime) -> str:
    """A ``<!date^…>`` token: each reader sees their own time zone; others see the UTC fallback."""
    m = _utc(moment)
    return f"<!date^{int(m.timestamp())}^{{date_short_pretty}} {{time}}|{utc_stamp(m)}>"


def _figure_text(h: Headline) -> str:
    """'at least 9 civilians' — the figure without its category, which the field label carries."""
    if h.value == 0:
        return "none"
    return " ".join(p for p in (h.qualifier, f"{h.value:,}", h.group) if p)


def headline(content: AlertContent) -> str:
    """'Idlib — at least 9 civilians killed, at least 20 wounded in regime airstrikes' (raw text).

    The cause ("in regime airstrikes") comes from the lead report's title when it names one.
    """
    title = clean(content.title)
    place = clean(content.place or "")
    if not place:
        return title
    figures = content.casualties.headlines
    if not figures:
        return f"{place} — {title}" if title else place
    told = f"{place} — {', '.join(h.describe() for h in figures)}"
    cause = event_phrase(title)
    return f"{told} in {cause}" if cause else told


def _lead(content: AlertContent) -> AlertSource | None:
    return content.sources[0] if content.sources else None


def _source_line(content: AlertContent, now: datetime) -> str:
    lead = _lead(content)
    parts: list[str] = []
    if lead is not None:
        published = min(_utc(lead.published), _utc(now))  # a feed's future date is a typo
        parts.append(f"{link(lead.link, lead.name or 'source')} · {slack_date(published)}")
    outlets = {s.name for s in content.sources}
    if len(content.sources) > 1:
        others = [link(s.link, s.name or "source") for s in content.sources[:SOURCES_LISTED]]
        more = len(content.sources) - SOURCES_LISTED
        listed = ", ".join(others) + (f" and {more} more" if more > 0 else "")
        # Outlets, not reports: a wire's own follow-up is not a second source.
        count = f"{len(outlets)} sources" if len(outlets) > 1 else f"{len(content.sources)} reports"
        parts.append(f"{count}: {listed}")
    if content.updated is not None:
        updated = _utc(content.updated)
        same_day = updated.date() == _utc(now).date()
        parts.append("Updated " + (updated.strftime("%H:%M UTC") if same_day else utc_stamp(updated)))
    return " · ".join(parts)


def _fields(casualties: Casualties) -> list[dict[str, Any]]:
    fields = []
    for h in casualties.headlines[:FIELDS_MAX]:
        label = h.category.value.capitalize()
        text = f"*{label}*\n{escape(_figure_text(h))}"
        if h.uncertain:  # read with low confidence (bot.core.figure_confidence): never stated flatly
            text += "\n_uncertain reading: check the source_"
        fields.append({"type": "mrkdwn", "text": clip(text, FIELD_MAX)})
    return fields


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(text, CONTEXT_MAX)}]}


def _fallback(head: str, lead: AlertSource | None) -> str:
    url = safe_url(lead.link) if lead is not None else None
    suffix = f" — {link(url)}" if url else ""
    return clip(escape(head), TEXT_MAX - len(suffix)) + suffix


def compose_alert(content: AlertContent, *, now: datetime) -> SlackMessage:
    """The incident alert: header, title + summary, figures, matched terms, sources."""
    head = headline(content)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": clip(escape(head), HEADER_MAX)}}
    ]
    title, summary = escape(content.title), escape(content.summary)
    if not content.casualties.headlines and content.place:
        title = ""  # the header already reads "Place — title"
    body = f"*{clip(title, SECTION_MAX // 2)}*" if title else ""
    if summary:
        body = f"{body}\n{summary}" if body else summary
    if body:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": clip(body, SECTION_MAX)}})
    fields = _fields(content.casualties)
    if fields:
        blocks.append({"type": "section", "fields": fields})
    if content.toll_note:
        blocks.append(_context(escape(clean(content.toll_note))))
    terms = list(dict.fromkeys(escape(t) for t in content.terms if clean(t)))
    if terms:
        shown = ", ".join(terms[:TERMS_SHOWN])
        more = f" (+{len(terms) - TERMS_SHOWN} more)" if len(terms) > TERMS_SHOWN else ""
        blocks.append(_context(f"Matched: {shown}{more}"))
    sources = _source_line(content, now)
    if sources:
        blocks.append(_context(sources))
    if content.why:
        blocks.append(_context("Why it pinged: " + escape(" · ".join(content.why))))
    if content.muted_reason:
        blocks.append(_context(f"Muted: {escape(content.muted_reason)}"))
    blocks = blocks[: BLOCKS_MAX - 1]
    if content.key:
        blocks.append(_feedback_button(content.key))
    return SlackMessage(text=_fallback(head, _lead(content)), blocks=tuple(blocks))


def _feedback_button(key: str) -> dict[str, Any]:
    # What the desk thinks of an alert is how its watchlist gets tuned (docs/ACCURACY.md, "desk feedback").
    return {
        "type": "actions",
        "block_id": "feedback",
        "elements": [
            {
                "type": "button",
                "action_id": NOT_RELEVANT_ACTION,
                "text": {"type": "plain_text", "text": "Not relevant"},
                "value": key[:2000],
            }
        ],
    }


def compose_feedback_note(user_id: str, watchlist: str, *, marked: bool, marks: int) -> SlackMessage:
    """The thread reply under an alert when someone marks it not relevant, or withdraws their mark."""
    who = f"<@{user_id}>" if _USER_ID.fullmatch(user_id) else "Someone"
    name = escape(clean(watchlist))
    if marked:
        others = f" ({marks} people so far)" if marks > 1 else ""
        text = (
            f"{who} marked this alert *not relevant* to {name}{others}. "
            f"Admins see the count in `/watch show {name}`."
        )
    else:
        left = f" ({marks} still mark it)" if marks else ""
        text = f"{who} withdrew their *not relevant* mark{left}."
    return SlackMessage(text=text, blocks=(_context(text),))


def compose_mark_receipt(key: str, alert_ts: str | None, *, watchlist: str, already: bool) -> SlackMessage:
    """What the person who pressed "Not relevant" alone sees: that it counted, and an Undo button.

    The button carries the alert's ``ts`` so that withdrawing can be said in the alert's thread too.
    """
    name = escape(clean(watchlist))
    text = (
        f"You had already marked this alert not relevant to {name}."
        if already
        else f"Marked not relevant to {name}. Thank you: the watchlist's admins use these marks to tune it."
    )
    undo = {
        "type": "button",
        "action_id": UNDO_NOT_RELEVANT_ACTION,
        "text": {"type": "plain_text", "text": "Undo"},
        "value": f"{key} {alert_ts or ''}".strip()[:2000],
    }
    return SlackMessage(
        text=text,
        blocks=(
            {"type": "section", "text": {"type": "mrkdwn", "text": text}},
            {"type": "actions", "block_id": "feedback_undo", "elements": [undo]},
        ),
    )


def parse_undo_value(value: str) -> tuple[str, str | None]:
    """(incident key, alert ts or None) from an Undo button's value."""
    key, _, ts = value.strip().partition(" ")
    return key, ts.strip() or None


def _change(category: Category, before: Headline | None, after: Headline) -> str:
    hedge = f" ({after.qualifier})" if after.qualifier else ""
    if before is None:
        return f"{category.value} {after.value:,}{hedge} (new)"
    return f"{category.value} {before.value:,} → {after.value:,}{hedge}"


def figure_changes(previous: Casualties, current: Casualties) -> tuple[str, ...]:
    """'killed 9 → 12 (at least)' for every category whose figure differs; empty when none does."""
    out = []
    for category in Category:
        before, after = previous.headline(category), current.headline(category)
        if after is not None and (before is None or before.value != after.value):
            out.append(_change(category, before, after))
    return tuple(out)


def compose_update(
    previous: Casualties, current: AlertContent, new_source: AlertSource, *, now: datetime
) -> SlackMessage | None:
    """The thread reply announcing a changed toll, or None when no figure changed."""
    changes = figure_changes(previous, current.casualties)
    if not changes:
        return None
    summary = escape(", ".join(changes))
    source = link(new_source.link, new_source.name or "source")
    when = slack_date(min(_utc(new_source.published), _utc(now)))
    text = clip(f"Toll update: {summary} — {source}", TEXT_MAX)
    blocks = (
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": clip(f"*Toll update:* {summary}", SECTION_MAX)},
        },
        _context(f"{source} · {when}"),
    )
    return SlackMessage(text=text, blocks=blocks)


def message_json(msg: SlackMessage) -> str:
    return json.dumps({"text": msg.text, "blocks": list(msg.blocks)}, ensure_ascii=False, sort_keys=True)


def message_from_json(raw: str) -> SlackMessage:
    """Read back what ``message_json`` wrote; a damaged outbox row is a ``StoreError``."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as e:
        raise StoreError(f"outbox message is not valid JSON: {e.msg} at position {e.pos}") from e
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        raise StoreError("outbox message has no text")
    blocks = data.get("blocks", [])
    if not isinstance(blocks, list) or not all(isinstance(b, dict) for b in blocks):
        raise StoreError("outbox message blocks are not a list of objects")
    return SlackMessage(text=data["text"], blocks=tuple(blocks))


def _block_lines(block: dict[str, Any]) -> list[str]:
    kind = block.get("type")
    if kind == "header":
        return [to_plain(str(block.get("text", {}).get("text", "")))]
    if kind == "section":
        lines = []
        text = block.get("text")
        if isinstance(text, dict):
            lines.extend(to_plain(str(text.get("text", ""))).split("\n"))
        fields = block.get("fields") or []
        for f in fields:
            label, _, value = to_plain(str(f.get("text", ""))).partition("\n")
            lines.append(f"{label}: {value}" if value else label)
        return lines
    if kind == "context":
        return [to_plain(str(e.get("text", ""))) for e in block.get("elements", []) if isinstance(e, dict)]
    if kind == "divider":
        return ["-"]
    return []


def render_terminal(msg: SlackMessage, *, width: int = 100) -> str:
    """A boxed, plain-text rendering of the message's blocks for demo mode."""
    inner = max(width - 4, 20)
    groups = [_block_lines(b) for b in msg.blocks] or [[to_plain(msg.text)]]
    rule = "─" * (inner + 2)
    out = [f"┌{rule}┐"]
    for i, lines in enumerate(g for g in groups if g):
        if i == 1:
            out.append(f"├{rule}┤")
        for line in lines:
            if line == "-":
                out.append(f"├{rule}┤")
                continue
            for piece in textwrap.wrap(line, inner, break_long_words=True) or [""]:
                out.append(f"│ {piece.ljust(inner)} │")
    out.append(f"└{rule}┘")
    return "\n".join(out)
