"""The labelled set as data: the drawn sample (split, stratum), the labels keyed by link, and the
item texts read back from the shared corpus (never stored in the repo)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.core.text import html_to_text

HERE = Path(__file__).resolve().parent
SAMPLE = HERE / "sample.jsonl"
LABELS = HERE / "labels"
DEFAULT_CORPUS = HERE.parents[2] / "shared" / "corpus" / "news2023.jsonl.gz"


@dataclass(frozen=True, slots=True)
class LabelledItem:
    link: str
    title: str
    description: str
    labels: dict[str, Any]
    split: str
    stratum: str
    host: str
    month: str
    traits: tuple[str, ...] = ()
    labeller: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def read_labels(paths: Iterable[Path]) -> dict[str, dict[str, Any]]:
    """Label rows by link; a file's name (``batch-03``) is its labeller's batch."""
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(paths):
        for row in read_jsonl(path):
            out[str(row["link"])] = {**row, "labeller": path.name.split(".")[0]}
    return out


def corpus_texts(links: set[str], corpus: Path = DEFAULT_CORPUS) -> dict[str, tuple[str, str]]:
    """Title and description of each wanted link, read from the corpus."""
    found: dict[str, tuple[str, str]] = {}
    with gzip.open(corpus, "rt", encoding="utf-8") as f:
        for line in f:
            if not links - found.keys():
                break
            try:
                row = json.loads(line)
            except ValueError:
                continue
            link = row.get("link") if isinstance(row, dict) else None
            if link in links and link not in found:
                # As the bot reads a feed entry (and as the guideline says: HTML stripped).
                found[link] = (
                    html_to_text(str(row.get("title") or "")),
                    html_to_text(str(row.get("description") or "")),
                )
    return found


def load(split: str | None, corpus: Path = DEFAULT_CORPUS, labels_dir: Path = LABELS) -> list[LabelledItem]:
    """The labelled items of ``split`` ("dev", "test" or None for both), with their texts."""
    sample = {r["link"]: r for r in read_jsonl(SAMPLE)}
    labels = read_labels(labels_dir.glob("batch-*.jsonl"))
    wanted = {link for link in labels if link in sample and (split is None or sample[link]["split"] == split)}
    texts = corpus_texts(wanted, corpus)
    items = []
    for link in sorted(wanted & texts.keys()):
        s, row = sample[link], labels[link]
        title, description = texts[link]
        items.append(
            LabelledItem(
                link=link,
                title=title,
                description=description,
                labels=row["labels"],
                split=s["split"],
                stratum=s["stratum"],
                host=s["host"],
                month=s["month"],
                traits=tuple(row.get("traits") or ()),
                labeller=row["labeller"],
            )
        )
    return items
