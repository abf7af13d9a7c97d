"""The transfer label set (eval/matching/transfer/): labels on other conflicts that train the gate.

Its promise is that nothing the gate is measured on was learnt from: no transfer item is labelled in
an evaluation set, and none is matched by an evaluation watchlist (checked against the shared corpus
when it is present). Its shape is checked like the evaluation set's.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from bot.core.gazetteer import Gazetteer
from bot.core.matching import Matcher
from bot.match_evaluation import DEFAULT_CONFIG, DEFAULT_LABELS, find_items, load_labels, load_watchlists
from eval.matching.transfer_sample import (
    TRANSFER_CONFIG,
    TRANSFER_DIR,
    Matched,
    evaluation_links,
    sample,
    show,
)
from tests.conftest import shared_path

FILES = sorted(TRANSFER_DIR.glob("labels-*.jsonl"))


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_every_file_is_a_defined_watchlist_with_well_formed_labels() -> None:
    names = {w.name for w in load_watchlists(TRANSFER_CONFIG)}
    assert len(FILES) == len(names) == 12
    for path in FILES:
        watchlist = path.stem.removeprefix("labels-")
        assert watchlist in names
        rows = _lines(path)
        assert rows, path
        for obj in rows:
            assert set(obj) == {"link", "watchlist", "relevant", "note"}, obj
            assert obj["watchlist"] == watchlist
            assert isinstance(obj["relevant"], bool)
            assert obj["link"].startswith("http")
            assert 0 < len(obj["note"]) <= 120
        assert [k for k, n in Counter(o["link"] for o in rows).items() if n > 1] == []


def test_no_transfer_link_is_labelled_in_an_evaluation_set() -> None:
    evaluation = {x.link for d in (DEFAULT_LABELS, DEFAULT_LABELS / "precision") for x in load_labels(d)}
    transfer = {x.link for x in load_labels(TRANSFER_DIR)}
    assert len(transfer) > 2000
    assert transfer & evaluation == set()
    # What the sampler skips is the evaluation sets, never the transfer labels: a rerun draws again
    # the sample these labels were written for.
    assert evaluation <= evaluation_links()
    assert transfer & evaluation_links() == set()


def test_sample_is_fixed_by_seed_and_ordered_by_date() -> None:
    pool = [Matched("haiti", f"https://x.test/{i}", f"2023-0{1 + i % 9}-01", "t", "d", ()) for i in range(40)]
    first = sample(pool, "haiti")
    assert len(first) == 40  # a pool smaller than the sample size is taken whole
    assert [(m.date, m.link) for m in first] == sorted((m.date, m.link) for m in first)
    big = [Matched("haiti", f"https://x.test/{i}", "2023-01-01", "t", "d", ()) for i in range(400)]
    drawn = sample(big, "haiti")
    assert len(drawn) == 250
    assert drawn == sample(big, "haiti")
    assert drawn != sample(big, "somalia")  # the seed is per watchlist


def test_show_prints_later_region_mentions_past_the_opening() -> None:
    description = "A long opening. " * 40 + "Later the town of Jenin was raided."
    title = "Raid overnight"
    start = len(title) + 1 + description.index("Jenin")
    text = show(Matched("west-bank", "https://x.test/1", "2023-07-03", title, description, (start,)), 0, 400)
    assert "  T: Raid overnight" in text
    assert "+: ..." in text and "Jenin was raided" in text


def test_transfer_items_are_corpus_items_no_evaluation_watchlist_matches(gazetteer: Gazetteer) -> None:
    corpus = shared_path("corpus", "news2023.jsonl.gz")
    labels = load_labels(TRANSFER_DIR)
    items = find_items(corpus, (x.link for x in labels))
    assert len(items) == len({x.link for x in labels})
    evaluation = Matcher(load_watchlists(DEFAULT_CONFIG), gazetteer)
    matched = [link for link, it in items.items() if evaluation.match(it.title, it.description, link=link)]
    assert matched == []
