"""Is this report of an event we already track? A judgement on event signatures, with its reasons.

The rule is built for the stream a desk reads in a war, where every report shares the war's words:

* **Never across kinds or sites.** A strike and a ceasefire step, a hospital and a school, two towns
  of the region are different events, whatever words they share.
* **A place with no distinct site is one ongoing event** — for what goes on (fighting, bombardment, a
  disaster, displacement, a rising toll): "Gunfire in Khartoum", "clashes spread in Khartoum" tell one
  story (the war as a whole, when the place is the region itself). Acts — a convoy, a truce step, a
  release, a capture — are one event each.
* **Otherwise it takes evidence**: a site both name (the hospital), a name of the story both use
  (al-Ahli, Kakhovka), the same toll, or the same wording. A name most open incidents share ("Hamas",
  "Israeli" in a Gaza channel) is the war's, not the story's, and counts for nothing.
* **In time**: within the window of the incident's first report, or a little before it (a feed polled
  late can bring an earlier report of a posted event).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.figures import Casualties
from bot.core.incidents.evidence import ONGOING_KINDS, Side, evidence, figures_agree
from bot.core.incidents.learnt import LearntJudgement
from bot.core.incidents.model import Incident
from bot.core.incidents.places import PlaceHints
from bot.core.incidents.signature import EventSignature

# Event kinds that can be one event: a strike reported as a blast, fighting with its toll, a dam
# breach with its floods and evacuations.
_GROUPS = (
    frozenset({"strike", "blast", "attack", "fighting", "capture", "toll", "casualties"}),
    frozenset({"disaster", "displacement", "blast", "toll", "casualties"}),
    frozenset({"aid"}),
    frozenset({"ceasefire", "hostages"}),
)


# Kinds that go on (``ONGOING_KINDS``): fighting, bombardment, a disaster's aftermath, displacement, a
# rising toll. Reports of them at one place with no site of their own tell one story. A convoy, a truce
# step, a release, a capture or a single attack is an act: two of them are two events, even at one place.
# Sites there is usually one of in a story's reach: two reports naming "the dam" near two towns of the
# region are about one dam. Hospitals, schools, markets and camps are many.
_LANDMARKS = frozenset(
    {"dam", "bridge", "power plant", "nuclear plant", "airport", "port", "palace", "parliament", "embassy",
     "crossing", "refinery", "stadium", "zoo", "headquarters"}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class EventPolicy:
    window: timedelta = timedelta(hours=36)
    """How long after an incident's first report a report can still join it (for what goes on:
    after its latest report, up to ``ongoing_span``)."""
    ongoing_span: timedelta = timedelta(hours=72)
    """The longest an ongoing event (fighting, a disaster, displacement) is one incident."""
    earlier: timedelta = timedelta(hours=6)
    """How long before it: a feed polled late can bring an earlier report of a posted event."""
    join_score: float = 2.0
    generic_share: float = 0.2
    """A name shared by this share of the open incidents (and at least ``generic_min``) is generic."""
    generic_min: int = 3
    model: LearntJudgement | None = None
    """A learnt judgement to decide, after the vetoes, instead of the written score (``learnt``)."""


DEFAULT_POLICY = EventPolicy()


@dataclass(frozen=True, slots=True)
class Judgement:
    score: float
    """The written rule's score, or the learnt judgement's probability when it decided."""
    reasons: tuple[str, ...]
    joined: bool | None = None
    """The learnt judgement's verdict; None when the written rule decides (score against the policy)."""

    def joins(self, policy: EventPolicy = DEFAULT_POLICY) -> bool:
        return self.joined if self.joined is not None else self.score >= policy.join_score


def compatible_kinds(a: str | None, b: str | None) -> bool:
    if a is None or b is None or a == b:
        return True
    return any(a in g and b in g for g in _GROUPS)


