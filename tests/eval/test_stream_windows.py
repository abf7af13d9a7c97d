"""The labelled crisis windows: well-formed, sealed where they say, and free of corpus text."""

from __future__ import annotations

import gzip
import json
import re

from eval.stream.windows import CATEGORIES, load_labels, load_windows
from tests.conftest import shared_path


def test_at_least_five_windows_two_of_them_sealed() -> None:
    windows = load_windows()
    assert len(windows) >= 5
    assert sum(w.sealed for w in windows) >= 2
    assert len({w.watchlist for w in windows}) >= 3


def test_every_window_is_labelled_completely() -> None:
    for w in load_windows():
        labels = load_labels(w)  # raises on any format problem
        assert labels.items, w.name
        assert all(i.published is not None for i in labels.items.values()), w.name
        used = {i.event for i in labels.items.values() if i.event}
        assert used == set(labels.events), w.name
        for e in labels.events.values():
            assert set(e.toll) == set(CATEGORIES)


def _runs(text: str, n: int = 7) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def test_no_label_copies_the_corpus_text() -> None:
    corpus = shared_path("corpus", "news2023.jsonl.gz")
    windows = load_windows()
    days = {w.name: (w.since.isoformat(), w.until.isoformat()) for w in windows}
    runs: set[tuple[str, ...]] = set()
    with gzip.open(corpus, "rt", encoding="utf-8") as fh:
        for line in fh:
            obj = json.loads(line)
            day = str(obj.get("date_published", ""))[:10]
            if any(a <= day <= b for a, b in days.values()):
                runs |= _runs(f"{obj.get('title') or ''} {obj.get('description') or ''}")
    for w in windows:
        for folder in (w.folder, w.folder / "second"):
            for name in ("labels.jsonl", "events.jsonl"):
                path = folder / name
                if not path.exists():
                    continue
                for line in path.read_text(encoding="utf-8").splitlines():
                    obj = json.loads(line)
                    own = " ".join(str(obj.get(k, "")) for k in ("note", "summary", "what", "where"))
                    assert not (_runs(own) & runs), f"{path}: {own[:80]}"
