"""The gazetteer: which names a watched region goes by and which places lie inside it.

A watch on "Idlib" must fire on a strike in Saraqib or Maarat al-Numan, and on "Idleb" or
"إدلب"; a watch on "Syria" on Aleppo. This module is pure: ``Gazetteer.build`` takes place
records (built from the packaged geonames/ISO datasets by ``bot.geo``) and decides which spellings
are safe to match. Loose spellings are what cause false alerts, so names are filtered hard:

* only Latin and Arabic script; machine transliterations (all-lowercase Latin) are dropped;
* alternate names of 4 letters or fewer, codes ("IDL") and anything shorter than 3 letters go;
* common English words and a deny list of known-dangerous names ("Duma", "Red Sea") go;
* a town or province loses any name that is a country's or curated area's own name abroad
  ("Palestine", Texas; "Gaza", Mozambique);
* a city's alternate name that two or more other places bear as their own name is a village name,
  not the city's, and goes;
* towns under 100,000 people keep only alternate spellings close to their own name, and their
  own name only when it has 5+ letters; a bigger city's dissimilar alternates ("Zhdanov" for
  Mariupol) are kept as *historic* names.

Every name dropped is kept on the place with the reason (``Place.filtered``), so ``watch show`` can
say what does not match and why.

A name that other places share is **not** dropped: which place it means is decided by context
(``Gazetteer.name_uses``). For a watched region, each name of a place inside it either matches on
its own, or only when the place's province (``Need.REGION``) or its country (``Need.COUNTRY``) is
named in the same item. A rival elsewhere counts unless it lies within 30 km, is a fifth the size
or less, or bears the name only as an alternate or historic name and is not 20 times bigger
(Engels in Russia was once Pokrovsk; Pokrovsk in Donetsk Oblast keeps its name). A rival at home,
or a bigger one abroad, needs the province named; historic names always need the region.
"""

from __future__ import annotations

import math
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

from rapidfuzz import fuzz

from bot.core.normalize import Memo, normalize
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

# A rival namesake closer than this is the same spot for a desk (Rafah on both sides of the border).
_NEAR_KM = 30.0
# A place this many times bigger than a namesake elsewhere is what the name means.
_DOMINANT = 5
# A rival that bears the name only as a historic name must be this many times bigger to count.
_HISTORIC_RIVAL = 20
# A rival's name this close to its main name is its own name, not an alternate.
_OWN_NAME_SIMILARITY = 85.0
# A city this big rivals a province's name ("Kherson" city in another country would).
_BIG_CITY = 100_000


def _near(a: Place, b: Place) -> bool:
    if a.lat is None or a.lon is None or b.lat is None or b.lon is None:
        return False
    dy = (a.lat - b.lat) * 111.0
    dx = (a.lon - b.lon) * 111.0 * math.cos(math.radians((a.lat + b.lat) / 2))
    return math.hypot(dx, dy) <= _NEAR_KM


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
    lat: float | None = None
    lon: float | None = None
    curated: tuple[str, ...] = ()
    """Spellings our supplement gives it: a desk wrote them, so no word list drops them ("Harem")."""


@dataclass(frozen=True, slots=True)
class Place:
    """A place with the spellings that are safe to match (display form, deduplicated).

    ``historic``: the names in ``names`` that are not spellings of its own name (a historic or
    foreign-language name, "Zhdanov" for Mariupol); ``filtered``: (name, why) for every Latin or
    Arabic name the place goes by that is never matched.
    """

    key: str
    name: str
    kind: PlaceKind
    country: str | None
    names: tuple[str, ...]
    population: int = 0
    parent: str | None = None
    lat: float | None = None
    lon: float | None = None
    historic: tuple[str, ...] = ()
    filtered: tuple[tuple[str, str], ...] = ()


class Need(StrEnum):
    """What an item must name beside a place's name for the name to count as that place."""

    ALONE = "alone"
    COUNTRY = "country"
    """The place's province or its country (the rivals are abroad)."""
    REGION = "region"
    """The place's province or the watched region (a rival in the same country, or a historic name)."""


