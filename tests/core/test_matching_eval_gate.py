"""Gate: the matcher's precision and recall on the hand-labelled set in eval/matching/.

The floors are the figures reached when this gate was set (see eval/matching/RESULTS.md), so a
change that loses accuracy fails here. Raise them when the matcher improves; the held-out set, not
this dev set, is the real measure. Skips cleanly when the shared corpus is absent.
"""

from __future__ import annotations

import io
from typing import Any

import pytest

from bot.match_evaluation import DEFAULT_CONFIG, DEFAULT_LABELS, evaluate_matching
from tests.conftest import shared_path

# watchlist: (precision floor, recall floor); achieved: idlib 0.966/0.956, gaza 0.786/0.958,
# sudan 0.922/0.966. The optional learned relevance gate is off by default and not counted: trained on
# other conflicts it trades recall for precision and meets neither target (RESULTS.md).
FLOORS = {"idlib": (0.96, 0.95), "gaza": (0.78, 0.95), "sudan": (0.92, 0.96)}


@pytest.fixture(scope="module")
def metrics() -> dict[str, dict[str, Any]]:
    corpus = shared_path("corpus", "news2023.jsonl.gz")
    return evaluate_matching(corpus, DEFAULT_LABELS, DEFAULT_CONFIG, io.StringIO())


@pytest.mark.parametrize("watchlist", sorted(FLOORS))
def test_precision_and_recall_floors(metrics: dict[str, dict[str, Any]], watchlist: str) -> None:
    precision, recall = FLOORS[watchlist]
    got = metrics[watchlist]
    assert got["precision"] >= precision, got
    assert got["recall"] >= recall, got
