"""The hand-labelled matching evaluation set in eval/matching/ and the evaluator that scores it.

The label files are data other people will trust, so their shape is checked here: schema, one label
per link, the size the issue asks for, and that every link really is a corpus item (skipped when the
shared corpus is absent). The evaluator runs against the real matcher on a small corpus written here.
"""

from __future__ import annotations

import asyncio
import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.reader import ReaderSettings
from bot.errors import ConfigError
from bot.match_evaluation import (
    DEFAULT_CONFIG,
    DEFAULT_LABELS,
    Label,
    LabelledText,
    ask_endpoint,
    evaluate_matching,
    find_items,
    load_labels,
    load_watchlists,
    read_labels,
    read_reader_answers,
    score,
)
from bot.match_evaluation import main as match_evaluation_main
from tests.conftest import shared_path
from tests.fakes.reader_api import FakeReaderApi, relevant_unless

WATCHLISTS = ("idlib", "gaza", "sudan")
LABEL_FILES = {w: DEFAULT_LABELS / f"labels-{w}.jsonl" for w in WATCHLISTS}


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("watchlist", WATCHLISTS)
def test_label_file_schema(watchlist: str) -> None:
    for obj in _lines(LABEL_FILES[watchlist]):
        assert set(obj) == {"link", "watchlist", "relevant", "note"}, obj
        assert obj["watchlist"] == watchlist
        assert isinstance(obj["relevant"], bool)
        assert isinstance(obj["link"], str) and obj["link"].startswith("http")
        # Notes are a reason in the labeller's words, never pasted corpus text.
        assert isinstance(obj["note"], str) and 0 < len(obj["note"]) <= 120


@pytest.mark.parametrize("watchlist", WATCHLISTS)
def test_one_label_per_link(watchlist: str) -> None:
    counts = Counter(obj["link"] for obj in _lines(LABEL_FILES[watchlist]))
    assert [link for link, n in counts.items() if n > 1] == []


@pytest.mark.parametrize("watchlist", WATCHLISTS)
def test_size_and_positives(watchlist: str) -> None:
    labels = read_labels(LABEL_FILES[watchlist])
    positives = sum(label.relevant for label in labels)
    assert len(labels) >= 300
    assert positives >= 80
    # Enough negatives that precision means something.
    assert len(labels) - positives >= 100


def test_watchlists_file_defines_every_labelled_watchlist() -> None:
    watchlists = {w.name: w for w in load_watchlists(DEFAULT_CONFIG)}
    assert set(WATCHLISTS) <= set(watchlists)
    for name in WATCHLISTS:
        assert watchlists[name].regions and watchlists[name].keywords
    assert {label.watchlist for label in load_labels(DEFAULT_LABELS)} == set(WATCHLISTS)


def test_every_labelled_link_is_a_corpus_item() -> None:
    corpus = shared_path("corpus", "news2023.jsonl.gz")
    links = {label.link for label in load_labels(DEFAULT_LABELS)}
    found = find_items(corpus, links)
    assert sorted(links - found.keys()) == []
    assert all(item.title for item in found.values())


PRECISION_FILES = {w: DEFAULT_LABELS / "precision" / f"labels-{w}.jsonl" for w in ("gaza", "sudan")}


@pytest.mark.parametrize("watchlist", sorted(PRECISION_FILES))
def test_precision_sample_files(watchlist: str) -> None:
    """The random sample of matched items (eval/matching/sample_matched.py): same schema, one label
    per link, none already in the main set, in the sample's fixed order and size."""
    rows = _lines(PRECISION_FILES[watchlist])
    for obj in rows:
        assert set(obj) == {"link", "watchlist", "relevant", "note"}, obj
        assert obj["watchlist"] == watchlist and isinstance(obj["relevant"], bool)
        assert isinstance(obj["note"], str) and 0 < len(obj["note"]) <= 120
    links = [obj["link"] for obj in rows]
    assert len(links) == len(set(links)) == {"gaza": 250, "sudan": 200}[watchlist]
    assert not set(links) & {label.link for label in load_labels(DEFAULT_LABELS)}


def test_every_precision_sample_link_is_a_corpus_item() -> None:
    corpus = shared_path("corpus", "news2023.jsonl.gz")
    links = {label.link for label in load_labels(DEFAULT_LABELS / "precision")}
    assert sorted(links - find_items(corpus, links).keys()) == []


