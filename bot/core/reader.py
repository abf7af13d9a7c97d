"""The reader: a language model's second look at a match before it becomes an alert.

The matcher decides on words: a watched place and a watch word in one item. Most false alerts name
the place with the watch's words but are not reports of events there (a leader's statement abroad,
a protest in London, an explainer on the group's history, the neighbouring front). Telling those
apart takes reading, which is what an instruction-following model does well and a word rule does
not (``eval/matching/RESULTS.md``). The deployment provides the model behind an OpenAI-compatible
chat endpoint (``[reader]`` in the config); this module holds everything about it that does no I/O:
the question asked for one match, the prompt, reading the reply, and the matcher that answers
triage with what the reader left.

Pure: no I/O, no clock. The HTTP client is ``bot.adapters.reader``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Protocol

from bot.core.matching import Match, Survey
from bot.core.watchlists import Watchlist

PROMPT_VERSION = "3"
"""Changes whenever the prompt's wording does, so measured figures name the prompt they are for."""

MAX_TEXT_CHARS = 1200
"""How much of the description the reader sees: feed descriptions are a paragraph or two, and a
long one only repeats the wire copy while costing tokens on every match."""

MAX_REASON_CHARS = 200

MAX_LISTED = 60
"""Regions or watch words named in the prompt at most: a watchlist of 2,000 terms would otherwise send
kilobytes of terms with every match, and the first few dozen already tell the model the themes."""

SYSTEM_PROMPT = """\
You screen news items for a conflict-monitoring desk before they are posted as alerts. A watchlist \
matched the item on its words; the message says what matched. Decide whether the desk should get an \
alert for it.

The item is RELEVANT when both hold:
1. Place: it reports on events in the watched region or a place inside it (the watched places the \
matcher names count). The text itself must say where; do not rely on what you know. The region named \
only in passing, as background, as a comparison or as one item in a list does not count; neither do \
events in another part of the same country or on a neighbouring front. When the watchlist names no \
region, only the theme test applies.
2. Theme: the events are among the desk's themes: violence (attacks, strikes, shelling, fighting, \
clashes, military operations under way), casualties (killed, wounded, missing, trapped), \
displacement, refugees fleeing the region and evacuations from it, ceasefire, truce, pause and \
hostage-release news, hostages held there, humanitarian access and aid (convoys, crossings, \
hospitals, shortages, aid sent or pledged to the region), or a disaster with casualties there. \
Recovery news about the humanitarian situation (survivors without aid, damaged schools reopening, \
disease among the displaced, food prices after a disaster) counts.

These are RELEVANT:
- Negotiations and diplomacy about a ceasefire, pause, hostage release or aid access for the region, \
wherever they take place (talks, envoys' visits, a government pressing the parties, UN votes).
- A report of an event in the region framed around someone's reaction to it (an agency condemning a \
strike that happened there, a relative speaking of a hostage held there, fighting that goes on while \
leaders call for a truce).
- Claims by the parties to the fighting about events there (an army's, an armed group's or a health \
ministry's account or toll), and aid agencies' reports and warnings on the situation there.
- Explainers and analysis that report the current situation in the region (its hospitals, the toll, \
who is fighting where now).

These are NOT RELEVANT:
- A call, appeal, warning or condemnation by a leader or government not party to the events that \
reports no event there and is no part of negotiations ("stop killing civilians", a country's call \
for a ceasefire in a general debate).
- Protests, politics, media rows, sackings, business and reactions elsewhere, even about the region.
- Opinion columns; background, history and profiles of an armed group; speculation about operations \
that have not begun; sport and culture; news from the region with none of the themes.

When the item could reasonably be read either way, answer RELEVANT: a missed alert costs the desk \
more than an extra one.

Reply with exactly one line: "RELEVANT: <reason>" or "NOT RELEVANT: <reason>", the reason in at most \
15 words."""


class Verdict(StrEnum):
    RELEVANT = "relevant"
    NOT_RELEVANT = "not_relevant"
    UNKNOWN = "unknown"
    """No usable answer (the endpoint failed or replied with something else): the alert goes out."""


@dataclass(frozen=True, slots=True)
class ReaderQuestion:
    """Everything the reader is told about one match."""

    watchlist: str
    regions: tuple[str, ...]
    themes: tuple[str, ...]
    scope: str | None
    title: str
    text: str
    matched: tuple[str, ...] = ()
    """The terms that hit, so the model knows which place and which word made the match."""
    matched_on: str = "a watched place and a watch word"
    """What kind of terms hit: with rule ``region`` a place alone is enough, with ``keyword`` a word."""

    @property
    def key(self) -> tuple[str, str, str]:
        """What a cached answer is valid for: the same watch asked about the same words."""
        return (self.watchlist, self.title, self.text)


@dataclass(frozen=True, slots=True)
class ReaderAnswer:
    verdict: Verdict
    reason: str

    @property
    def withholds(self) -> bool:
        return self.verdict is Verdict.NOT_RELEVANT


