"""The ``eval`` and ``extract`` command-line contracts around the casualty extractor.

``run_eval`` scores the extractor on a labelled JSON Lines file and prints a table plus the misses;
``run_extract`` prints figures as JSON, either for one text file (first line title, rest
description) or for JSON Lines ``{"id", "title", "description"}`` read from a stream, one output
line per input line. A malformed input line yields ``{"id": ..., "error": ...}`` and the stream
goes on.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, TextIO

from bot.core.casualties import extract_casualties
from bot.core.figure_confidence import Extractor
from bot.core.figures import Casualties, Category, Scope
from bot.core.scoring import CATEGORIES, Report, Scored, score
from bot.errors import CommandError


def figures_json(casualties: Casualties) -> dict[str, Any]:
    """The JSON shape of one item's figures (headline values, their hedges and groups, background)."""
    out: dict[str, Any] = {c.value: casualties.value(c) for c in Category}
    heads = [casualties.headline(c) for c in Category]
    out["qualifiers"] = {h.category.value: h.qualifier for h in heads if h is not None and h.qualifier}
    out["groups"] = {h.category.value: h.group for h in heads if h is not None and h.group}
    # how far to trust each figure (bot.core.figure_confidence); absent when it was not assessed
    out["confidence"] = {
        h.category.value: h.confidence for h in heads if h is not None and h.confidence is not None
    }
    out["uncertain"] = [h.category.value for h in heads if h is not None and h.uncertain]
    out["background"] = [
        {"category": f.category.value, "n": f.value}
        for f in casualties.figures
        if f.scope is Scope.BACKGROUND
    ]
    return out


def _read_labelled(path: Path) -> list[dict[str, Any]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise CommandError(f"cannot read {path}: {e.strerror}") from e
    items = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            labels = item["labels"]
            items.append(item | {"labels": labels})
        except (json.JSONDecodeError, KeyError, TypeError) as e:
            raise CommandError(f"{path}:{n}: not a labelled item ({e})") from e
    return items


def evaluate(items: list[dict[str, Any]]) -> Report:
    scored = []
    for item in items:
        got = extract_casualties(item.get("title") or "", item.get("description") or "")
        scored.append(
            Scored(
                id=str(item.get("id", "")),
                title=str(item.get("title", "")),
                predicted={c: got.value(Category(c)) for c in CATEGORIES},
                expected={c: item["labels"].get(c) for c in CATEGORIES},
            )
        )
    return score(scored)


def _fmt(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def print_report(report: Report, out: TextIO, *, misses: bool = True) -> None:
    out.write(f"Casualty figures: {report.items} items\n\n")
    out.write(f"{'category':<22}{'precision':>10}{'recall':>10}{'F1':>8}{'right':>8}{'pred':>7}{'gold':>7}\n")
    rows = [*report.categories.items(), ("micro killed+wounded", report.micro)]
    for name, s in rows:
        out.write(
            f"{name:<22}{s.precision:>10.3f}{s.recall:>10.3f}{s.f1:>8.3f}"
            f"{s.correct:>8}{s.predictions:>7}{s.labels:>7}\n"
        )
    if misses and report.misses:
        out.write(f"\nMisses ({len(report.misses)}):\n")
        for m in report.misses:
            out.write(
                f"  {m.id}  {m.category:<9} predicted {_fmt(m.predicted):>7}  expected {_fmt(m.expected):>7}"
                f"  {m.title[:80]}\n"
            )


def run_eval(path: Path, out: TextIO, *, misses: bool = True) -> dict[str, Any]:
    """Score the extractor on a labelled JSONL file, print the report, return the metrics."""
    report = evaluate(_read_labelled(path))
    print_report(report, out, misses=misses)
    return report.as_dict()


_SOFT_BREAK = re.compile(r"(?<!\n)\n(?!\n)")


def extract_text(text: str, extract: Extractor = extract_casualties) -> dict[str, Any]:
    """Figures for one text: first line the title, the rest the description."""
    title, _, description = text.strip().partition("\n")
    # Text files are often hard-wrapped: a single newline is a space, a blank line a paragraph.
    description = _SOFT_BREAK.sub(" ", description)
    return figures_json(extract(title, description))


def run_extract(
    text: str | None, stdin: TextIO, stdout: TextIO, *, extract: Extractor = extract_casualties
) -> int:
    """``extract FILE`` (``text`` is the file's content) or ``extract`` over JSON Lines on stdin.

    Returns the number of input lines that could not be read (0 when all went well).
    """
    if text is not None:
        stdout.write(json.dumps(extract_text(text, extract), ensure_ascii=False) + "\n")
        return 0
    errors = 0
    for n, line in enumerate(stdin, 1):
        if not line.strip():
            continue
        item_id: Any = None
        try:
            item = json.loads(line)
            if not isinstance(item, dict):
                raise ValueError("not a JSON object")
            item_id = item.get("id")
            title, description = item.get("title") or "", item.get("description") or ""
            if not isinstance(title, str) or not isinstance(description, str):
                raise ValueError("title and description must be strings")
            result: dict[str, Any] = {"id": item_id, **figures_json(extract(title, description))}
        except (json.JSONDecodeError, ValueError) as e:
            errors += 1
            result = {"id": item_id, "error": f"line {n}: {e}"}
        stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        stdout.flush()
    return errors
