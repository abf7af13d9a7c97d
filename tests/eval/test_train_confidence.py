"""The figure-confidence trainer: what it fits and reports, on examples written here (the real run
reads the corpus; see eval/casualties/train_confidence.py)."""

from __future__ import annotations

import io
import json

import pytest

from bot.adapters.figure_model import load_confidence_model
from bot.core.figure_confidence import FEATURES
from eval.casualties import train_confidence as tc


def test_auc_is_the_chance_a_right_figure_outranks_a_wrong_one() -> None:
    assert tc._auc([0.9, 0.8, 0.3], [True, True, False]) == 1.0
    assert tc._auc([0.3, 0.9], [True, False]) == 0.0
    assert tc._auc([0.5, 0.5], [True, False]) == 0.5


def test_the_report_counts_marked_figures_below_the_threshold() -> None:
    out = io.StringIO()
    got = tc.report("toy", [0.95, 0.9, 0.6, 0.4], [True, True, False, True], out)
    assert got["figures"] == 4 and got["marked"] == 2
    assert got["marked_right"] == 0.5 and got["plain_right"] == 1.0
    assert "marked uncertain" in out.getvalue()


def test_fit_learns_a_weight_for_every_feature_and_the_packaged_file_matches() -> None:
    pytest.importorskip("sklearn")
    train = [
        tc.Example({"rivals": float(i % 3), "singular": float(i % 2)}, right=i % 3 == 0, host="h")
        for i in range(60)
    ]
    model = tc.fit(train)
    assert set(model.weights) == set(FEATURES)
    assert model.weights["rivals"] != 0.0 and model.low == tc.LOW
    packaged = json.loads(tc.MODEL_PATH.read_text(encoding="utf-8"))
    assert set(packaged["weights"]) == set(FEATURES)
    assert load_confidence_model().low == packaged["low"] == tc.LOW