@dataclass(frozen=True, slots=True)
class NameUse:
    """How one name of a place inside a watched region counts: on its own or only with context."""

    place: Place
    name: str
    need: Need
    why: str = ""
    context: tuple[str, ...] = ()
    """Names (display form) any one of which, named in the item, makes the name count (for a name
    that counts on its own but has ``unless``: names that keep it counting even so)."""
    historic: bool = False
    unless: tuple[str, ...] = ()
    """For a name that counts on its own: the provinces (or, for a province, the countries) of the
    smaller namesakes elsewhere. Named beside it without ``context``, the name is theirs ("Pokrovsk,
    Saratov region" is not the Donetsk town; "Florida, Uruguay" not the US state)."""


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
    not_place_notes: Mapping[str, str] = field(default_factory=dict)
    """What some of ``not_places`` name instead (a club, an organisation), for ``watch show``."""
    min_alternate_letters: int = 5
    short_primary_population: int = 100_000
    """A city's own name of 4 letters or fewer ("Nawa", "Kas") only counts for a city this big."""
    foreign_alternates_population: int = 100_000
    """Below this size a city keeps only alternate Latin spellings close to its own name: small
    towns' historical or foreign-language names ("Dimitrov", "Epiphania") mostly catch people."""
    min_alternate_similarity: float = 60.0
    english_words: frozenset[str] = frozenset()
    """Common English words and names (normalised): a small place never goes by one ("Christmas")."""
    small_place_population: int = 15_000
    """Below this size a place's name that is all common words is dropped: the word is meant."""
    everyday_words: frozenset[str] = frozenset()
    """The most common English words (normalised): a town under ``short_primary_population`` never
    goes by one ("Rugby", "Bath", "Chester")."""
    village_name_claims: int = 2
    """A city's alternate name that this many other places bear as their own name is a village name."""

    def plausible(self, raw: str, *, primary: bool) -> bool:
        """Cheap checks on the raw spelling, before normalising it."""
        if primary:
            return True
        if raw.isascii():
            # Geonames keeps machine transliterations ("adlb", "gaja siti") in lower case.
            return raw != raw.lower() and not (raw.isupper() and len(raw) <= 4)
        return _is_usable_script(raw) and (raw != raw.lower() or not any("a" <= c <= "z" for c in raw))

    def acceptable(self, norm: str, *, primary: bool, kind: PlaceKind, population: int) -> bool:
        return self.rejection(norm, primary=primary, kind=kind, population=population) is None

    def rejection(
        self, norm: str, *, primary: bool, kind: PlaceKind, population: int, curated: bool = False
    ) -> str | None:
        """Why a normalised name is never matched, or None when it may be."""
        if not norm:
            return "empty"
        if norm in self.deny:
            return "deny list (a person's, group's or brand's name, or too ambiguous)"
        compact = norm.replace(" ", "")
        letters = len(compact)
        # Normalised names hold only letters, digits and spaces; a digit means a code or a road.
        if letters < 3 or not compact.isalpha():
            return "a code or too short"
        if all(t in self.stopwords for t in norm.split()):
            return "an ordinary English word"
        if not curated and kind is PlaceKind.CITY and population < self.short_primary_population:
            tokens = norm.split()
            if population < self.small_place_population and all(t in self.english_words for t in tokens):
                return "a common English word or name, for a place under 15,000 people"
            if all(t in self.everyday_words for t in tokens):
                return "an everyday English word, for a town under 100,000 people"
        if not primary:
            if letters < self.min_alternate_letters:
                return f"alternate name of fewer than {self.min_alternate_letters} letters"
            return None
        if letters > 4 or kind is not PlaceKind.CITY or population >= self.short_primary_population:
            return None
        return f"a name of 4 letters or fewer, for a town under {self.short_primary_population:,} people"


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
    not_place_notes: Mapping[str, str] = field(default_factory=dict)
    """Normalised phrase in ``not_places`` -> what it names instead ("shakhtar donetsk" -> "a
    football club"), for ``watch show``."""
    word_names: Set[str] | None = field(default=None, compare=False, repr=False)
    """``one_word_names`` as its holder keeps it (a mapped file's index); None: computed from
    ``by_name`` on first use. Derived data, so it takes no part in equality."""
    multiword: Mapping[str, tuple[tuple[str, ...], ...]] | None = field(
        default=None, compare=False, repr=False
    )
    """Word -> the names of several words that contain it (``names_containing``), as its holder keeps
    it; None: computed from ``by_name`` on first use."""

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

        accepted: dict[str, dict[str, tuple[str, bool]]] = {}
        rejected: dict[str, dict[str, tuple[str, str]]] = {}
        # Own (primary) names: normalised name -> keys; and the countries whose or whose curated
        # area's own name it is.
        own_claims: dict[str, list[str]] = defaultdict(list)
        greater: dict[str, set[str | None]] = defaultdict(set)
        for r in recs:
            entries: dict[str, tuple[str, bool]] = {}
            dropped: dict[str, tuple[str, str]] = {}
            curated = frozenset(r.curated)
            for raw, is_primary in [(n, True) for n in (r.name, *r.primary)] + [
                (n, False) for n in r.alternates
            ]:
                if not policy.plausible(raw, primary=is_primary):
                    continue  # another script or a machine transliteration: summarised, not listed
                norm = norm_of(raw)
                if norm in entries and (entries[norm][1] or not is_primary):
                    continue
                why = policy.rejection(
                    norm, primary=is_primary, kind=r.kind, population=r.population, curated=raw in curated
                )
                if why is None:
                    entries[norm] = (raw, is_primary)
                    dropped.pop(norm, None)
                elif norm not in entries:
                    dropped.setdefault(norm, (raw, why))
            accepted[r.key] = entries
            rejected[r.key] = dropped
            for norm, (_, is_primary) in entries.items():
                if is_primary:
                    own_claims[norm].append(r.key)
                    if r.kind in _GREATER:
                        greater[norm].add(r.country)

        def related(a: str, b: str) -> bool:
            ra, rb = by_key[a], by_key[b]
            return ra.twin_of == b or rb.twin_of == a or ra.parent == b or rb.parent == a

        places: dict[str, Place] = {}
        by_name: dict[str, list[str]] = defaultdict(list)
        for r in recs:
            kept: dict[str, str] = {}
            historic: list[str] = []
            dropped = rejected[r.key]
            # Its own names, kept or not: "Glubbdubdrib" is no spelling of "Tarn" even if "Tarn" is too
            # short to match.
            own = list(dict.fromkeys(norm_of(n) for n in (r.name, *r.primary) if n.isascii()))
            small = r.kind is PlaceKind.CITY and r.population < policy.foreign_alternates_population
            for norm, (raw, is_primary) in accepted[r.key].items():
                similar = (
                    is_primary
                    or not norm.isascii()
                    or not own
                    or max(fuzz.ratio(norm, o) for o in own) >= policy.min_alternate_similarity
                )
                if small and not similar:
                    dropped[norm] = (
                        raw,
                        "not a spelling of its own name (a small town's historic or foreign name)",
                    )
                    continue
                if r.kind is PlaceKind.CITY and not is_primary:
                    others = [k for k in own_claims.get(norm, ()) if k != r.key and not related(k, r.key)]
                    if len(others) >= policy.village_name_claims:
                        dropped[norm] = (raw, f"the own name of {len(others)} other places (a village name)")
                        continue
                if r.kind in _LESSER and any(c != r.country for c in greater.get(norm, ())):
                    dropped[norm] = (raw, "a country's or area's own name abroad")
                    continue
                shown = display_name(raw) if raw.isascii() or _is_usable_script(raw) else raw
                kept[norm] = shown
                if not similar:
                    historic.append(shown)
            names = tuple(dict.fromkeys(kept.values()))
            places[r.key] = Place(
                key=r.key,
                name=display_name(r.name),
                kind=r.kind,
                country=r.country,
                names=names,
                population=r.population,
                parent=r.parent,
                lat=r.lat,
                lon=r.lon,
                historic=tuple(h for h in dict.fromkeys(historic) if h in names),
                filtered=tuple(
                    dict.fromkeys((display_name(raw), why) for raw, why in dropped.values() if raw)
                ),
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
            not_place_notes=dict(policy.not_place_notes),
        )

    @cached_property
    def _multiword(self) -> Mapping[str, tuple[tuple[str, ...], ...]]:
        if self.multiword is not None:
            return self.multiword
        out: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        for name in self.by_name:
            seq = tuple(name.split())
            if len(seq) > 1:
                for word in set(seq):
                    out[word].append(seq)
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def capitals_of(self) -> Mapping[str, tuple[str, ...]]:
        """Province key -> the keys of its namesake capitals (``twins`` reversed)."""
        out: dict[str, list[str]] = defaultdict(list)
        for city, province in self.twins.items():
            out[province].append(city)
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def one_word_names(self) -> Set[str]:
        """Every one-word place name (normalised): ``word_names``, or computed once, on first use."""
        if self.word_names is not None:
            return self.word_names
        return frozenset(name for name in self.by_name if " " not in name)

    def names_containing(self, word: str) -> tuple[tuple[str, ...], ...]:
        """Multi-word names (normalised, as token tuples) with ``word`` among their words, in no
        particular order: ``multiword``, or an index computed once, on first use."""
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
        twin_keys = set(self.capitals_of.get(place.key, ()))
        for k in twin_keys:
            own.extend(self.places[k].names)
        for k in (place.key, *twin_keys):
            own.extend(self._capital_phrases(self.places[k]))
        inside = tuple(p for p in self.descendants(place.key) if p.key not in twin_keys)
        return RegionExpansion(region_name, place, tuple(dict.fromkeys(own)), inside)

    def _capital_phrases(self, place: Place) -> list[str]:
        """For a country's capital city, how reports name it without its name: "Sudan's capital",
        "the Sudanese capital", "the capital of Sudan"."""
        if place.kind is not PlaceKind.CITY or place.country is None:
            return []
        capital = self.capitals.get(place.country)
        country = self.places.get(place.country)
        if capital is None or country is None or normalize(capital) != normalize(place.name):
            return []
        out: list[str] = []
        for n in country.names:
            if n.isascii():
                out.extend((f"{n}'s capital", f"capital of {n}", f"{n} capital"))
        return out

    def historic_names(self, expansion: RegionExpansion) -> frozenset[str]:
        """The historic names among a region's own names: its place's and its namesake capital's
        ("Stalino" for Donetsk, "Zhdanov" for Mariupol). They count only beside a current name."""
        if expansion.resolved is None:
            return frozenset()
        keys = [expansion.resolved.key, *self.capitals_of.get(expansion.resolved.key, ())]
        return frozenset(h for k in keys for h in self.places[k].historic)

    def phrases_naming_else(self, expansion: RegionExpansion) -> tuple[tuple[str, str], ...]:
        """The listed phrases (``not_places``) that contain one of the region's names, with what
        they name instead ("shakhtar donetsk", "a football club")."""
        own = {normalize(n) for n in expansion.names} | {
            normalize(n) for p in expansion.places for n in p.names
        }
        out: list[tuple[str, str]] = []
        for phrase in sorted(self.not_places):
            tokens = phrase.split()
            grams = {" ".join(tokens[i : i + n]) for n in (1, 2, 3) for i in range(len(tokens) - n + 1)}
            if grams & own:
                out.append((phrase, self.not_place_notes.get(phrase, "not a place")))
        return tuple(out)

    def ancestors(self, key: str) -> tuple[Place, ...]:
        """The places that contain ``key``'s place, nearest first (province, area, country)."""
        out: list[Place] = []
        seen = {key}
        parent = self.places[key].parent if key in self.places else None
        while parent is not None and parent not in seen and parent in self.places:
            seen.add(parent)
            out.append(self.places[parent])
            parent = self.places[parent].parent
        return tuple(out)

    def name_uses(self, expansion: RegionExpansion) -> tuple[NameUse, ...]:
        """How every name of every place inside a watched region counts: on its own, or only beside
        its province's or country's name (see the module docstring). The region's own names always
        count on their own."""
        if expansion.resolved is None:
            return ()
        inside = {expansion.resolved.key} | {p.key for p in expansion.places}
        inside |= {k for key in list(inside) for k in self.capitals_of.get(key, ())}
        # The same few thousand names (each place's own, its provinces', its rivals') are normalised
        # again for every name of every place: for Ukraine 200,000 calls, half the time it took.
        norm = Memo(normalize)
        return tuple(
            self._use(place, name, inside, expansion, norm)
            for place in expansion.places
            for name in place.names
        )

    def _use(
        self, place: Place, name: str, inside: set[str], expansion: RegionExpansion, normalize: Memo[str]
    ) -> NameUse:
        norm = normalize(name)
        rivals: list[Place] = []
        dismissed: list[Place] = []
        historic = name in place.historic
        own = fuzz.ratio(norm, normalize(place.name)) >= _OWN_NAME_SIMILARITY
        for key in self.by_name.get(norm, ()):
            if key == place.key:
                continue
            other = self.places[key]
            # An alternate name that is another place's historic name is a surname as often:
            # "Zhdanov" is also a spelling of Zhdanivka's name, but first Mariupol's Soviet-era one.
            historic = historic or (not own and name in other.historic)
            if key in inside or self.twins.get(key) in inside:
                continue
            if _near(place, other):
                continue  # the same spot across a border or a namesake suburb: the story is here
            if place.kind is not PlaceKind.CITY:
                # A province's name is the province, not a village elsewhere. Of two provinces that
                # share a name, the one with five times the towns is what the name means (Florida,
                # US; Uruguay's Florida needs "Uruguay" beside it). Provinces carry no population.
                if other.kind is PlaceKind.CITY and other.population < _BIG_CITY:
                    continue
                if other.kind is PlaceKind.SUBDIVISION and len(
                    self.children.get(place.key, ())
                ) >= _DOMINANT * len(self.children.get(other.key, ())):
                    dismissed.append(other)
                    continue
            elif (
                other.kind is PlaceKind.SUBDIVISION
                and other.country != place.country
                and place.population >= _BIG_CITY
            ):
                # A big city is what its name means beside a province abroad (Manchester, England;
                # Jamaica's Manchester parish needs Jamaica beside it).
                dismissed.append(other)
                continue
            elif fuzz.ratio(norm, normalize(other.name)) < _OWN_NAME_SIMILARITY:
                # The rival bears it as an alternate or historic name, not as its own: Engels was
                # once Pokrovsk, but "Pokrovsk" is Pokrovsk unless the rival is far bigger.
                if other.population < _HISTORIC_RIVAL * max(place.population, 1):
                    dismissed.append(other)
                    continue
            elif other.kind is PlaceKind.CITY and place.population >= _DOMINANT * other.population:
                dismissed.append(other)
                continue
            rivals.append(other)
        if not rivals and not historic:
            return self._alone(place, name, dismissed, expansion, normalize)
        # A rival at home, or a bigger one abroad (Melbourne, Australia for Melbourne, Florida), is
        # not ruled out by naming the country: only the province does.
        strong = [
            r
            for r in rivals
            if r.country == place.country
            or (place.kind is PlaceKind.CITY and r.population >= place.population)
        ]
        need = Need.REGION if strong or historic else Need.COUNTRY
        ancestors = self.ancestors(place.key)
        context: list[str] = []
        for up in ancestors:
            if up.kind is PlaceKind.COUNTRY and need is Need.REGION:
                continue
            context.extend(up.names)
            for k in self.capitals_of.get(up.key, ()) if up.kind is not PlaceKind.COUNTRY else ():
                context.extend(self.places[k].names)
        if (
            expansion.resolved is not None and expansion.resolved.kind is not PlaceKind.COUNTRY
        ) or need is Need.COUNTRY:
            context.extend(expansion.names)
        reasons: list[str] = []
        if historic:
            reasons.append(f"a historic or foreign name of {place.name}")
        if rivals:
            biggest = sorted(rivals, key=lambda p: -p.population)
            first = biggest[0]
            where = self._where(first)
            more = f" and {len(rivals) - 1} more" if len(rivals) > 1 else ""
            reasons.append(f"also {first.name}{where} ({first.population:,} people){more}")
        # A province named like its town is no context for the town's name ("Florida", Uruguay).
        itself = {normalize(n) for n in place.names}
        kept = tuple(dict.fromkeys(c for c in context if c and normalize(c) not in itself))
        if not kept:
            # Nothing between the place and its country (a province on a country's watch): the
            # country's names are the context there is.
            kept = tuple(n for up in ancestors if up.kind is PlaceKind.COUNTRY for n in up.names)
        return NameUse(place, name, need, "; ".join(reasons), kept, historic)

    def _context_names(self, ancestors: Iterable[Place], *, countries: bool) -> list[str]:
        """The names of ``ancestors`` and of their namesake capitals (countries' only if asked)."""
        out: list[str] = []
        for up in ancestors:
            if up.kind is PlaceKind.COUNTRY:
                if countries:
                    out.extend(up.names)
                continue
            out.extend(up.names)
            for k in self.capitals_of.get(up.key, ()):
                out.extend(self.places[k].names)
        return out

    def _alone(
        self,
        place: Place,
        name: str,
        dismissed: list[Place],
        expansion: RegionExpansion,
        normalize: Memo[str],
    ) -> NameUse:
        """A name that counts on its own, unless a smaller namesake's province is named beside it and
        nothing of its own is."""
        if not dismissed:
            return NameUse(place, name, Need.ALONE)
        own = self._context_names(self.ancestors(place.key), countries=True)
        own.extend(expansion.names)
        unless: list[str] = []
        for other in dismissed:
            # A city rival's province, not its country: "Russian" is in every Ukraine war story.
            unless.extend(
                self._context_names(self.ancestors(other.key), countries=other.kind is PlaceKind.SUBDIVISION)
            )
        mine = {normalize(n) for n in (*own, *place.names)}
        unless = [n for n in dict.fromkeys(unless) if n and normalize(n) not in mine]
        if not unless:
            return NameUse(place, name, Need.ALONE)
        first = max(dismissed, key=lambda p: p.population)
        why = f"a smaller namesake: {first.name}{self._where(first)}"
        return NameUse(
            place, name, Need.ALONE, why, tuple(dict.fromkeys(n for n in own if n)), unless=tuple(unless)
        )

    def _where(self, place: Place) -> str:
        parts = [p.name for p in self.ancestors(place.key) if p.kind is not PlaceKind.AREA][:2]
        return f", {', '.join(parts)}" if parts else ""


