"""What the gazetteer tells an event signature: which words are places, and where capitals are.

A story's distinctive names must not be places or their people: "Israeli", "Russian", "Sudanese"
are in every report of those wars. And "fighting erupts in Sudan's capital" happens in Khartoum:
headlines name a capital by its country more often than by its name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass, field

from bot.core.gazetteer import Gazetteer, PlaceKind
from bot.core.normalize import normalize
from bot.core.watchlists import Watchlist

# Demonyms are their place with one of these endings: Israel-i, Sudan-ese, Syri(a)-an, Ukrain(e)-ian.
_ENDINGS = ("ese", "ians", "ian", "ans", "an", "is", "i", "ish", "s")
_TAILS = ("", "a", "e", "on", "ey", "y")
_NESTED_KEPT = 100_000


@dataclass(frozen=True, slots=True)
class PlaceHints:
    place_words: Set[str] = frozenset()
    """One-word place names of the whole gazetteer, normalised."""
    capitals: Mapping[str, str] = field(default_factory=dict)
    """A watched region's normalised name -> its capital's name, when the region is a country."""
    place_names: Mapping[str, object] = field(default_factory=dict)
    """Every place name of the gazetteer, normalised (its name index): "tel aviv"."""
    gazetteer: Gazetteer | None = None
    _nested: dict[tuple[str, str], bool] = field(default_factory=dict, compare=False, repr=False)
    """``nested`` answers so far: a round asks about the same few pairs of places thousands of times."""

    @classmethod
    def from_gazetteer(cls, gazetteer: Gazetteer, watchlists: Iterable[Watchlist]) -> PlaceHints:
        capitals: dict[str, str] = {}
        for w in watchlists:
            for region in w.regions:
                place = gazetteer.resolve(region.name)
                if place is not None and place.kind is PlaceKind.COUNTRY and place.country:
                    capital = gazetteer.capitals.get(place.country)
                    if capital:
                        capitals[normalize(region.name)] = capital
        return cls(gazetteer.one_word_names, capitals, gazetteer.by_name, gazetteer)

    def is_place_word(self, word: str) -> bool:
        """A place's name or its people's ("israeli" → Israel, "sudanese" → Sudan)."""
        if word in self.place_words:
            return True
        for ending in _ENDINGS:
            if len(word) > len(ending) + 3 and word.endswith(ending):
                stem = word[: -len(ending)]
                if any(stem + tail in self.place_words for tail in _TAILS):
                    return True
        return False

    def is_place_name(self, name: str) -> bool:
        return name in self.place_names or name in self.place_words

    def nested(self, a: str, b: str) -> bool:
        """One of two places (normalised names) lies inside the other: Nova Kakhovka and Kherson
        oblast, Omdurman and Khartoum state. Two reports naming them can tell one event."""
        g = self.gazetteer
        if g is None:
            return False
        known = self._nested.get((a, b))
        if known is not None:
            return known
        keys_a, keys_b = set(g.by_name.get(a, ())), set(g.by_name.get(b, ()))
        found = any(k in self._ancestors(j) for k in keys_a for j in keys_b) or any(
            k in self._ancestors(j) for k in keys_b for j in keys_a
        )
        if len(self._nested) >= _NESTED_KEPT:
            self._nested.clear()  # a long-running process meets ever more pairs; keep memory bounded
        self._nested[(a, b)] = self._nested[(b, a)] = found
        return found

    def _ancestors(self, key: str) -> set[str]:
        assert self.gazetteer is not None
        places, twins = self.gazetteer.places, self.gazetteer.twins
        out: set[str] = set()
        current: str | None = key
        while current is not None and current not in out:
            out.add(current)
            twin = twins.get(current)
            if twin is not None:
                out.add(twin)
            place = places.get(current)
            current = place.parent if place is not None else None
        return out

    def capital_of(self, region: str) -> str | None:
        return self.capitals.get(normalize(region))
