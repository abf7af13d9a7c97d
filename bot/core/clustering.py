"""Story clustering: does a new report describe an incident we already track?

Three outlets telling the same strike in different words, or a later report raising its toll,
must join the first alert instead of posting again. Two different strikes in the same province
on the same day must not merge. The rule is deliberately conservative — a duplicate alert costs a
desk a glance, a wrongly merged one hides an event:

* same watchlist, within the incident window of the incident's last report;
* content words of title + summary overlap enough (overlap coefficient), where figures that agree
  (the same toll) or a toll-update phrase count in favour, and a different specific place against.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.figures import Casualties, Category
from bot.core.incidents import Incident

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_UPDATE = re.compile(
    r"\b(toll|rises?|rose|climbs?|climbed|jumps?|jumped|reaches|reached|now|updated?|risen)\b", re.I
)
_NUMBER_WORDS = dict(
    zip(
        "one two three four five six seven eight nine ten eleven twelve twenty".split(),
        "1 2 3 4 5 6 7 8 9 10 11 12 20".split(),
        strict=True,
    )
)
_STOP = frozenset(
    """a an the and or but of in on at to for from by with as is are was were be been has have had
    it its this that these those after before over under into than then there their they he she his
    her we our you your not no said says say will would could may might also more most some any
    who which what when where while about against amid during since new latest live update news
    report reports reported according people least other others two one day week wednesday
    thursday friday saturday sunday monday tuesday""".split()
    # Words every report of every strike shares say nothing about *which* strike it is.
    + """kill kills killed killing dead death deaths die died dying wound wounds wounded wounding
    injure injures injured injuring injuries strike strikes struck airstrike airstrikes air raid raids
    attack attacks attacked hit hits bomb bombs bombing bombed shell shells shelling shelled civilian
    civilians province city town village near area areas region north south east west northern
    southern eastern western local official officials monitor medics rescuers""".split()
)


@dataclass(frozen=True, slots=True)
class ClusterPolicy:
    window: timedelta = timedelta(hours=36)
    threshold: float = 0.25
    figures_bonus: float = 0.2
    update_bonus: float = 0.15
    max_jump: float = 3.0
    """A report whose figure is more than this many times the incident's is another event,
    unless it says the toll rose."""


DEFAULT_POLICY = ClusterPolicy()


def content_tokens(*texts: str) -> frozenset[str]:
    """Lower-case, accent-free content words with a crude plural strip; number words as digits."""
    out: set[str] = set()
    for text in texts:
        folded = unicodedata.normalize("NFKD", text.casefold())
        folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
        for raw in _WORD.findall(folded.replace(",", "")):
            word = _NUMBER_WORDS.get(raw, raw)
            if word in _STOP or (len(word) < 3 and not word.isdigit()):
                continue
            if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
                word = word[:-1]
            out.add(word)
    return frozenset(out)


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def _implausible_jump(old: Casualties, new: Casualties, factor: float) -> bool:
    for c in Category:
        a, b = old.value(c), new.value(c)
        if a and b and b > a * factor:
            return True
    return False


def _figures_agree(a: Casualties, b: Casualties) -> bool:
    return any(
        a.value(c) is not None and a.value(c) == b.value(c) and a.value(c) != 0
        for c in (Category.KILLED, Category.WOUNDED)
    )


def find_incident(
    candidates: Iterable[Incident],
    *,
    watchlist: str,
    published: datetime,
    tokens: frozenset[str],
    casualties: Casualties,
    title: str,
    policy: ClusterPolicy = DEFAULT_POLICY,
) -> Incident | None:
    """The best-matching open incident for this report, or None to start a new one."""
    best: tuple[float, Incident] | None = None
    is_update = bool(_UPDATE.search(title))
    for inc in candidates:
        if inc.watchlist != watchlist:
            continue
        # Measured from the first report, not the latest: in continuous war coverage an incident
        # that any new report could extend would swallow the war.
        if abs(published - inc.first_seen) > policy.window:
            continue
        if not is_update and _implausible_jump(inc.casualties, casualties, policy.max_jump):
            continue  # a war-long toll or another, bigger event — not a retelling of this one
        score = similarity(tokens, inc.tokens)
        if _figures_agree(inc.casualties, casualties):
            score += policy.figures_bonus
        if is_update and score > 0:
            score += policy.update_bonus
        if score >= policy.threshold and (best is None or score > best[0]):
            best = (score, inc)
    return None if best is None else best[1]