def generic_words(
    incidents: Iterable[Incident],
    others: Iterable[EventSignature] = (),
    policy: EventPolicy = DEFAULT_POLICY,
) -> frozenset[str]:
    """Names and words that many recent reports of a watchlist share — its open incidents and the
    round's other reports, digest ones included: the war's words, not a story's."""
    counts: Counter[str] = Counter()
    n = 0
    for sig in (*(i.event for i in incidents if i.event is not None), *others):
        n += 1
        counts.update(sig.names | sig.tokens)
    floor = max(policy.generic_min, policy.generic_share * n)
    return frozenset(w for w, c in counts.items() if c >= floor)


class GenericWords:
    """``generic_words`` kept up to date as signatures come and go.

    Triage asks for a watchlist's generic words once per report; recounting every open incident
    and every report so far each time made a round of thousands of reports quadratic (37 s of a
    50,000-item round). The counts are kept instead, and only words seen at least ``generic_min``
    times (the floor's least value) are checked against the floor when asked.
    """

    def __init__(self, policy: EventPolicy = DEFAULT_POLICY) -> None:
        self._policy = policy
        self._counts: Counter[str] = Counter()
        self._n = 0
        self._hot: set[str] = set()
        # The answer for ``_floor``, kept as words reach it: it is a few dozen words, the hot set
        # thousands, and the floor (a whole number, as counts are) only rises while reports come in.
        self._answer: set[str] = set()
        self._floor = policy.generic_min
        self._frozen: frozenset[str] | None = frozenset()

    def add(self, sig: EventSignature) -> None:
        self._n += 1
        for w in sig.names | sig.tokens:
            count = self._counts[w] + 1
            self._counts[w] = count
            if count >= self._policy.generic_min:
                self._hot.add(w)
                if count >= self._floor and w not in self._answer:
                    self._answer.add(w)
                    self._frozen = None

    def remove(self, sig: EventSignature) -> None:
        """Forget a signature that was added (an incident whose event changed)."""
        self._n -= 1
        for w in sig.names | sig.tokens:
            count = self._counts[w] - 1
            if count > 0:
                self._counts[w] = count
            else:
                del self._counts[w]
            if count < self._policy.generic_min:
                self._hot.discard(w)
        # The floor may fall and counts have: start again from the hot words.
        self._floor = self._policy.generic_min
        self._answer = {w for w in self._hot if self._counts[w] >= self._floor}
        self._frozen = None

    def current(self) -> frozenset[str]:
        """What ``generic_words`` would answer for every signature added and not removed."""
        floor = math.ceil(max(self._policy.generic_min, self._policy.generic_share * self._n))
        if floor < self._floor:
            self._answer = {w for w in self._hot if self._counts[w] >= floor}
            self._frozen = None
        elif floor > self._floor:
            kept = {w for w in self._answer if self._counts[w] >= floor}
            if len(kept) != len(self._answer):
                self._answer = kept
                self._frozen = None
        self._floor = floor
        if self._frozen is None:
            self._frozen = frozenset(self._answer)
        return self._frozen