def test_malformed_label_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "labels-x.jsonl"
    path.write_text(
        '{"link": "http://a", "watchlist": "x", "relevant": true, "note": "ok"}\n'
        '{"link": "http://b", "watchlist": "x", "relevant": "yes", "note": "bad"}\n'
    )
    with pytest.raises(ConfigError, match=r"labels-x.jsonl:2"):
        read_labels(path)


def test_score_counts_and_rates() -> None:
    labels = [
        Label("l1", "w", True, "n"),  # matched, relevant: tp
        Label("l2", "w", False, "n"),  # matched, irrelevant: fp
        Label("l3", "w", True, "n"),  # missed: fn
        Label("l4", "w", False, "n"),  # quiet: tn
        Label("l5", "other", True, "n"),  # another watchlist: ignored
    ]
    items = {f"l{i}": LabelledText(f"l{i}", f"title {i}", "") for i in range(1, 6)}
    matched = {"l1": frozenset({"w"}), "l2": frozenset({"w"}), "l5": frozenset({"other"})}
    s = score("w", labels, items, matched)
    assert (s.tp, s.fp, s.fn, s.tn) == (1, 1, 1, 1)
    assert s.precision == 0.5 and s.recall == 0.5
    assert [m.link for m in s.false_positives] == ["l2"]
    assert [m.link for m in s.false_negatives] == ["l3"]


# A corpus and labels written for this test: one strike report, one Idlib item off-theme, one item
# about another country's strike, and one Sudan item. Descriptions carry HTML as feeds do.
_CORPUS = [
    {"link": "http://t/1", "title": "Airstrikes kill 4 in Idlib city",
     "description": "<p>Regime jets struck a market in Idlib &amp; Saraqib.</p>"},
    {"link": "http://t/2", "title": "Idlib olive harvest begins", "description": "A sunny season."},
    {"link": "http://t/3", "title": "Airstrike kills 3 in Yemen", "description": "Houthi area hit."},
    {"link": "http://t/4", "title": "Shelling in Khartoum as RSF clashes with army",
     "description": "Residents fled the fighting."},
]  # fmt: skip
_LABELS = {
    "idlib": [("http://t/1", True), ("http://t/2", False), ("http://t/3", False)],
    "sudan": [("http://t/4", True), ("http://t/1", False)],
}


def _write_eval_fixture(root: Path) -> tuple[Path, Path, Path]:
    corpus = root / "corpus.jsonl"
    corpus.write_text(
        "".join(json.dumps({**o, "date_published": "2023-02-01 10:00:00+00:00"}) + "\n" for o in _CORPUS)
    )
    labels = root / "labels"
    labels.mkdir()
    for name, rows in _LABELS.items():
        (labels / f"labels-{name}.jsonl").write_text(
            "".join(
                json.dumps({"link": link, "watchlist": name, "relevant": rel, "note": "test"}) + "\n"
                for link, rel in rows
            )
        )
    config = root / "watchlists.toml"
    config.write_text(
        '[[watchlists]]\nname = "idlib"\nchannel = "C0IDLIB0001"\nregions = ["Idlib"]\n'
        'keywords = ["airstrike", "killed"]\n\n'
        '[[watchlists]]\nname = "sudan"\nchannel = "C0SUDAN0001"\n'
        'regions = [{ name = "Sudan", aliases = [] }]\nkeywords = ["shelling", "clashes"]\n'
    )
    return corpus, labels, config


def test_evaluate_matching_end_to_end(tmp_path: Path) -> None:
    corpus, labels, config = _write_eval_fixture(tmp_path)
    out = io.StringIO()
    metrics = evaluate_matching(corpus, labels, config, out)
    idlib = metrics["idlib"]
    assert (idlib["tp"], idlib["fp"], idlib["fn"], idlib["tn"]) == (1, 0, 0, 2)
    assert metrics["idlib"]["precision"] == 1.0 and metrics["idlib"]["recall"] == 1.0
    assert metrics["sudan"]["tp"] == 1 and metrics["sudan"]["tn"] == 1
    report = out.getvalue()
    assert "== idlib: 3 items, 1 relevant" in report
    assert "== sudan: 2 items, 1 relevant" in report


