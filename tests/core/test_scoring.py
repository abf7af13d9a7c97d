"""Scoring predictions against labels, per GUIDELINES "Scoring"."""

from __future__ import annotations

import pytest

from bot.core.scoring import Scored, score


def _item(i: str, predicted: dict[str, int | None], expected: dict[str, int | None]) -> Scored:
    return Scored(id=i, title=f"title {i}", predicted=predicted, expected=expected)


def test_exact_match_is_right_and_both_null_is_neither() -> None:
    report = score([_item("a", {"killed": 9}, {"killed": 9}), _item("b", {}, {})])
    k = report.categories["killed"]
    assert (k.correct, k.predictions, k.labels) == (1, 1, 1)
    assert k.precision == k.recall == k.f1 == 1.0
    assert report.misses == ()


def test_wrong_value_costs_precision_and_recall() -> None:
    report = score([_item("a", {"killed": 8}, {"killed": 9})])
    k = report.categories["killed"]
    assert (k.correct, k.predictions, k.labels) == (0, 1, 1)
    assert k.f1 == 0.0
    (miss,) = report.misses
    assert (miss.id, miss.category, miss.predicted, miss.expected, miss.title) == (
        "a",
        "killed",
        8,
        9,
        "title a",
    )


def test_spurious_prediction_costs_precision_only() -> None:
    report = score([_item("a", {"killed": 9}, {"killed": 9}), _item("b", {"killed": 3}, {"killed": None})])
    k = report.categories["killed"]
    assert k.precision == 0.5
    assert k.recall == 1.0
    assert k.f1 == pytest.approx(2 / 3)


def test_missed_label_costs_recall_only() -> None:
    report = score(
        [_item("a", {"wounded": None}, {"wounded": 20}), _item("b", {"wounded": 5}, {"wounded": 5})]
    )
    w = report.categories["wounded"]
    assert (w.precision, w.recall) == (1.0, 0.5)


def test_zero_is_a_value_not_null() -> None:
    report = score([_item("a", {"killed": None}, {"killed": 0})])
    assert report.categories["killed"].recall == 0.0


def test_micro_pools_killed_and_wounded_only() -> None:
    report = score(
        [
            _item(
                "a",
                {"killed": 9, "wounded": 20, "displaced": 5},
                {"killed": 9, "wounded": 21, "displaced": 6},
            ),
            _item("b", {"killed": 1}, {"killed": 1, "missing": 2}),
        ]
    )
    m = report.micro
    assert (m.correct, m.predictions, m.labels) == (2, 3, 3)
    assert m.f1 == pytest.approx(2 / 3)
    assert report.items == 2


def test_empty_input_scores_perfectly() -> None:
    report = score([])
    assert report.micro.f1 == 1.0
    assert report.as_dict()["items"] == 0


def test_as_dict_is_json_shaped() -> None:
    d = score([_item("a", {"killed": 8}, {"killed": 9})]).as_dict()
    assert d["micro_killed_wounded"] == {
        "precision": 0.0, "recall": 0.0, "f1": 0.0, "correct": 0, "predictions": 1, "labels": 1,
    }  # fmt: skip
    assert d["misses"][0]["expected"] == 9
