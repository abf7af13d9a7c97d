"""What ``/incidents`` can find an incident by, and what the words a desk types ask for. Pure.

Every stored incident carries a set of index *entries* (``incident_entries``), kept in the
``incident_index`` table beside the incident's time so that each lookup is one ordered index range:

* ``w:<word>`` — every normalised word of its place, title and matched terms (``search_text``);
* ``p:<place key>`` — every gazetteer place its place and terms name (geonames/ISO keys as the
  gazetteer has them), with the places that enclose it (province, country): an incident in
  Saraqib is found by "Idlib" and by "Syria";
* ``l:<watchlist>``, ``k:<n>`` / ``x:<n>`` (at least n killed / wounded, n = 1, 2, 5, 10, 20, 50 …) and
  ``*`` (every incident): the filters, so that a search without words still walks a short range.

A typed term (``resolve_terms``) matches an incident when each of its words is a whole word of the
incident's text (any order: an index answers "has this word", not "in this order"), or when the
gazetteer knows it as a place (any spelling it keeps, any script) and the incident lies in one of
the places of that name. ``term_matches`` is that definition in Python;
the store's SQL answers the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.core.gazetteer import Gazetteer
from bot.core.normalize import normalize

ALL = "*"
WORD = "w:"
PLACE = "p:"
WATCHLIST = "l:"
KILLED = "k:"
WOUNDED = "x:"
FLOORS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000)
"""The casualty floors with an entry: ``min: 250 killed`` walks the ``k:200`` range. Close enough
that a floor's range holds few rows below the asked figure (at most 2.5×)."""
ENTRY_MAX = 120
"""Longer entries (a run-on token, a pasted URL) are not indexed; they would only bloat the index."""
NAME_WORDS_MAX = 5
"""The longest run of typed words tried as one place name ("Maarat al Numan")."""


@dataclass(frozen=True, slots=True)
class SearchTerm:
    """One typed term: its normalised ``phrase`` and the gazetteer places that go by it."""

    phrase: str
    places: tuple[str, ...] = ()

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(self.phrase.split())

    def alternatives(self) -> tuple[tuple[str, ...], ...]:
        """The ways to match, each a set of index entries an incident must all have: the term's
        words (longest first, as the likely rarest), or any one place going by it. A word too long
        to be indexed cannot be found by its words."""
        words = tuple(WORD + w for w in sorted(set(self.words), key=lambda w: (-len(w), w)))
        out = [words] if all(len(w) <= ENTRY_MAX for w in words) else []
        return tuple(out + [(PLACE + p,) for p in self.places])


def floor_entry(prefix: str, at_least: int) -> str | None:
    """The entry whose range holds every incident with at least ``at_least``: the highest floor
    not above it; None below the first floor (every incident passes ``min: 0``)."""
    best = None
    for floor in FLOORS:
        if floor <= at_least:
            best = f"{prefix}{floor}"
    return best


def enclosing(gazetteer: Gazetteer, key: str) -> set[str]:
    """``key`` and every place that contains it: its province, its country, a curated area; a
    province's namesake capital city counts as the province (Idlib city ↔ Idlib governorate)."""
    out: set[str] = set()
    stack = [key]
    while stack:
        current = stack.pop()
        if current in out or current not in gazetteer.places:
            continue
        out.add(current)
        twin = gazetteer.twins.get(current)
        if twin is not None:
            stack.append(twin)
        parent = gazetteer.places[current].parent
        if parent is not None:
            stack.append(parent)
    return out


def _names(place: str | None, terms: Sequence[str]) -> list[str]:
    """The place names an incident gives: "Saraqib, Idlib" and terms like "Idlib (Saraqib)"."""
    out = [p for p in (place or "").split(",")]
    for term in terms:
        head, _, inner = term.partition(" (")
        out += [head, inner.rstrip(")")]
    return [n.strip() for n in out if n.strip()]


def incident_places(gazetteer: Gazetteer, place: str | None, terms: Sequence[str]) -> frozenset[str]:
    """The gazetteer places an incident lies in, each with the places enclosing it.

    A name several places go by keeps those that agree with the incident's other names (Saraqib
    inside the Idlib it also names); when none do, the most likely one (``Gazetteer.lookup``'s
    first: broadest, then biggest) — a wrong guess must not file an incident under every Pokrovsk.
    """
    found = {tuple(p.key for p in gazetteer.lookup(n)) for n in _names(place, terms)}
    candidates = sorted(c for c in found if c)
    if not candidates:
        return frozenset()
    around = [set().union(*(enclosing(gazetteer, k) for k in c)) for c in candidates]
    out: set[str] = set()
    for i, keys in enumerate(candidates):
        others = set().union(*(a for j, a in enumerate(around) if j != i))
        agree = [k for k in keys if enclosing(gazetteer, k) & (others - {k})]
        inside = agree if len(keys) > 1 else list(keys)
        for k in inside or list(keys[:1]):
            out |= enclosing(gazetteer, k)
    return frozenset(out)


def incident_entries(
    *,
    search: str,
    watchlist: str,
    killed: int | None,
    wounded: int | None,
    places: Iterable[str] = (),
) -> frozenset[str]:
    """Every index entry of one incident (see the module's docstring)."""
    out = {ALL, WATCHLIST + watchlist}
    out |= {WORD + w for w in search.split()}
    out |= {PLACE + p for p in places}
    for prefix, value in ((KILLED, killed), (WOUNDED, wounded)):
        out |= {f"{prefix}{f}" for f in FLOORS if value is not None and value >= f}
    return frozenset(e for e in out if len(e) <= ENTRY_MAX)


def resolve_terms(terms: Sequence[str], gazetteer: Gazetteer | None) -> tuple[SearchTerm, ...]:
    """The typed terms as searches, each with the places that go by it.

    Unquoted words that together name a place are one term: ``/incidents maarat al numan`` is the
    town, not three words to find anywhere. Terms with no letters or digits are dropped."""
    phrases = [p for p in (normalize(t) for t in terms) if p]
    out: list[SearchTerm] = []
    i = 0
    while i < len(phrases):
        taken = 1
        places: tuple[str, ...] = ()
        if gazetteer is not None:
            for n in range(min(NAME_WORDS_MAX, len(phrases) - i), 0, -1):
                found = gazetteer.lookup(" ".join(phrases[i : i + n]))
                if found:
                    taken, places = n, tuple(sorted({p.key for p in found}))
                    break
        out.append(SearchTerm(" ".join(phrases[i : i + taken]), places))
        i += taken
    return tuple(out)


def words_in(phrase: str, search: str) -> bool:
    """Whether every word of ``phrase`` (normalised) is a whole word of ``search`` (``search_text``)."""
    return set(phrase.split()) <= set(search.split())


def term_matches(term: SearchTerm, *, search: str, places: Iterable[str]) -> bool:
    """The definition of a match (the store's SQL agrees): the term's words are words of the
    incident's place, title and terms, or the incident lies in a place going by the term."""
    return words_in(term.phrase, search) or not set(term.places).isdisjoint(places)