def judge(
    report: EventSignature,
    published: datetime,
    casualties: Casualties,
    incident: Incident,
    *,
    generic: frozenset[str] = frozenset(),
    policy: EventPolicy = DEFAULT_POLICY,
    places: PlaceHints | None = None,
    texts: tuple[str, str] | None = None,
) -> Judgement | None:
    """How strongly ``report`` is a report of ``incident``'s event; None when it cannot be.

    ``texts``: the report's headline and summary, which the policy's learnt judgement (if any) also
    weighs; without them, or without a model, the written score decides."""
    event = incident.event
    if event is None or published < incident.first_seen - policy.earlier:
        return None
    ongoing = all(kind is None or kind in ONGOING_KINDS for kind in (report.kind, event.kind))
    if ongoing:
        latest = max(incident.first_seen, incident.updated)
        if published > latest + policy.window or published > incident.first_seen + policy.ongoing_span:
            return None
    elif published > incident.first_seen + policy.window:
        return None
    if not compatible_kinds(report.kind, event.kind):
        return None
    names_a, names_b = report.names - generic, event.names - generic
    shared_names = names_a & names_b
    shared_sites = (report.facilities | report.context_sites) & (event.facilities | event.context_sites)
    if (
        report.facilities
        and event.facilities
        and not (report.facilities & event.facilities)
        and not shared_names
    ):
        return None  # a hospital and a school
    if shared_sites and report.ordinal and event.ordinal and report.ordinal != event.ordinal:
        return None  # the first convoy and the second
    same_place = report.place_key == event.place_key
    landmark = bool(shared_sites & _LANDMARKS)
    # Asked only when the answer can matter: most pairs are told apart before it.
    nested: bool | None = None
    if report.town and event.town and not (same_place or shared_names or landmark):
        nested = places is not None and places.nested(report.place_key, event.place_key)
        if not nested:
            return None  # two towns
    score = 0.0
    reasons: list[str] = []
    if shared_names:
        score += 2 * min(len(shared_names), 2)
        reasons.append(f"both name {', '.join(sorted(shared_names)[:3])}")
    if shared_sites:
        score += 2
        reasons.append(f"the same site ({', '.join(sorted(shared_sites))})")
    if figures_agree(casualties, incident.casualties):
        score += 2
        reasons.append("the same toll")
    words_a, words_b = report.tokens - generic, event.tokens - generic
    if words_a and words_b:
        overlap = len(words_a & words_b) / min(len(words_a), len(words_b))
        if overlap >= 0.6:
            score += 2
            reasons.append("the same wording")
        elif overlap >= 0.4:
            score += 1
            reasons.append("similar wording")
    bare = not report.facilities and not event.facilities
    if same_place and bare and ongoing:
        score += 2
        reasons.append(f"ongoing in {event.place or report.place} with no distinct site")
    elif same_place and report.specific:
        score += 1
        reasons.append(f"the same place ({event.place})")
    elif not same_place and not (shared_names or shared_sites):
        if nested is None:
            nested = places is not None and places.nested(report.place_key, event.place_key)
        if not nested:
            score -= 1  # the region as a whole and one of its towns are different stories
    if report.ordinal and report.ordinal == event.ordinal and report.kind == event.kind:
        score += 2  # "the first aid convoy" and "the first UN aid" of the same place
        reasons.append(f"the {report.ordinal} {report.kind}")
    if report.kind == "toll" and same_place and score > 0:
        score += 1  # "the toll rises to 12": an update of an event, not a new one
        reasons.append("a toll update")
    if policy.model is not None and texts is not None:
        values = evidence(
            Side(report, published, casualties, *texts),
            Side(event, incident.first_seen, incident.casualties, incident.title, incident.summary),
            generic=generic,
            places=places,
        )
        p = policy.model.probability(values)
        strongest = ", ".join(policy.model.strongest(values)) or "nothing"
        reasons.append(f"learnt judgement {p:.2f} (most weight: {strongest})")
        return Judgement(p, tuple(reasons), joined=p >= policy.model.threshold)
    return Judgement(score, tuple(reasons))


def find_event(
    report: EventSignature,
    published: datetime,
    casualties: Casualties,
    candidates: Sequence[Incident],
    *,
    generic: frozenset[str] = frozenset(),
    policy: EventPolicy = DEFAULT_POLICY,
    places: PlaceHints | None = None,
    texts: tuple[str, str] | None = None,
) -> tuple[Incident, Judgement] | None:
    """The open incident ``report`` is a report of, with the judgement, or None for a new event."""
    best: tuple[Incident, Judgement] | None = None
    for incident in candidates:
        verdict = judge(
            report, published, casualties, incident, generic=generic, policy=policy, places=places,
            texts=texts,
        )  # fmt: skip
        if verdict is None or not verdict.joins(policy):
            continue
        if best is None or verdict.score > best[1].score:
            best = (incident, verdict)
    return best
