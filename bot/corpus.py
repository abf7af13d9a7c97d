"""Reading the shared news corpus (and any JSON Lines file of the same shape), gzipped or not.

One object per line with ``title``, ``description`` (HTML as published), ``link``,
``date_published`` (``YYYY-MM-DD HH:MM:SS+00:00``), ``feed`` and optionally ``language``.
Malformed lines are counted and skipped, never fatal.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO

from bot.core.text import html_to_text
from bot.errors import CommandError


@dataclass(frozen=True, slots=True)
class CorpusItem:
    title: str
    description: str
    link: str
    published: datetime
    feed: str
    language: str | None = None


@dataclass
class CorpusStats:
    lines: int = 0
    malformed: int = 0
    errors: list[str] = field(default_factory=list)

    def note(self, line_no: int, reason: str) -> None:
        self.malformed += 1
        if len(self.errors) < 20:
            self.errors.append(f"line {line_no}: {reason}")


def open_text(path: Path) -> IO[str]:
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8", errors="replace")
    return path.open("r", encoding="utf-8", errors="replace")


def parse_published(value: str) -> datetime:
    dt = datetime.fromisoformat(value.strip().replace(" ", "T", 1))
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def iter_corpus(
    path: Path,
    stats: CorpusStats | None = None,
    *,
    since: date | None = None,
    until: date | None = None,
) -> Iterator[CorpusItem]:
    """Items of the file in file order; ``since``/``until`` are inclusive UTC dates.

    A missing file or a directory is a ``CommandError``; a file that stops being readable part way
    (a truncated gzip) ends the iteration with the reason noted in ``stats``.
    """
    stats = stats if stats is not None else CorpusStats()
    if not path.is_file():
        raise CommandError(
            f"corpus {path} does not exist" if not path.exists() else f"corpus {path} is not a file"
        )
    try:
        yield from _read(path, stats, since, until)
    except (OSError, EOFError, UnicodeError) as e:
        stats.note(stats.lines + 1, f"unreadable from here on: {e.__class__.__name__}: {e}")


def _read(path: Path, stats: CorpusStats, since: date | None, until: date | None) -> Iterator[CorpusItem]:
    with open_text(path) as fh:
        for line_no, line in enumerate(fh, 1):
            stats.lines += 1
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                if not isinstance(obj, dict):
                    raise ValueError("not a JSON object")
                published = parse_published(str(obj["date_published"]))
                title = html_to_text(str(obj.get("title") or ""))
                description = html_to_text(str(obj.get("description") or ""))
                link = str(obj.get("link") or "")
            except (ValueError, KeyError, TypeError) as e:
                stats.note(line_no, f"{e.__class__.__name__}: {e}")
                continue
            day = published.date()
            if (since is not None and day < since) or (until is not None and day > until):
                continue
            if not (title or description):
                stats.note(line_no, "no title and no description")
                continue
            yield CorpusItem(
                title=title,
                description=description,
                link=link,
                published=published,
                feed=str(obj.get("feed") or "corpus"),
                language=obj.get("language"),
            )
