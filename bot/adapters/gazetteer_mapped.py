"""The built gazetteer in a compact on-disk form that a process maps instead of unpacking.

With every populated place of 500+ people the gazetteer holds 240,000 places and 460,000 names.
Unpacked into Python dicts, tuples and strings that is 270 MB of a process that must fit in 200 MB,
and most of it is never looked at: a watch reads a few thousand places. Here the gazetteer is a
directory of files (``write``) that ``load`` maps read-only; the kernel's page cache holds them,
shared by every process on the machine, and a process keeps resident only what it touches.

* ``keys.marisa``: a MARISA trie (``marisa-trie``) of the place keys. A key's id in it is the place's
  number everywhere else.
* ``names.marisa``: a trie of the normalised names (``by_name``'s keys); a one-word name is a name
  without a space, so the same trie answers ``one_word_names``.
* ``multiword.marisa``: ``"<word>\\0<name>"`` for each word of each name of several words: a prefix
  search answers ``names_containing(word)``.
* ``tables.bin``: a checked header (format, the sizes and CRC-32s of every file, and the small
  tables: twins, capitals, common words, not-places and their notes, marshalled), then 8-byte
  aligned sections: each place as its own ``marshal`` record with the offsets of the records by
  place number; the name -> places and place -> children lists as arrays of place numbers; and the
  built gazetteer's orders of places and of names, which iterating them follows.

A trie lookup takes well under a microsecond, so the per-word checks of a poll round (``name in
one_word_names``, ``name in by_name``) stay cheap. ``load`` checks every file against the header's
sizes and CRC-32s (about 0.01 s for 40 MB) before mapping it, since a damaged trie could crash the
C++ reader rather than raise: a directory that does not check out raises ``MappedGazetteerError``,
and the caller rebuilds it. Files are only ever written whole into a new directory; nothing here
writes to a mapped file.
"""

from __future__ import annotations

import io
import marshal
import mmap
import os
import struct
import sys
import weakref
import zlib
from array import array
from collections.abc import Iterator, Mapping, Set
from pathlib import Path
from typing import Any

import marisa_trie

from bot.core.gazetteer import Gazetteer, Place, PlaceKind
from bot.errors import SitrepError

FORMAT = 2
"""Bumped whenever the layout below changes; a directory of another format is rebuilt (2: the
built gazetteer's orders of places and names)."""

_MAGIC = b"SITREPGZ"
_HEAD = struct.Struct("<8sIII")
"""Magic, format, header length, CRC-32 of the header."""
_TRIES = ("keys", "names", "multiword")
_TABLES = "tables.bin"
_ALIGN = 8
_CHUNK = 1 << 20
_SEP = "\x00"
"""Between a word and a name in ``multiword.marisa``: normalised names hold no control characters."""
_RECENT = 4096
"""How many places ``places`` keeps made, at most: the countries and provinces that every
``ancestors`` walk reads again."""


class MappedGazetteerError(SitrepError):
    """A compact gazetteer directory that is missing a file, of another format, truncated or damaged."""


def _trie_path(directory: Path, name: str) -> Path:
    return directory / f"{name}.marisa"


