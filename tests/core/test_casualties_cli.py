"""The ``eval`` and ``extract`` command contracts (bot.evaluation) on files written here."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.errors import CommandError
from bot.evaluation import extract_text, run_eval, run_extract


def _labelled(tmp_path: Path) -> Path:
    rows = [
        {"id": "a", "title": "Strike kills 9 civilians", "description": "At least 20 others were wounded.",
         "labels": {"killed": 9, "wounded": 20, "displaced": None, "missing": None, "background": []}},
        {"id": "b", "title": "Central bank holds rates", "description": "Inflation eased in May.",
         "labels": {"killed": None, "wounded": None, "displaced": None, "missing": None, "background": []}},
        {"id": "c", "title": "Ferry sinks off coast", "description": "Officials say 12 are missing.",
         "labels": {"killed": 3, "wounded": None, "displaced": None, "missing": 12, "background": []}},
    ]  # fmt: skip
    path = tmp_path / "labelled.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def test_run_eval_prints_a_table_and_misses_and_returns_metrics(tmp_path: Path) -> None:
    out = io.StringIO()
    metrics = run_eval(_labelled(tmp_path), out)
    report = out.getvalue()
    assert "micro killed+wounded" in report
    assert "Misses (1)" in report and "Ferry sinks" in report
    assert metrics["items"] == 3
    assert metrics["micro_killed_wounded"]["correct"] == 2
    assert metrics["categories"]["missing"]["f1"] == 1.0


def test_run_eval_without_misses(tmp_path: Path) -> None:
    out = io.StringIO()
    run_eval(_labelled(tmp_path), out, misses=False)
    assert "Misses" not in out.getvalue()


def test_run_eval_rejects_unreadable_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot read"):
        run_eval(tmp_path / "absent.jsonl", io.StringIO())
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "title": "no labels"}\n', encoding="utf-8")
    with pytest.raises(CommandError, match=r"bad\.jsonl:1"):
        run_eval(bad, io.StringIO())


def test_extract_text_reads_title_then_description() -> None:
    got = extract_text("Blast kills 4\nAt least 4 people were killed and 11 injured, police said.\n")
    assert got["killed"] == 4 and got["wounded"] == 11
    assert got["qualifiers"] == {"killed": "at least"}
    assert got["groups"] == {"killed": "people"}
    assert got["background"] == []


def test_run_extract_for_a_file_writes_one_json_object() -> None:
    out = io.StringIO()
    assert run_extract("Storm kills 3\n", io.StringIO(), out) == 0
    assert json.loads(out.getvalue())["killed"] == 3


def test_run_extract_streams_json_lines_and_survives_bad_lines() -> None:
    lines = [
        json.dumps(
            {"id": "1", "title": "Quake kills 12", "description": "The war has killed 5,000 since 2014."}
        ),
        "{not json",
        json.dumps({"id": "3", "title": 5, "description": ""}),
        json.dumps(["not", "an", "object"]),
        "",
        json.dumps({"id": "5", "title": "Markets rally", "description": None}),
    ]
    out = io.StringIO()
    errors = run_extract(None, io.StringIO("\n".join(lines) + "\n"), out)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert errors == 3
    assert [r["id"] for r in rows] == ["1", None, "3", None, "5"]
    assert rows[0]["killed"] == 12
    assert rows[0]["background"] == [{"category": "killed", "n": 5000}]
    assert set(rows[0]) == {
        "id",
        "killed",
        "wounded",
        "displaced",
        "missing",
        "qualifiers",
        "groups",
        "confidence",
        "uncertain",
        "background",
    }
    assert "error" in rows[1] and "error" in rows[2] and "error" in rows[3]
    assert rows[4]["killed"] is None
