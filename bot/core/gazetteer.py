"""The gazetteer: which names a watched region goes by and which places lie inside it.

A watch on "Idlib" must fire on a strike in Saraqib or Maarat al-Numan, and on "Idleb" or
"إدلب"; a watch on "Syria" on Aleppo. This module is pure: ``Gazetteer.build`` takes place
records (built from the packaged geonames/ISO datasets by ``bot.geo``) and decides which spellings
are safe to match. Loose spellings are what cause false alerts, so names are filtered hard:

* only Latin and Arabic script; machine transliterations (all-lowercase Latin) are dropped;
* alternate names of 4 letters or fewer, codes ("IDL") and anything shorter than 3 letters go;
* common English words and a deny list of known-dangerous names ("Duma", "Red Sea") go;
* an alternate name that another place in another country also goes by, when that place is
  bigger, goes (a town's old alias must not catch a city elsewhere);
* a town or province loses any name that is a country's or curated area's own name abroad
  ("Palestine", Texas; "Gaza", Mozambique);
* towns under 100,000 people keep only alternate spellings close to their own name, and their
  own name only when it has 5+ letters.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

from rapidfuzz import fuzz

from bot.core.normalize import normalize
from bot.core.watchlists import Watchlist


class PlaceKind(StrEnum):
    COUNTRY = "country"
    SUBDIVISION = "subdivision"
    AREA = "area"
    CITY = "city"


# A town or province that shares a country's or curated area's own name abroad loses that name:
# bare, "Palestine" is not the town in Texas, "Gaza" not the province of Mozambique, "Niger" not the
# Nigerian state (which keeps "Niger State").
_GREATER = frozenset({PlaceKind.COUNTRY, PlaceKind.AREA})
_LESSER = frozenset({PlaceKind.CITY, PlaceKind.SUBDIVISION})

# Resolving an ambiguous region name prefers the broader, deliberately curated kinds.
_PRIORITY = {PlaceKind.AREA: 0, PlaceKind.COUNTRY: 1, PlaceKind.SUBDIVISION: 2, PlaceKind.CITY: 3}


@dataclass(frozen=True, slots=True)
class PlaceRecord:
    """Raw input for one place, before name filtering.

    ``parent`` is the key of the place that contains it (a city's province, a province's country).
    ``twin_of`` links a city to the province it is the capital of and shares its name with
    (Idlib city ↔ Idlib governorate): a watch on either name covers the province.
    """

    key: str
    name: str
    kind: PlaceKind
    country: str | None
    population: int = 0
    primary: tuple[str, ...] = ()
    alternates: tuple[str, ...] = ()
    parent: str | None = None
    twin_of: str | None = None


@dataclass(frozen=True, slots=True)
class Place:
    """A place with the spellings that are safe to match (display form, deduplicated)."""

    key: str
    name: str
    kind: PlaceKind
    country: str | None
    names: tuple[str, ...]
    population: int = 0
    parent: str | None = None


@dataclass(frozen=True, slots=True)
class RegionExpansion:
    """What a watched region covers: its own names and the places inside it."""

    region: str
    resolved: Place | None
    names: tuple[str, ...]
    places: tuple[Place, ...]

    @property
    def place_names(self) -> int:
        return sum(len(p.names) for p in self.places)


def display_name(name: str) -> str:
    """A name as an alert prints it: accents and transliteration marks removed ("Khān Yūnis")."""
    if name.isascii():
        return " ".join(name.replace("`", "").split())
    folded = unicodedata.normalize("NFKD", name)
    out = "".join(c for c in folded if not unicodedata.combining(c) and c not in "‘’ʿʾ`")
    return " ".join(out.split())


def _is_usable_script(name: str) -> bool:
    """Latin or Arabic letters only; other scripts never appear in the feeds we read."""
    for ch in name:
        if ch.isascii():
            continue
        if "\u0600" <= ch <= "\u06ff" or "\u0750" <= ch <= "\u077f":
            continue
        if ch.isalpha() and not unicodedata.name(ch, "").startswith("LATIN"):
            return False
    return True


@dataclass(frozen=True, slots=True)
class NamePolicy:
    """The word lists name filtering uses (normalised); see the module docstring for the rules."""

    stopwords: frozenset[str] = frozenset()
    deny: frozenset[str] = frozenset()
    not_places: frozenset[str] = frozenset()
    """Phrases that contain a place's name but name something else ("Lok Sabha"), normalised."""
    min_alternate_letters: int = 5
    short_primary_population: int = 100_000
    """A city's own name of 4 letters or fewer ("Nawa", "Kas") only counts for a city this big."""
    foreign_alternates_population: int = 100_000
    """Below this size a city keeps only alternate Latin spellings close to its own name: small
    towns' historical or foreign-language names ("Dimitrov", "Epiphania") mostly catch people."""
    min_alternate_similarity: float = 60.0

    def plausible(self, raw: str, *, primary: bool) -> bool:
        """Cheap checks on the raw spelling, before normalising it."""
        if primary:
            return True
        if raw.isascii():
            # Geonames keeps machine transliterations ("adlb", "gaja siti") in lower case.
            return raw != raw.lower() and not (raw.isupper() and len(raw) <= 4)
        return _is_usable_script(raw) and (raw != raw.lower() or not any("a" <= c <= "z" for c in raw))

    def acceptable(self, norm: str, *, primary: bool, kind: PlaceKind, population: int) -> bool:
        if not norm or norm in self.deny:
            return False
        compact = norm.replace(" ", "")
        letters = len(compact)
        # Normalised names hold only letters, digits and spaces; a digit means a code or a road.
        if letters < 3 or not compact.isalpha():
            return False
        if all(t in self.stopwords for t in norm.split()):
            return False
        if not primary:
            return letters >= self.min_alternate_letters
        return letters > 4 or kind is not PlaceKind.CITY or population >= self.short_primary_population


