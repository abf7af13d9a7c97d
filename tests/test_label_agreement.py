"""Agreement between two labellings (bot/label_agreement.py) and the second labellings it reads.

The second labellings in eval/matching/agreement/ are how the team checks that the precision target
is within what the guideline reproduces; their shape is checked like the main set's, and the
agreement figures are checked on hand-made labellings whose kappa is known.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.label_agreement import compare, main
from bot.match_evaluation import DEFAULT_LABELS, Label, load_labels, read_labels

AGREEMENT = DEFAULT_LABELS / "agreement"
# Each second labelling covers exactly the items the shipped matcher matched in the set it mirrors.
MIRRORS = {"dev": DEFAULT_LABELS, "sample": DEFAULT_LABELS / "precision"}


def _labels(pairs: list[tuple[bool, bool]]) -> tuple[list[Label], list[Label]]:
    first = [Label(f"http://t/{i}", "w", a, "n") for i, (a, _) in enumerate(pairs)]
    second = [Label(f"http://t/{i}", "w", b, "n") for i, (_, b) in enumerate(pairs)]
    return first, second


def test_kappa_of_a_known_table() -> None:
    # 20 both relevant, 5 / 10 one side only, 15 neither: p_o = 0.7, p_e = 0.5, kappa = 0.4.
    pairs = [(True, True)] * 20 + [(True, False)] * 5 + [(False, True)] * 10 + [(False, False)] * 15
    result = compare(*_labels(pairs))["w"]
    assert (result.both, result.first_only, result.second_only, result.neither) == (20, 5, 10, 15)
    assert result.observed == pytest.approx(0.7)
    assert result.kappa == pytest.approx(0.4)
    assert result.first_relevant == pytest.approx(0.5) and result.second_relevant == pytest.approx(0.6)
    assert len(result.disagreements) == 15


def test_perfect_agreement_and_one_sided_base_rate() -> None:
    assert compare(*_labels([(True, True)] * 3))["w"].kappa == 1.0
    # Chance agreement 0.5 when only one side says everything is relevant: agreement 0.5, kappa 0.
    result = compare(*_labels([(True, True), (True, False)]))["w"]
    assert result.observed == 0.5 and result.kappa == pytest.approx(0.0)


def test_only_shared_items_of_the_same_watchlist_count() -> None:
    first = [
        Label("http://a", "w", True, "n"),
        Label("http://b", "w", True, "n"),
        Label("http://a", "v", True, "n"),
    ]
    second = [Label("http://a", "w", False, "n"), Label("http://c", "w", True, "n")]
    results = compare(first, second)
    assert set(results) == {"w"}
    assert results["w"].items == 1 and results["w"].first_only == 1
    assert [d.link for d in results["w"].disagreements] == ["http://a"]


def test_cli_prints_table_and_disagreements_or_json(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "labels-w.jsonl").write_text(
        '{"link": "http://1", "watchlist": "w", "relevant": true, "note": "strike reported"}\n'
        '{"link": "http://2", "watchlist": "w", "relevant": false, "note": "a statement"}\n'
    )
    (b / "labels-w.jsonl").write_text(
        '{"link": "http://1", "watchlist": "w", "relevant": true, "note": "strike"}\n'
        '{"link": "http://2", "watchlist": "w", "relevant": true, "note": "talks on a truce"}\n'
    )
    out = io.StringIO()
    assert main([str(a), str(b)], out=out) == 0
    text = out.getvalue()
    assert "w" in text and "0.500" in text
    assert "http://2" in text and "a statement" in text and "talks on a truce" in text
    out = io.StringIO()
    assert main([str(a), str(b), "--json"], out=out) == 0
    assert json.loads(out.getvalue())["w"]["second_only"] == 1


def test_cli_refuses_unrelated_or_missing_labellings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "labels-w.jsonl").write_text(
        '{"link": "http://1", "watchlist": "w", "relevant": true, "note": "n"}\n'
    )
    (b / "labels-w.jsonl").write_text(
        '{"link": "http://9", "watchlist": "w", "relevant": true, "note": "n"}\n'
    )
    assert main([str(a), str(b)]) == 2
    assert "share no" in capsys.readouterr().err
    assert main([str(a), str(tmp_path / "nowhere")]) == 2
    assert "no labels-*.jsonl" in capsys.readouterr().err


@pytest.mark.parametrize("subset", sorted(MIRRORS))
def test_second_labelling_files(subset: str) -> None:
    """Schema as the main set; only gaza and sudan (idlib meets the target); every item is one the
    mirrored set labels, under the same watchlist, once."""
    mirrored = {(label.link, label.watchlist) for label in load_labels(MIRRORS[subset])}
    files = sorted((AGREEMENT / subset).glob("labels-*.jsonl"))
    assert [f.name for f in files] == ["labels-gaza.jsonl", "labels-sudan.jsonl"]
    for path in files:
        labels = read_labels(path)
        keys = [(label.link, label.watchlist) for label in labels]
        assert len(keys) == len(set(keys)) >= 100
        assert set(keys) <= mirrored
        assert {label.watchlist for label in labels} == {path.stem.removeprefix("labels-")}
        assert all(0 < len(label.note) <= 120 for label in labels)
