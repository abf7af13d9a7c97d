"""The labelled crisis windows (``windows.toml``) and their label files.

A window is a watchlist and a span of corpus days. Its labels are ``windows/<name>/labels.jsonl``
(one per item that names the watched region, keyed by link) and ``windows/<name>/events.jsonl`` (one
per event those items report). ``GUIDELINES.md`` says what every field means.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
WINDOWS_FILE = HERE / "windows.toml"
WINDOWS_DIR = HERE / "windows"
TIERS = ("push", "digest", "no")
CATEGORIES = ("killed", "wounded", "displaced", "missing")


class LabelError(ValueError):
    """A label file that does not follow the guideline's format; the message says where."""


@dataclass(frozen=True, slots=True)
class Window:
    name: str
    watchlist: str
    since: date
    until: date
    sealed: bool
    kind: str
    also: tuple[str, ...] = ()

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1

    @property
    def folder(self) -> Path:
        return WINDOWS_DIR / self.name


Figures = Mapping[str, int | None]


@dataclass(frozen=True, slots=True)
class ItemLabel:
    link: str
    tier: str
    event: str | None
    figures: Figures
    note: str = ""
    published: datetime | None = None
    """When the corpus says the item was published (added when labels are installed)."""


@dataclass(frozen=True, slots=True)
class EventLabel:
    event: str
    what: str
    where: str
    summary: str
    toll: Figures
    alternatives: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    """Other values a careful reader would also accept as the latest credible toll, per category."""

    def accepts(self, category: str, value: int | None) -> bool:
        return value == self.toll.get(category) or (
            value is not None and value in self.alternatives.get(category, ())
        )


@dataclass(frozen=True, slots=True)
class WindowLabels:
    window: Window
    items: Mapping[str, ItemLabel]
    events: Mapping[str, EventLabel]


def load_windows(path: Path = WINDOWS_FILE) -> list[Window]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    out = []
    for raw in data.get("windows", []):
        out.append(
            Window(
                name=raw["name"],
                watchlist=raw["watchlist"],
                since=date.fromisoformat(raw["since"]),
                until=date.fromisoformat(raw["until"]),
                sealed=bool(raw.get("sealed", False)),
                kind=raw.get("kind", ""),
                also=tuple(raw.get("also", ())),
            )
        )
    return out


def window(name: str, path: Path = WINDOWS_FILE) -> Window:
    for w in load_windows(path):
        if w.name == name:
            return w
    known = ", ".join(w.name for w in load_windows(path))
    raise KeyError(f"no window {name!r} (have: {known})")


def _lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise LabelError(f"{path}:{n}: not JSON: {e.msg}") from e
            if not isinstance(obj, dict):
                raise LabelError(f"{path}:{n}: not a JSON object")
            yield n, obj


def _figures(raw: Any, where: str) -> dict[str, int | None]:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise LabelError(f"{where}: figures must be an object")
    out: dict[str, int | None] = {}
    for cat in CATEGORIES:
        value = raw.get(cat)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise LabelError(f"{where}: {cat} must be a non-negative integer or null, not {value!r}")
        out[cat] = value
    return out


def load_labels(w: Window, folder: Path | None = None) -> WindowLabels:
    """A window's labels, checked against the format; a ``LabelError`` says what is wrong where."""
    folder = folder or w.folder
    items: dict[str, ItemLabel] = {}
    for n, obj in _lines(folder / "labels.jsonl"):
        where = f"{folder / 'labels.jsonl'}:{n}"
        link, tier, event = obj.get("link"), obj.get("tier"), obj.get("event")
        if not isinstance(link, str) or not link:
            raise LabelError(f"{where}: no link")
        if tier not in TIERS:
            raise LabelError(f"{where}: tier must be one of {', '.join(TIERS)}, not {tier!r}")
        if event is not None and (not isinstance(event, str) or not event):
            raise LabelError(f"{where}: event must be a non-empty string or null")
        if tier != "no" and event is None:
            raise LabelError(f"{where}: a {tier} item needs an event")
        published = obj.get("published")
        try:
            when = datetime.fromisoformat(published) if isinstance(published, str) else None
        except ValueError as e:
            raise LabelError(f"{where}: published is not an ISO time: {published!r}") from e
        items[link] = ItemLabel(
            link, tier, event, _figures(obj.get("figures"), where), str(obj.get("note", "")), when
        )
    events: dict[str, EventLabel] = {}
    for n, obj in _lines(folder / "events.jsonl"):
        where = f"{folder / 'events.jsonl'}:{n}"
        name = obj.get("event")
        if not isinstance(name, str) or not name:
            raise LabelError(f"{where}: no event id")
        alternatives = obj.get("toll_alternatives") or {}
        if not isinstance(alternatives, dict) or not all(
            k in CATEGORIES and isinstance(v, list) and all(isinstance(x, int) for x in v)
            for k, v in alternatives.items()
        ):
            raise LabelError(f"{where}: toll_alternatives must map categories to lists of integers")
        events[name] = EventLabel(
            event=name,
            what=str(obj.get("what", "")),
            where=str(obj.get("where", "")),
            summary=str(obj.get("summary", "")),
            toll=_figures(obj.get("toll"), where),
            alternatives={k: tuple(v) for k, v in alternatives.items()},
        )
    missing = sorted({i.event for i in items.values() if i.event and i.event not in events})
    if missing:
        raise LabelError(
            f"{folder}: events labelled on items but not in events.jsonl: {', '.join(missing[:10])}"
        )
    return WindowLabels(w, items, events)