@dataclass(frozen=True)
class Gazetteer:
    """Places by key, name index and containment; build it with ``Gazetteer.build``."""

    places: Mapping[str, Place]
    by_name: Mapping[str, tuple[str, ...]]
    children: Mapping[str, tuple[str, ...]]
    twins: Mapping[str, str] = field(default_factory=dict)
    """City key -> the province key it is the capital of."""
    common_words: frozenset[str] = frozenset()
    not_places: frozenset[str] = frozenset()
    """Phrases whose words are never a place hit: India's "Lok Sabha" is not Sabha in Libya."""
    capitals: Mapping[str, str] = field(default_factory=dict)
    """Country key -> the name of its capital ("SD" -> "Khartoum"): "Sudan's capital" is a place."""

    @classmethod
    def build(
        cls,
        records: Iterable[PlaceRecord],
        policy: NamePolicy = NamePolicy(),
        *,
        normalized: dict[str, str] | None = None,
    ) -> Gazetteer:
        """Filter every record's names and index them. ``normalized`` is an optional cache of
        ``normalize`` results the caller already computed (building reuses and extends it)."""
        recs = list(records)
        by_key = {r.key: r for r in recs}
        cache: dict[str, str] = normalized if normalized is not None else {}

        def norm_of(raw: str) -> str:
            found = cache.get(raw)
            if found is None:
                found = cache[raw] = normalize(raw)
            return found

        # Who goes by a name: normalised name -> [(key, country, population, is_primary)].
        claims: dict[str, list[tuple[str, str | None, int, bool]]] = defaultdict(list)
        accepted: dict[str, dict[str, tuple[str, bool]]] = {}
        for r in recs:
            entries: dict[str, tuple[str, bool]] = {}
            for raw, is_primary in [(n, True) for n in (r.name, *r.primary)] + [
                (n, False) for n in r.alternates
            ]:
                if not policy.plausible(raw, primary=is_primary):
                    continue
                norm = norm_of(raw)
                if norm in entries and (entries[norm][1] or not is_primary):
                    continue
                if policy.acceptable(norm, primary=is_primary, kind=r.kind, population=r.population):
                    entries[norm] = (raw, is_primary)
            accepted[r.key] = entries
            for norm, (_, is_primary) in entries.items():
                claims[norm].append((r.key, r.country, r.population, is_primary))

        def related(a: str, b: str) -> bool:
            ra, rb = by_key[a], by_key[b]
            return ra.twin_of == b or rb.twin_of == a or ra.parent == b or rb.parent == a

        places: dict[str, Place] = {}
        by_name: dict[str, list[str]] = defaultdict(list)
        for r in recs:
            kept: dict[str, str] = {}
            own = [n for n, (_, prim) in accepted[r.key].items() if prim and n.isascii()]
            small = r.kind is PlaceKind.CITY and r.population < policy.foreign_alternates_population
            for norm, (raw, is_primary) in accepted[r.key].items():
                if (
                    small
                    and not is_primary
                    and norm.isascii()
                    and own
                    and max(fuzz.ratio(norm, o) for o in own) < policy.min_alternate_similarity
                ):
                    continue
                if r.kind is PlaceKind.CITY and any(
                    k != r.key
                    and country != r.country
                    and (population > r.population or (prim and not is_primary))
                    and not related(k, r.key)
                    for k, country, population, prim in claims[norm]
                ):
                    continue
                if r.kind in _LESSER and any(
                    prim and country != r.country and by_key[k].kind in _GREATER
                    for k, country, _, prim in claims[norm]
                ):
                    continue
                kept[norm] = display_name(raw) if raw.isascii() or _is_usable_script(raw) else raw
            places[r.key] = Place(
                key=r.key,
                name=display_name(r.name),
                kind=r.kind,
                country=r.country,
                names=tuple(dict.fromkeys(kept.values())),
                population=r.population,
                parent=r.parent,
            )
            for norm in kept:
                by_name[norm].append(r.key)
        children: dict[str, list[str]] = defaultdict(list)
        for r in recs:
            if r.parent is not None and r.parent in by_key:
                children[r.parent].append(r.key)
        twins = {r.key: r.twin_of for r in recs if r.twin_of is not None and r.twin_of in by_key}
        return cls(
            places=places,
            by_name={k: tuple(v) for k, v in by_name.items()},
            children={k: tuple(v) for k, v in children.items()},
            twins=twins,
            common_words=policy.stopwords,
            not_places=policy.not_places,
        )

    @cached_property
    def _multiword(self) -> Mapping[str, tuple[tuple[str, ...], ...]]:
        out: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        for name in self.by_name:
            seq = tuple(name.split())
            if len(seq) > 1:
                for word in set(seq):
                    out[word].append(seq)
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def one_word_names(self) -> frozenset[str]:
        """Every one-word place name (normalised). Computed once per gazetteer, on first use."""
        return frozenset(name for name in self.by_name if " " not in name)

    def names_containing(self, word: str) -> tuple[tuple[str, ...], ...]:
        """Multi-word names (normalised, as token tuples) with ``word`` among their words.

        Computed once per gazetteer, on first use.
        """
        return self._multiword.get(word, ())

    def lookup(self, name: str) -> tuple[Place, ...]:
        """Every place that goes by ``name`` (any spelling), broadest and biggest first."""
        keys = self.by_name.get(normalize(name), ())
        found = [self.places[k] for k in keys]
        return tuple(sorted(found, key=lambda p: (_PRIORITY[p.kind], -p.population, p.key)))

    def resolve(self, name: str) -> Place | None:
        """The place a watch on ``name`` means: a curated area, else country, province, city.

        A city that is its province's namesake capital resolves to the province, so "Idlib" covers
        the whole governorate.
        """
        found = self.lookup(name)
        if not found:
            return None
        best = found[0]
        twin = self.twins.get(best.key)
        return self.places[twin] if twin is not None else best

    def descendants(self, key: str) -> tuple[Place, ...]:
        out: dict[str, Place] = {}
        stack = list(self.children.get(key, ()))
        while stack:
            k = stack.pop()
            if k in out or k == key:
                continue
            out[k] = self.places[k]
            stack.extend(self.children.get(k, ()))
        return tuple(sorted(out.values(), key=lambda p: (-p.population, p.name)))

    def expand(self, region_name: str, aliases: Iterable[str] = ()) -> RegionExpansion:
        """The names of ``region_name`` (plus admin ``aliases``) and the places inside it."""
        place = self.resolve(region_name)
        own = [region_name, *aliases]
        if place is None:
            return RegionExpansion(region_name, None, tuple(dict.fromkeys(own)), ())
        own.extend(place.names)
        twin_keys = {k for k, v in self.twins.items() if v == place.key}
        for k in twin_keys:
            own.extend(self.places[k].names)
        inside = tuple(p for p in self.descendants(place.key) if p.key not in twin_keys)
        return RegionExpansion(region_name, place, tuple(dict.fromkeys(own)), inside)


