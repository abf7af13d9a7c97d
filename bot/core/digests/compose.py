"""Composing a watchlist's digest: the period's incidents by place, then the stories that did not ping.

A digest is what a desk reads over coffee: every incident of the period grouped by place with its
figures and the place's totals ("at least" where any part is a lower bound), then the items that
were relevant but not worth a ping, grouped by story, each with its link. Alerts held by quiet hours
or the hourly limit are listed with the incidents and say so. A long digest is split into several
messages: the first is the top-level post, the rest continue in its thread. Nothing to say: no
message at all. Pure: content and ``now`` in, messages out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.alerts import SlackMessage
from bot.core.digests.schedule import zone
from bot.core.figures import Category
from bot.core.incidents.model import Incident
from bot.core.slack_text import clean, clip, escape, link
from bot.core.triage import DigestEntry
from bot.core.watchlists import Watchlist

SECTION_CHARS = 2800
BLOCKS_PER_MESSAGE = 10
"""A digest message of more blocks than this continues in its thread: a channel shows a readable post."""
_LOWER_BOUND = frozenset({"at least", "more than", "over"})


@dataclass(frozen=True, slots=True)
class DigestPart:
    message: SlackMessage
    links: tuple[str, ...]
    """The links of the feed items this part lists."""


def _when(moment: datetime, watchlist: Watchlist) -> str:
    return moment.astimezone(zone(watchlist.timezone)).strftime("%d %b %H:%M")


def _total(incidents: Sequence[Incident], category: Category) -> tuple[int, bool] | None:
    values = [i.casualties.headline(category) for i in incidents]
    known = [h for h in values if h is not None]
    if not known:
        return None
    lower = any(h.qualifier in _LOWER_BOUND for h in known) or len(known) < len(values)
    return sum(h.value for h in known), lower


def _figures(incident: Incident) -> str:
    return ", ".join(h.describe() for h in incident.casualties.headlines)


def _incident_line(incident: Incident) -> str:
    lead = incident.lead
    title = clip(escape(clean(incident.title)), 200)
    parts = [link(lead.link, title) if lead.link else title]
    figures = _figures(incident)
    if figures:
        parts.append(escape(figures))
    outlets = {s.name for s in incident.sources}
    if len(outlets) > 1:
        parts.append(f"{len(outlets)} sources")
    if incident.held:
        parts.append(f"_not pinged: {escape(incident.held)}_")
    return "• " + " — ".join(parts)


Line = tuple[str, tuple[str, ...]]
"""A digest line and the links of the items it lists."""


def _place_lines(incidents: Sequence[Incident]) -> list[Line]:
    by_place: dict[str, list[Incident]] = defaultdict(list)
    for i in incidents:
        by_place[i.place or "Elsewhere"].append(i)
    lines: list[Line] = []
    for place, group in sorted(by_place.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        totals = []
        for category in (Category.KILLED, Category.WOUNDED, Category.DISPLACED, Category.MISSING):
            found = _total(group, category)
            if found is not None and found[0] > 0:
                value, lower = found
                totals.append(f"{'at least ' if lower else ''}{value:,} {category.value}")
        count = f"{len(group)} incident{'s' if len(group) != 1 else ''}"
        head = f"*{escape(clean(place))}* — {count}" + (f" · {', '.join(totals)}" if totals else "")
        lines.append((head, ()))
        for i in sorted(group, key=lambda i: i.first_seen):
            lines.append((_incident_line(i), (i.lead.link,) if i.lead.link else ()))
    return lines


def _story_lines(entries: Sequence[DigestEntry]) -> list[Line]:
    by_story: dict[str, list[DigestEntry]] = defaultdict(list)
    for e in entries:
        by_story[e.story].append(e)
    lines: list[Line] = []
    for group in sorted(by_story.values(), key=lambda g: (-len(g), g[0].published)):
        first, rest = group[0], group[1:]
        title = clip(escape(clean(first.title)), 200)
        head = link(first.link, title) if first.link else title
        line = f"• {head} — {escape(clean(first.outlet))}"
        if rest:
            also = ", ".join(
                link(e.link, escape(clean(e.outlet))) if e.link else escape(clean(e.outlet)) for e in rest
            )
            line += f"\n    also: {also}"
        lines.append((line, tuple(e.link for e in group if e.link)))
    return lines


def _sections(lines: Sequence[Line]) -> list[Line]:
    """Lines packed into section texts of at most ``SECTION_CHARS``, with their links."""
    out: list[Line] = []
    current, links = "", ()  # type: tuple[str, tuple[str, ...]]
    for line, found in lines:
        line = clip(line, SECTION_CHARS)
        if current and len(current) + 1 + len(line) > SECTION_CHARS:
            out.append((current, links))
            current, links = line, found
        else:
            current = f"{current}\n{line}" if current else line
            links = (*links, *found)
    if current:
        out.append((current, links))
    return out


def compose_digest(
    watchlist: Watchlist,
    *,
    start: datetime,
    end: datetime,
    incidents: Sequence[Incident],
    entries: Sequence[DigestEntry],
) -> list[DigestPart]:
    """The digest's messages, first the top-level one; empty when the period had nothing."""
    if not incidents and not entries:
        return []
    name = escape(clean(watchlist.name))
    head = f"{name} digest · {_when(start, watchlist)} – {_when(end, watchlist)} ({watchlist.timezone})"
    pinged = sum(1 for i in incidents if i.alerted)
    held = sum(1 for i in incidents if not i.alerted)
    if incidents:
        summary = f"{len(incidents)} incident{'s' if len(incidents) != 1 else ''} ({pinged} pinged"
        summary += f", {held} held for this digest)" if held else ")"
    else:
        summary = "No incident"
    if entries:
        summary += f" · {len(entries)} more stor{'ies' if len(entries) != 1 else 'y'} without a ping"
    blocks: list[tuple[dict[str, Any], tuple[str, ...]]] = [
        ({"type": "header", "text": {"type": "plain_text", "text": clip(head, 150)}}, ()),
        ({"type": "context", "elements": [{"type": "mrkdwn", "text": summary}]}, ()),
    ]
    if incidents:
        blocks.append(({"type": "section", "text": {"type": "mrkdwn", "text": "*Incidents, by place*"}}, ()))
        ordered = sorted(incidents, key=lambda i: i.first_seen)
        for text, links in _sections(_place_lines(ordered)):
            blocks.append(({"type": "section", "text": {"type": "mrkdwn", "text": text}}, links))
    if entries:
        blocks.append(({"type": "section", "text": {"type": "mrkdwn", "text": "*Also reported*"}}, ()))
        for text, links in _sections(_story_lines(entries)):
            blocks.append(({"type": "section", "text": {"type": "mrkdwn", "text": text}}, links))
    parts: list[DigestPart] = []
    for n in range(0, len(blocks), BLOCKS_PER_MESSAGE):
        chunk = blocks[n : n + BLOCKS_PER_MESSAGE]
        text = head if n == 0 else f"{head} (continued)"
        links = tuple(dict.fromkeys(x for _, ls in chunk for x in ls))
        parts.append(DigestPart(SlackMessage(text=text, blocks=tuple(b for b, _ in chunk)), links))
    return parts