def test_evaluate_reports_misses_and_unknown_watchlists(tmp_path: Path) -> None:
    corpus, labels, config = _write_eval_fixture(tmp_path)
    # Label the off-theme Idlib item relevant: the matcher (rightly) stays quiet, so it is a miss.
    (labels / "labels-idlib.jsonl").write_text(
        json.dumps({"link": "http://t/2", "watchlist": "idlib", "relevant": True, "note": "x"}) + "\n"
    )
    out = io.StringIO()
    metrics = evaluate_matching(corpus, labels, config, out)
    assert metrics["idlib"]["fn"] == 1 and metrics["idlib"]["recall"] == 0.0
    assert "false negatives:" in out.getvalue() and "region: Idlib; keywords: -" in out.getvalue()
    (labels / "labels-gaza.jsonl").write_text(
        json.dumps({"link": "http://t/3", "watchlist": "gaza", "relevant": False, "note": "x"}) + "\n"
    )
    with pytest.raises(ConfigError, match="gaza"):
        evaluate_matching(corpus, labels, config, io.StringIO())


# -- the reader in the evaluation: the same question the engine asks, its answers applied --------


def _answers(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    path.write_text("".join(json.dumps({"watchlist": w, "link": k, "reply": r}) + "\n" for w, k, r in rows))
    return path


def test_reader_answers_withhold_matches_and_the_report_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus, labels, config = _write_eval_fixture(tmp_path)
    answers = _answers(tmp_path / "answers.jsonl", [("idlib", "http://t/1", "NOT RELEVANT: a market report")])
    args = ["--corpus", str(corpus), "--labels", str(labels), "--config", str(config), "--json"]
    assert match_evaluation_main([*args, "--reader-answers", str(answers)]) == 0
    out = capsys.readouterr().out
    assert "reader: 2 matches asked — 0 relevant, 1 withheld, 1 without a verdict (those alert)" in out
    assert "withheld by the reader: a market report" in out
    metrics = json.loads(out[out.index("{") :])
    assert (metrics["idlib"]["tp"], metrics["idlib"]["fn"]) == (0, 1)
    assert metrics["sudan"]["tp"] == 1  # no answer: it alerts as without a reader


def test_reader_prompts_are_written_for_every_match(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus, labels, config = _write_eval_fixture(tmp_path)
    prompts = tmp_path / "prompts.jsonl"
    args = ["--corpus", str(corpus), "--labels", str(labels), "--config", str(config)]
    assert match_evaluation_main([*args, "--reader-prompts", str(prompts)]) == 0
    rows = [json.loads(line) for line in prompts.read_text().splitlines()]
    assert sorted((r["watchlist"], r["link"]) for r in rows) == [
        ("idlib", "http://t/1"),
        ("sudan", "http://t/4"),
    ]
    idlib = next(r for r in rows if r["watchlist"] == "idlib")
    assert [m["role"] for m in idlib["messages"]] == ["system", "user"]
    assert "Headline: Airstrikes kill 4 in Idlib city" in idlib["messages"][1]["content"]


def test_a_bad_reader_answers_file_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "answers.jsonl"
    bad.write_text(
        '{"watchlist": "idlib", "link": "http://t/1", "reply": "RELEVANT: ok"}\n{"watchlist": "idlib"}\n'
    )
    with pytest.raises(ConfigError, match=r"answers.jsonl:2: bad reader answer"):
        read_reader_answers(bad)


async def test_the_live_reader_step_asks_the_endpoint(tmp_path: Path, reader_api: FakeReaderApi) -> None:
    corpus, labels, config = _write_eval_fixture(tmp_path)
    reader_api.rule = relevant_unless("Idlib")
    step = ask_endpoint(ReaderSettings(url=reader_api.url, model="desk-reader"))
    out = io.StringIO()
    # In a worker thread: the step runs its own event loop, as it does from the command line.
    metrics = await asyncio.to_thread(evaluate_matching, corpus, labels, config, out, None, step)
    assert len(reader_api.requests) == 2
    assert (metrics["idlib"]["tp"], metrics["idlib"]["fn"], metrics["sudan"]["tp"]) == (0, 1, 1)