def describe_expansion(gazetteer: Gazetteer, watchlist: Watchlist) -> str:
    """What a watchlist really watches, for ``run.py watch show NAME``: every region with the
    place it resolved to, its own spellings and the places inside with theirs."""
    lines = [
        f"watchlist {watchlist.name} (rule: {watchlist.rule.value}{', muted' if watchlist.muted else ''})"
    ]
    for region in watchlist.regions:
        exp = gazetteer.expand(region.name, region.aliases)
        if exp.resolved is None:
            lines.append(f"  region {region.name}: not in the gazetteer; matches its own spellings only")
        else:
            where = exp.resolved.country or ""
            country = gazetteer.places.get(where)
            inside = f", in {country.name}" if country is not None and country.key != exp.resolved.key else ""
            place = exp.resolved
            lines.append(f"  region {region.name}: {place.name} ({place.kind.value} {place.key}{inside})")
        lines.append(f"    names ({len(exp.names)}): {', '.join(exp.names)}")
        lines.append(f"    places inside ({len(exp.places)}, {exp.place_names} spellings):")
        for place in exp.places:
            if place.names:
                others = [n for n in place.names if n != place.name]
                extra = f" ({', '.join(others)})" if others else ""
                lines.append(f"      {place.name}{extra}")
    if watchlist.keywords:
        lines.append(f"  keywords: {', '.join(watchlist.keywords)}")
    if watchlist.exclude:
        lines.append(f"  exclude: {', '.join(watchlist.exclude)}")
    return "\n".join(lines)
