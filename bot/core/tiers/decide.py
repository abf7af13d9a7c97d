"""The tier of one matched item for one watchlist: push, digest or drop, and why.

* **push** — the headline reports an event (``bot.core.headline``) and places it in the watched
  region: its title names the region or a place inside it, or its first sentence does.
* **digest** — relevant, no ping: the region is the item's subject but the headline is a statement,
  a reaction, an analysis, a question, a briefing or a feature; or a genre cue, the relevance model or
  the reader doubts it is an event report. (A push item can still be held for the digest by a mute,
  the thresholds, quiet hours or the hourly limit: triage decides that, per event.)
* **drop** — the region is only named in passing (neither the title nor the first sentence does),
  or the item names it without any of the watch's words.

Every input that used to veto a match silently (genre cues, the relevance gate, the reader) is a
reason here, so ``/watch test``, backtest and the digest can show what became of an item. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.core.headline import Form, HeadlineReading
from bot.core.headline.cues import WAR_NAME
from bot.core.matching import Match, Survey

LEAD_CHARS = 240
"""How far into the description the first sentence is taken to reach."""


class Tier(StrEnum):
    PUSH = "push"
    DIGEST = "digest"
    DROP = "drop"


class Placement(StrEnum):
    """Where the item names the watched region."""

    TITLE = "title"
    LEAD = "lead"
    WAR_NAME = "war name"
    """Named only as a side of a war's name ("amid the Israel-Gaza war"): about the war, not a place."""
    PASSING = "passing"


@dataclass(frozen=True, slots=True)
class TierDecision:
    tier: Tier
    reasons: tuple[str, ...]
    placement: Placement
    background_report: bool = False
    """The headline reports people harmed only in a background clause, after a statement or a
    reaction ("Jordan cancels summit after hundreds killed in hospital blast"): a reaction to an
    event already posted stays in the digest, a first report of a new one is pushed (triage decides,
    knowing the open incidents)."""

    @property
    def why(self) -> str:
        return "; ".join(self.reasons)


_FORM_REASONS = {
    Form.QUESTION: "the headline asks a question (analysis, not a report)",
    Form.EXPLAINER: "an explainer or a 'what we know' piece",
    Form.ANALYSIS: "labelled analysis, opinion or interview",
    Form.ROUNDUP: "a briefing, newsletter or round-up of many stories",
}


def placement(match: Match, summary: str, title: str = "") -> Placement:
    """Whether the region is named in the title, the description's first sentence, or later (for
    a watchlist without regions, its watch words). A region named only as a side of a war's name
    ("the Israel-Gaza war") places nothing in the title."""
    title_end = match.title_end if match.title_end is not None else 0
    lead_end = title_end + 1 + _lead_length(summary)
    hits = match.regions or match.keywords
    text = f"{title}\n{summary}" if title else ""
    wars = [m.span() for m in WAR_NAME.finditer(text[:lead_end])] if match.regions else []
    starts = [h.start for h in hits if not any(a <= h.start and h.end <= b for a, b in wars)]
    if any(s < title_end for s in starts):
        return Placement.TITLE
    if any(s < lead_end for s in starts):
        return Placement.LEAD
    if any(h.start < lead_end for h in hits):
        return Placement.WAR_NAME
    return Placement.PASSING


def _lead_length(summary: str) -> int:
    """The first sentence, or ``LEAD_CHARS`` when the sentence runs on."""
    head = summary[:LEAD_CHARS]
    for mark in (". ", "? ", "! "):
        at = head.find(mark)
        if at > 40:
            return at + 1
    return len(head)


def decide_tier(
    reading: HeadlineReading,
    *,
    match: Match,
    summary: str,
    rule_met: bool,
    genre: str | None = None,
    doubts: tuple[str, ...] = (),
) -> TierDecision:
    """The tier for an item whose text names the watched region (``match`` has its hits).

    ``rule_met``: the watchlist's rule holds (a watch word where the rule asks for one);
    ``genre``: why the item's form is not a report, from ``bot.core.genre``, or None;
    ``doubts``: what the relevance model or the reader said against it (each a reason)."""
    where = placement(match, summary, reading.title)
    region = match.place or "the region"
    if where is Placement.PASSING:
        return TierDecision(Tier.DROP, (f"names {region} only in passing",), where)
    if where is Placement.WAR_NAME:
        why = f"names {region} only as a side of a war's name: about the war, not an event there"
        return TierDecision(Tier.DIGEST, (why,), where)
    if not rule_met:
        if where is Placement.TITLE:
            return TierDecision(Tier.DIGEST, (f"about {region}, but none of the watch words",), where)
        return TierDecision(Tier.DROP, (f"names {region} without any of the watch words",), where)
    reasons: list[str] = []
    if reading.form is not Form.REPORT:
        reasons.append(_FORM_REASONS[reading.form])
    if genre:
        reasons.append(genre)
    if reading.form is Form.REPORT and reading.statement:
        who = f" ({reading.speaker})" if reading.speaker else ""
        reasons.append(f"a statement, reaction or diplomacy{who}, not an event report")
    if reasons:
        reaction = reading.form is Form.REPORT and reading.statement and reading.background_casualties
        return TierDecision(Tier.DIGEST, tuple(reasons), where, background_report=reaction)
    if not reading.reports_event:
        if reading.hypothetical:
            return TierDecision(Tier.DIGEST, ("reports what may happen, not what happened",), where)
        if not reading.background_casualties:
            why = "the headline reports no attack, toll, displacement, aid or truce"
            if reading.background:
                why = "the event is only background to the headline"
            return TierDecision(Tier.DIGEST, (why,), where)
    if doubts:
        return TierDecision(Tier.DIGEST, doubts, where)
    kind = reading.kind
    placed = "in the title" if where is Placement.TITLE else "in the first sentence"
    what = kind.value if kind else "an event"
    return TierDecision(Tier.PUSH, (f"reports {what} ({region} {placed})",), where)


def tier_of(survey: Survey, reading: HeadlineReading, summary: str) -> TierDecision:
    """The tier of an item for the watchlist ``survey`` is about: the admin's exclusions first, then
    ``decide_tier`` with the survey's genre cue and the relevance model's or reader's doubt."""
    if survey.excluded is not None:
        return TierDecision(Tier.DROP, (f"excluded by {survey.excluded!r}",), Placement.PASSING)
    return decide_tier(
        reading,
        match=survey.match,
        summary=summary,
        rule_met=survey.rule_met,
        genre=survey.genre,
        doubts=(survey.doubt,) if survey.doubt else (),
    )


__all__ = ["LEAD_CHARS", "Placement", "Tier", "TierDecision", "decide_tier", "placement", "tier_of"]