def _aligned(n: int) -> int:
    return -(-n // _ALIGN) * _ALIGN


def _crc_rest(f: io.BufferedReader) -> tuple[int, int]:
    """CRC-32 and length of the rest of an open file, read in chunks: the page cache serves it, and
    none of it stays resident in this process."""
    crc = size = 0
    buffer = bytearray(_CHUNK)
    view = memoryview(buffer)
    while n := f.readinto(buffer):
        crc = zlib.crc32(view[:n], crc)
        size += n
    return crc, size


def _u32(values: list[int]) -> bytes:
    return array("I", values).tobytes()


def _lists(lists: list[list[int]]) -> tuple[bytes, bytes]:
    """Lists of numbers as an array of starts (one more than lists) and one of all the values."""
    starts = [0]
    values: list[int] = []
    for numbers in lists:
        values.extend(numbers)
        starts.append(len(values))
    return _u32(starts), _u32(values)


def _record(p: Place) -> bytes:
    return marshal.dumps(
        (
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
    )


def write(g: Gazetteer, directory: Path) -> None:
    """Write ``g`` into ``directory`` (made if missing). The caller writes into a new directory and
    renames it into place, so no reader sees a half-written one."""
    if array("I").itemsize != 4:  # pragma: no cover - every platform we run on
        raise MappedGazetteerError("no 4-byte unsigned array type here")
    if any(_SEP in k for k in g.places) or any(_SEP in n for n in g.by_name):
        raise MappedGazetteerError("a place key or name holds a NUL, which the tries cannot look up")
    directory.mkdir(parents=True, exist_ok=True)
    keys = marisa_trie.Trie(list(g.places))
    names = marisa_trie.Trie(list(g.by_name))
    multi = marisa_trie.Trie(
        [f"{word}{_SEP}{name}" for name in g.by_name if " " in name for word in dict.fromkeys(name.split())]
    )
    for name, trie in zip(_TRIES, (keys, names, multi), strict=True):
        trie.save(str(_trie_path(directory, name)))

    number = {k: keys[k] for k in g.places}
    records = bytearray()
    record_at = [0] * (len(keys) + 1)
    for i in range(len(keys)):
        record_at[i] = len(records)
        records += _record(g.places[keys.restore_key(i)])
    record_at[-1] = len(records)
    if len(records) >= 1 << 32:
        raise MappedGazetteerError("places do not fit 32-bit offsets")
    by_name: list[list[int]] = [[] for _ in range(len(names))]
    for name, held in g.by_name.items():
        by_name[names[name]] = [number[k] for k in held]
    children: list[list[int]] = [[] for _ in range(len(keys))]
    for parent, kids in g.children.items():
        children[number[parent]] = [number[k] for k in kids]
    name_starts, name_values = _lists(by_name)
    child_starts, child_values = _lists(children)
    sections = {
        "record_at": _u32(record_at),
        "records": bytes(records),
        "name_starts": name_starts,
        "name_values": name_values,
        "child_starts": child_starts,
        "child_values": child_values,
        # The built gazetteer's orders, for iterating as it did (the tries' own order is theirs).
        "place_order": _u32(list(number.values())),
        "name_order": _u32([names[name] for name in g.by_name]),
    }
    layout: dict[str, tuple[int, int]] = {}
    body = bytearray()
    for name, data in sections.items():
        layout[name] = (len(body), len(data))
        body += data
        body += bytes(_aligned(len(body)) - len(body))

    tries: dict[str, tuple[int, int]] = {}
    for name in _TRIES:
        with _trie_path(directory, name).open("rb") as f:
            crc, size = _crc_rest(f)
        tries[name] = (size, crc)
    header = marshal.dumps(
        {
            "byteorder": sys.byteorder,
            "layout": layout,
            "body": (len(body), zlib.crc32(body)),
            "tries": tries,
            "counts": (len(keys), len(names), sum(1 for n in g.by_name if " " not in n), len(g.children)),
            "words": len({entry.split(_SEP, 1)[0] for entry in multi}),
            "twins": dict(g.twins),
            "capitals": dict(g.capitals),
            "common_words": frozenset(g.common_words),
            "not_places": frozenset(g.not_places),
            "not_place_notes": dict(g.not_place_notes),
        }
    )
    with (directory / _TABLES).open("wb") as f:
        f.write(_HEAD.pack(_MAGIC, FORMAT, len(header), zlib.crc32(header)))
        f.write(header)
        f.write(bytes(_aligned(_HEAD.size + len(header)) - _HEAD.size - len(header)))
        f.write(body)


def _checked_header(directory: Path) -> tuple[dict[str, Any], int]:
    """The header of a directory whose every file has the size and CRC-32 the header records, and
    where the tables' body starts."""
    try:
        with (directory / _TABLES).open("rb") as f:
            head = f.read(_HEAD.size)
            if len(head) != _HEAD.size:
                raise MappedGazetteerError("truncated header")
            magic, version, length, crc = _HEAD.unpack(head)
            if magic != _MAGIC:
                raise MappedGazetteerError("not a compact gazetteer")
            if version != FORMAT:
                raise MappedGazetteerError(f"format {version}, not {FORMAT}")
            raw = f.read(length)
            if len(raw) != length or zlib.crc32(raw) != crc:
                raise MappedGazetteerError("damaged header")
            header = marshal.loads(raw)
            if not isinstance(header, dict) or header.get("byteorder") != sys.byteorder:
                raise MappedGazetteerError("written on a machine of another byte order")
            start = _aligned(_HEAD.size + length)
            f.seek(start)
            size, crc = header["body"]
            if _crc_rest(f) != (crc, size):
                raise MappedGazetteerError(f"damaged {_TABLES}")
        for name in _TRIES:
            with _trie_path(directory, name).open("rb") as f:
                size, crc = header["tries"][name]
                if _crc_rest(f) != (crc, size):
                    raise MappedGazetteerError(f"damaged {name}.marisa")
    except (OSError, ValueError, EOFError, TypeError, KeyError) as e:
        raise MappedGazetteerError(f"{e.__class__.__name__}: {e}") from e
    return header, start


def _mapped_trie(directory: Path, name: str) -> marisa_trie.Trie:
    trie = marisa_trie.Trie()
    try:
        trie.mmap(str(_trie_path(directory, name)))
    except RuntimeError as e:  # marisa's own checks (sizes that do not add up)
        raise MappedGazetteerError(f"{name}.marisa: {e}") from e
    return trie


def _plain(key: object) -> bool:
    """A string a trie's ``get`` can look up: marisa-trie's reads a key only up to a NUL (``in``
    reads it whole), so "idlib\\0x" would find "idlib"."""
    return isinstance(key, str) and _SEP not in key


class _Lists:
    """Lists of place numbers: list ``i`` is ``values[starts[i]:starts[i + 1]]``."""

    __slots__ = ("_starts", "_values")

    def __init__(self, starts: memoryview, values: memoryview) -> None:
        self._starts = starts
        self._values = values

    def __call__(self, i: int) -> memoryview:
        return self._values[self._starts[i] : self._starts[i + 1]]

    def empty(self, i: int) -> bool:
        return bool(self._starts[i] == self._starts[i + 1])


class _Records:
    """Place records, read with ``pread`` from the tables file rather than through the mapping.

    A watch reads places all over the world (every namesake of every name in it), a hundred bytes
    each. Through a mapping each read makes its page resident, and where the kernel keeps the file
    in large folios (ext4 on Linux 6.x) all 2 MB around it: the 3-watch matcher made all 29 MB of
    records resident to read 3 MB of them. ``pread`` copies just the record out of the page cache
    (about a microsecond), and the cache is the kernel's: shared, and given back under pressure."""

    __slots__ = ("__weakref__", "_at", "_base", "_fd")

    def __init__(self, path: Path, base: int, at: memoryview) -> None:
        self._fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        weakref.finalize(self, os.close, self._fd)
        self._base = base
        self._at = at

    def __call__(self, i: int) -> Any:
        start = self._at[i]
        size = self._at[i + 1] - start
        raw = os.pread(self._fd, size, self._base + start)
        if len(raw) != size:
            raise MappedGazetteerError("a place record past the end of the file")
        return marshal.loads(raw)


class _Places(Mapping[str, Place]):
    """Places by key, each made from its record when asked for (a few microseconds), iterated in the
    built gazetteer's order. At most ``_RECENT`` are kept made: what a watch reads once is not
    resident for the process's life."""

    __slots__ = ("_keys", "_made", "_order", "_records")

    def __init__(self, keys: marisa_trie.Trie, records: _Records, order: memoryview) -> None:
        self._keys = keys
        self._records = records
        self._order = order
        self._made: dict[str, Place] = {}

    def number(self, key: object) -> int | None:
        found: int | None = self._keys.get(key) if _plain(key) else None
        return found

    def key(self, number: int) -> str:
        return str(self._keys.restore_key(number))

    def __getitem__(self, key: str) -> Place:
        made = self._made.get(key)
        if made is not None:
            return made
        i = self.number(key)
        if i is None:
            raise KeyError(key)
        v = self._records(i)
        made = Place(key, v[0], PlaceKind(v[1]), v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9])
        if len(self._made) >= _RECENT:
            # All at once, not the oldest: one call, so safe with the matcher built in a thread.
            self._made.clear()
        self._made[key] = made
        return made

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in self._keys

    def __iter__(self) -> Iterator[str]:
        return map(self.key, self._order)

    def __len__(self) -> int:
        return len(self._keys)


class _ByName(Mapping[str, tuple[str, ...]]):
    """Normalised name -> the keys of the places that go by it; names, and each name's keys, in the
    built gazetteer's order."""

    __slots__ = ("_lists", "_names", "_order", "_places")

    def __init__(self, names: marisa_trie.Trie, lists: _Lists, places: _Places, order: memoryview) -> None:
        self._names = names
        self._lists = lists
        self._places = places
        self._order = order

    def __getitem__(self, name: str) -> tuple[str, ...]:
        i = self._names.get(name) if _plain(name) else None
        if i is None:
            raise KeyError(name)
        key = self._places.key
        return tuple(key(n) for n in self._lists(i))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._names

    def __iter__(self) -> Iterator[str]:
        restore = self._names.restore_key
        return (str(restore(i)) for i in self._order)

    def __len__(self) -> int:
        return len(self._names)


class _Children(Mapping[str, tuple[str, ...]]):
    """Place key -> the keys of the places directly inside it (only places with some are keys)."""

    __slots__ = ("_count", "_lists", "_places")

    def __init__(self, places: _Places, lists: _Lists, count: int) -> None:
        self._places = places
        self._lists = lists
        self._count = count

    def __getitem__(self, key: str) -> tuple[str, ...]:
        i = self._places.number(key)
        if i is None or self._lists.empty(i):
            raise KeyError(key)
        restore = self._places.key
        return tuple(restore(n) for n in self._lists(i))

    def __contains__(self, key: object) -> bool:
        i = self._places.number(key)
        return i is not None and not self._lists.empty(i)

    def __iter__(self) -> Iterator[str]:
        return (k for k in self._places if k in self)

    def __len__(self) -> int:
        return self._count


class _OneWordNames(Set[str]):
    """The names of ``names.marisa`` without a space."""

    __slots__ = ("_count", "_names")

    def __init__(self, names: marisa_trie.Trie, count: int) -> None:
        self._names = names
        self._count = count

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and " " not in name and name in self._names

    def __iter__(self) -> Iterator[str]:
        return (n for n in self._names if " " not in n)

    def __len__(self) -> int:
        return self._count


class _MultiWord(Mapping[str, tuple[tuple[str, ...], ...]]):
    """Word -> the names of several words that contain it, as token tuples, in the trie's order."""

    __slots__ = ("_count", "_trie")

    def __init__(self, trie: marisa_trie.Trie, count: int) -> None:
        self._trie = trie
        self._count = count

    def __getitem__(self, word: str) -> tuple[tuple[str, ...], ...]:
        if isinstance(word, str) and word and _SEP not in word:
            prefix = word + _SEP
            cut = len(prefix)
            found = tuple(tuple(entry[cut:].split()) for entry in self._trie.keys(prefix))
            if found:
                return found
        raise KeyError(word)

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(entry.split(_SEP, 1)[0] for entry in self._trie))

    def __len__(self) -> int:
        return self._count


