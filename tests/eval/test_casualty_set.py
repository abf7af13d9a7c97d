"""The #18 labelled set is whole and keyed right: every drawn item labelled once (and 300 twice),
labels keyed by link with the guideline's fields, no corpus text stored, the split as drawn."""

from __future__ import annotations

import json
from collections import Counter

from bot.core.scoring import CATEGORIES
from eval.casualties.labelled import LABELS, SAMPLE, read_jsonl, read_labels
from eval.casualties.score import main as score
from tests.conftest import shared_path

EVENT_TYPES = {"conflict", "disaster", "crime_accident", "other", "none"}


def test_every_drawn_item_has_one_reading_and_300_have_a_second() -> None:
    sample = read_jsonl(SAMPLE)
    first = read_labels(LABELS.glob("batch-*.jsonl"))
    second = read_labels(LABELS.glob("double-*.jsonl"))
    assert {r["link"] for r in sample} == first.keys()
    assert len(second) == 300 and second.keys() <= first.keys()
    by_link = {r["link"]: r for r in sample}
    # each reading sits in the batch the sample assigned it to
    assert all(by_link[link]["batch"] == int(row["labeller"].split("-")[1]) for link, row in first.items())


def test_labels_follow_the_guideline_fields_and_no_corpus_text_is_stored() -> None:
    for path in LABELS.glob("*.jsonl"):
        for row in read_jsonl(path):
            assert set(row) <= {"link", "labels", "traits", "note"}, path
            labels = row["labels"]
            for c in CATEGORIES:
                assert labels[c] is None or (isinstance(labels[c], int) and labels[c] >= 0), (
                    path,
                    row["link"],
                )
            assert labels["event_type"] in EVENT_TYPES
            assert all(b["category"] in CATEGORIES and isinstance(b["n"], int) for b in labels["background"])
    for row in read_jsonl(SAMPLE):
        assert "title" not in row and "description" not in row


def test_the_sealed_split_is_the_months_and_hosts_drawn_by_lot() -> None:
    lot = json.loads((SAMPLE.parent / "split.json").read_text(encoding="utf-8"))
    sample = read_jsonl(SAMPLE)
    for r in sample:
        sealed = r["month"] in lot["months"] or r["host"] in lot["hosts"]
        assert r["split"] == ("test" if sealed else "dev")
    share = Counter(r["split"] for r in sample)["test"] / len(sample)
    assert 0.30 <= share <= 0.45


def test_the_scorer_reads_the_texts_from_the_corpus_and_scores_dev() -> None:
    corpus = shared_path("corpus", "news2023.jsonl.gz")
    results = score(["--split", "dev", "--corpus", str(corpus)])
    dev = results["dev"]
    assert dev["items"] == sum(r["split"] == "dev" for r in read_jsonl(SAMPLE))
    assert 0.0 < dev["micro_killed_wounded"]["f1"] < 1.0