_SHOWN_CONTEXT = 4
"""Context names ``watch show`` lists per shared name before "…"."""

CONTEXT_RULES = (
    "a name right after or before FC/SC/FK is a club's",
    "a name or demonym right before activist, artist, writer, player… or '-born' is a person's origin",
    "'another Gaza.', 'a second Aleppo', 'Gaza-style' are comparisons",
    "an alternate or historic name right after a title or a given name, or before 'said', is a person's",
)


def describe_expansion(gazetteer: Gazetteer, watchlist: Watchlist) -> str:
    """What a watchlist really watches, for ``watch show``: every region with the place it resolved
    to; the names that match on their own; the names that match only beside their province's or
    country's name, and why; the names never matched, and why; the phrases that contain its names
    but name something else; and the context rules that can still set a hit aside."""
    lines = [
        f"watchlist {watchlist.name} (rule: {watchlist.rule.value}{', muted' if watchlist.muted else ''})"
    ]
    for region in watchlist.regions:
        exp = gazetteer.expand(region.name, region.aliases)
        if exp.resolved is None:
            lines.append(f"  region {region.name}: not in the gazetteer; matches its own spellings only")
            lines.append(f"    names ({len(exp.names)}): {', '.join(exp.names)}")
            continue
        where = exp.resolved.country or ""
        country = gazetteer.places.get(where)
        inside = f", in {country.name}" if country is not None and country.key != exp.resolved.key else ""
        place = exp.resolved
        lines.append(f"  region {region.name}: {place.name} ({place.kind.value} {place.key}{inside})")
        old = gazetteer.historic_names(exp)
        own = [n for n in exp.names if n not in old]
        lines.append(f"    names, matching on their own ({len(own)}): {', '.join(own)}")
        described = [n for n in region.aliases if n == n.lower()]
        if described:
            lines.append(
                "    descriptive aliases, only beside a name of the region or its country: "
                + ", ".join(described)
            )
        if old:
            lines.append(
                f"    historic names, only beside a current name or the country's: {', '.join(sorted(old))}"
            )
        uses = gazetteer.name_uses(exp)
        alone: dict[str, list[str]] = defaultdict(list)
        shared: list[NameUse] = []
        for use in uses:
            if use.need is Need.ALONE:
                alone[use.place.key].append(use.name)
            else:
                shared.append(use)
        spellings = sum(len(v) for v in alone.values())
        # What needs context and what never matches come before the (long) list of places, so a
        # Slack reply cut at one message still shows them.
        if shared:
            lines.append(f"    names that count only beside their province or country ({len(shared)}):")
            for use in shared:
                ctx = ", ".join(use.context[:_SHOWN_CONTEXT]) + (
                    " …" if len(use.context) > _SHOWN_CONTEXT else ""
                )
                label = use.name if use.name == use.place.name else f"{use.name} ({use.place.name})"
                lines.append(f"      {label}: only beside {ctx or 'its region'}; {use.why}")
        yielding = [use for use in uses if use.unless]
        if yielding:
            lines.append(
                f"    names that count on their own, but not beside only a smaller namesake's"
                f" province ({len(yielding)}):"
            )
            for use in yielding:
                label = use.name if use.name == use.place.name else f"{use.name} ({use.place.name})"
                them = ", ".join(use.unless[:_SHOWN_CONTEXT]) + (
                    " …" if len(use.unless) > _SHOWN_CONTEXT else ""
                )
                lines.append(f"      {label}: not beside {them} alone")
        filtered = [(p, name, why) for p in (place, *exp.places) for name, why in p.filtered]
        if filtered:
            lines.append(f"    never matched ({len(filtered)}):")
            for p, name, why in filtered:
                lines.append(f"      {name} ({p.name}): {why}")
        phrases = gazetteer.phrases_naming_else(exp)
        if phrases:
            lines.append("    not this place, wherever they stand:")
            for phrase, note in phrases:
                lines.append(f"      {phrase}: {note}")
        lines.append(f"    places inside ({len(exp.places)}; {spellings} spellings match on their own):")
        for p in exp.places:
            names = alone.get(p.key, [])
            if names:
                others = [n for n in names if n != p.name]
                extra = f" ({', '.join(others)})" if others else ""
                lines.append(f"      {p.name}{extra}")
    if watchlist.regions:
        lines.append("  context rules (a hit they describe does not count): " + "; ".join(CONTEXT_RULES))
        lines.append(
            "  other scripts than Latin and Arabic, and geonames' lower-case machine spellings,"
            " are never matched"
        )
    if watchlist.keywords:
        lines.append(f"  keywords: {', '.join(watchlist.keywords)}")
    if watchlist.exclude:
        lines.append(f"  exclude: {', '.join(watchlist.exclude)}")
    return "\n".join(lines)