def load(directory: Path) -> Gazetteer:
    """The gazetteer ``write`` wrote into ``directory``, mapped read-only.

    Raises ``MappedGazetteerError`` for a directory missing a file, of another format, or whose files
    do not have the sizes and checksums its header records, or whose parts do not fit together."""
    header, start = _checked_header(directory)
    try:
        return _mapped(directory, header, start)
    except (OSError, ValueError, TypeError, KeyError, IndexError) as e:
        raise MappedGazetteerError(f"{e.__class__.__name__}: {e}") from e


def _mapped(directory: Path, header: dict[str, Any], start: int) -> Gazetteer:
    tries = {name: _mapped_trie(directory, name) for name in _TRIES}
    n_places, n_names, n_one_word, n_parents = header["counts"]
    keys, names = tries["keys"], tries["names"]
    path = directory / _TABLES
    with path.open("rb") as f:
        mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    body = memoryview(mapped)[start:]
    # Every array's length is checked here, so that no lookup can index past one later.
    lengths = {
        "record_at": n_places + 1,
        "place_order": n_places,
        "child_starts": n_places + 1,
        "name_starts": n_names + 1,
        "name_order": n_names,
    }

    def numbers(section: str) -> memoryview:
        at, size = header["layout"][section]
        view = body[at : at + size].cast("I")
        if section in lengths and len(view) != lengths[section]:
            raise MappedGazetteerError(f"{section}: {len(view)} numbers, not {lengths[section]}")
        return view

    if len(keys) != n_places or len(names) != n_names:
        raise MappedGazetteerError("the tries do not match the tables")
    records = _Records(path, start + header["layout"]["records"][0], numbers("record_at"))
    places = _Places(keys, records, numbers("place_order"))
    by_name = _ByName(
        names, _Lists(numbers("name_starts"), numbers("name_values")), places, numbers("name_order")
    )
    children = _Children(places, _Lists(numbers("child_starts"), numbers("child_values")), n_parents)
    return Gazetteer(
        places=places,
        by_name=by_name,
        children=children,
        twins=header["twins"],
        common_words=header["common_words"],
        not_places=header["not_places"],
        capitals=header["capitals"],
        not_place_notes=header["not_place_notes"],
        word_names=_OneWordNames(names, n_one_word),
        multiword=_MultiWord(tries["multiword"], header["words"]),
    )


__all__ = ["FORMAT", "MappedGazetteerError", "load", "write"]