def question_for(watchlist: Watchlist, match: Match, title: str, summary: str) -> ReaderQuestion:
    text = " ".join(summary.split())
    if len(text) > MAX_TEXT_CHARS:
        text = text[:MAX_TEXT_CHARS].rsplit(" ", 1)[0] + " …"
    return ReaderQuestion(
        watchlist=watchlist.name,
        regions=tuple(r.name for r in watchlist.regions)[:MAX_LISTED],
        themes=watchlist.keywords[:MAX_LISTED],
        scope=watchlist.scope,
        title=" ".join(title.split()),
        text=text,
        matched=match.terms[:MAX_LISTED],
        matched_on=_matched_on(match),
    )


def _matched_on(match: Match) -> str:
    if match.regions and match.keywords:
        return "a watched place and a watch word"
    if match.regions:
        return "a watched place, no watch word"
    return "a watch word, no watched place"


def messages(question: ReaderQuestion) -> list[dict[str, str]]:
    """The chat messages for ``question``, in the OpenAI chat-completions shape."""
    lines = [f"Watchlist: {question.watchlist}"]
    if question.regions:
        lines.append(f"Watched region: {', '.join(question.regions)}")
    else:
        lines.append("Watched region: none (the watchlist is on its words alone)")
    if question.scope:
        lines.append(f"What the desk watches there: {' '.join(question.scope.split())}")
    if question.themes:
        lines.append(f"Watch words: {', '.join(question.themes)}")
    lines.append(f"Matched on: {question.matched_on}")
    if question.matched:
        lines.append(f"Terms that matched: {', '.join(question.matched)}")
    lines += ["", f"Headline: {question.title}", f"Text: {question.text or '(none)'}"]
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": "\n".join(lines)}]


_ANSWER = re.compile(r"^\W*(not\s+relevant|irrelevant|relevant)\b\W*(.*)$", re.IGNORECASE | re.DOTALL)


def parse_answer(reply: str) -> ReaderAnswer:
    """Read the model's reply. Anything but a clear RELEVANT / NOT RELEVANT is ``UNKNOWN``.

    Models wrap answers in markdown or add a preamble line, so the first line that starts with
    the verdict counts; the reason is what follows it on that line.
    """
    for line in reply.strip().splitlines():
        found = _ANSWER.match(line.strip().strip("*`_").strip())
        if found:
            word = " ".join(found.group(1).lower().split())
            verdict = Verdict.RELEVANT if word == "relevant" else Verdict.NOT_RELEVANT
            reason = found.group(2).strip().strip("*`_").strip()
            return ReaderAnswer(verdict, reason[:MAX_REASON_CHARS])
    shown = " ".join(reply.split())[:80]
    # repr() escapes control and astral characters, which can make the reason several times longer.
    reason = f"the reader's reply is not a verdict: {shown!r}"
    return ReaderAnswer(Verdict.UNKNOWN, reason[:MAX_REASON_CHARS])


class Reader(Protocol):
    """What the engine needs of a reader: answers in the order asked, never an exception."""

    async def ask_all(self, questions: Sequence[ReaderQuestion]) -> list[ReaderAnswer]: ...


class _Matcher(Protocol):
    def match(self, title: str, summary: str, *, link: str | None = None) -> list[Match]: ...

    def survey(self, title: str, summary: str, *, link: str | None = None) -> list[Survey]: ...


TextKey = tuple[str, str, str | None]
"""(title, summary, link): what the matcher is asked about."""


@dataclass(frozen=True, slots=True)
class ReadMatcher:
    """A round's matches as the reader left them, answered from memory.

    The engine matches a round's items once to ask the reader about them; triage then asks for the
    same items' matches. ``known`` holds them less the ones the reader withheld, so nothing is
    matched twice; text not in ``known`` goes to ``inner``.
    """

    inner: _Matcher
    known: Mapping[TextKey, tuple[Match, ...]]
    doubts: Mapping[tuple[TextKey, str], str] = field(default_factory=dict)
    """(text, watchlist) → the reader's reason, for the matches it answered NOT RELEVANT."""

    def match(self, title: str, summary: str, *, link: str | None = None) -> list[Match]:
        found = self.known.get((title, summary, link))
        return list(found) if found is not None else self.inner.match(title, summary, link=link)

    def survey(self, title: str, summary: str, *, link: str | None = None) -> list[Survey]:
        """The inner survey, with the reader's NOT RELEVANT as a doubt: the item goes to the digest
        instead of pinging (``bot.core.tiers``), never silently nowhere."""
        key = (title, summary, link)
        out = []
        for s in self.inner.survey(title, summary, link=link):
            why = self.doubts.get((key, s.watchlist))
            out.append(replace(s, doubt=f"the reader: {why}") if why is not None else s)
        return out
