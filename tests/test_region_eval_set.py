"""The region evaluation sets in eval/regions/ (issue #19): well-formed labels keyed to corpus links.

Four regions of different shape, three for development and one sealed (``eval/regions/sealed/``, scored
only to report). Checked here: schema, one label per link, the sizes the README promises, that the
second (blind) labelling covers items of the first, that the sealed labels stay out of the default
scoring directory, and that every link is a corpus item (skipped when the shared corpus is absent).
The ``--place-only`` view of the evaluator is tested on a corpus written here.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bot.match_evaluation import (
    REPO,
    evaluate_matching,
    find_items,
    load_labels,
    load_watchlists,
)
from tests.conftest import shared_path

REGIONS_DIR = REPO / "eval" / "regions"
SEALED_DIR = REGIONS_DIR / "sealed"
DEV = ("donetsk", "darfur", "khartoum")
SEALED = "lebanon-border"
LABEL_FILES = {
    **{name: REGIONS_DIR / f"labels-{name}.jsonl" for name in DEV},
    SEALED: SEALED_DIR / f"labels-{SEALED}.jsonl",
}
AGREEMENT_FILES = {
    **{name: REGIONS_DIR / "agreement" / f"labels-{name}.jsonl" for name in DEV},
    SEALED: SEALED_DIR / "agreement" / f"labels-{SEALED}.jsonl",
}
MIN_SIZE = {"donetsk": 100, "darfur": 100, "khartoum": 100, SEALED: 150}


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("path", [*LABEL_FILES.values(), *AGREEMENT_FILES.values()], ids=str)
def test_label_file_schema(path: Path) -> None:
    region = path.stem.removeprefix("labels-")
    for obj in _lines(path):
        assert set(obj) == {"link", "watchlist", "relevant", "note"}, obj
        assert obj["watchlist"] == region
        assert isinstance(obj["relevant"], bool)
        assert isinstance(obj["link"], str) and obj["link"].startswith("http")
        # Notes are a reason in the labeller's words, never pasted corpus text.
        assert isinstance(obj["note"], str) and 0 < len(obj["note"]) <= 120
        # "off-theme" marks an item in the region but outside the themes: never a relevant one.
        assert not (obj["relevant"] and obj["note"].startswith("off-theme")), obj


@pytest.mark.parametrize("path", [*LABEL_FILES.values(), *AGREEMENT_FILES.values()], ids=str)
def test_one_label_per_link(path: Path) -> None:
    counts = Counter(obj["link"] for obj in _lines(path))
    assert [link for link, n in counts.items() if n > 1] == []


@pytest.mark.parametrize("region", sorted(LABEL_FILES))
def test_sizes(region: str) -> None:
    rows = _lines(LABEL_FILES[region])
    positives = sum(obj["relevant"] for obj in rows)
    assert len(rows) >= MIN_SIZE[region]
    # Both classes present in numbers, so that precision and recall both mean something.
    assert positives >= 30 and len(rows) - positives >= 30


@pytest.mark.parametrize("region", sorted(LABEL_FILES))
def test_second_labelling_covers_first(region: str) -> None:
    first = {obj["link"] for obj in _lines(LABEL_FILES[region])}
    second = [obj["link"] for obj in _lines(AGREEMENT_FILES[region])]
    assert len(second) >= 60
    assert set(second) <= first


def test_sealed_labels_are_not_in_the_default_scoring_directory() -> None:
    dev = {label.watchlist for label in load_labels(REGIONS_DIR)}
    assert dev == set(DEV)
    assert {label.watchlist for label in load_labels(SEALED_DIR)} == {SEALED}


def test_watchlists_file_defines_every_region_with_rule_region() -> None:
    watchlists = {w.name: w for w in load_watchlists(REGIONS_DIR / "watchlists.toml")}
    assert set(watchlists) == {*DEV, SEALED}
    assert all(w.rule.value == "region" and w.regions for w in watchlists.values())


def test_every_labelled_link_is_a_corpus_item() -> None:
    corpus = shared_path("corpus", "news2023.jsonl.gz")
    links = {obj["link"] for path in LABEL_FILES.values() for obj in _lines(path)}
    assert sorted(links - find_items(corpus, links).keys()) == []


def test_place_only_counts_off_theme_items_as_relevant(tmp_path: Path) -> None:
    # Written for this test: a strike in Kramatorsk, a concert in Kramatorsk (in the region, off the
    # themes) and a strike in Lviv (outside the region).
    corpus = tmp_path / "corpus.jsonl"
    items = [
        ("http://t/1", "Missile strike kills 5 in Kramatorsk", True, "strike in the region"),
        ("http://t/2", "Kramatorsk orchestra gives a concert", False, "off-theme: a concert"),
        ("http://t/3", "Missile strike kills 2 in Lviv", False, "outside the region"),
    ]
    rows = ({"link": link, "title": title, "description": ""} for link, title, *_ in items)
    corpus.write_text("".join(json.dumps(row) + "\n" for row in rows))
    labels = tmp_path / "labels"
    labels.mkdir()
    (labels / "labels-donetsk.jsonl").write_text(
        "".join(
            json.dumps({"link": link, "watchlist": "donetsk", "relevant": rel, "note": note}) + "\n"
            for link, _, rel, note in items
        )
    )
    config = tmp_path / "watchlists.toml"
    config.write_text(
        '[[watchlists]]\nname = "donetsk"\nchannel = "C0DONETSK01"\nregions = ["Donetsk Oblast"]\n'
        'keywords = ["strike"]\nrule = "region"\n'
    )
    guideline = evaluate_matching(corpus, labels, config, io.StringIO())["donetsk"]
    place = evaluate_matching(corpus, labels, config, io.StringIO(), place_only=True)["donetsk"]
    # The concert matches a region-only watch: a false positive by the guideline, a hit by place.
    assert (guideline["tp"], guideline["fp"], guideline["tn"]) == (1, 1, 1)
    assert (place["tp"], place["fp"], place["tn"]) == (2, 0, 1)
