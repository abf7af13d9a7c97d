"""The reader's recorded replies in eval/matching/reader/ and the figures they give.

The replies are what a capable instruction-following model answered to the shipped prompt for every
item the matcher matches in the evaluation sets (README.md there says who answered and how). They
are only valid for the prompt they answered and the matches they cover, so both are checked: a
change to the prompt or to what the matcher matches fails here until the set is read again. With
the shared corpus present, the figures they give are held to floors, as the matcher's are.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from bot.core.reader import PROMPT_VERSION, ReaderAnswer, ReaderQuestion, Verdict, parse_answer
from bot.core.watchlists import Rule
from bot.match_evaluation import (
    DEFAULT_CONFIG,
    DEFAULT_LABELS,
    evaluate_matching,
    load_labels,
    read_reader_answers,
)
from tests.conftest import shared_path

READER = DEFAULT_LABELS / "reader"
SETS = {
    "dev": (DEFAULT_LABELS, DEFAULT_CONFIG),
    "dev-second": (DEFAULT_LABELS, DEFAULT_CONFIG),
    "dev-region": (DEFAULT_LABELS, DEFAULT_CONFIG),
    "sample": (DEFAULT_LABELS / "precision", DEFAULT_CONFIG),
    "transfer": (DEFAULT_LABELS / "transfer", DEFAULT_LABELS / "transfer" / "watchlists.toml"),
}


def rows(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (READER / f"replies-{name}.jsonl").read_text().splitlines()]


def check_replies(replies: list[dict[str, Any]], labelled: set[str]) -> None:
    """Each reply is a verdict for the shipped prompt, on a labelled item, once per watchlist."""
    seen: set[tuple[str, str]] = set()
    for row in replies:
        assert set(row) == {"watchlist", "link", "prompt_version", "reply"}, row
        assert row["prompt_version"] == PROMPT_VERSION, "the prompt changed: read the sets again"
        assert parse_answer(row["reply"]).verdict is not Verdict.UNKNOWN, row
        pair = (row["watchlist"], row["link"])
        assert row["link"] in labelled and pair not in seen, pair
        seen.add(pair)


@pytest.mark.parametrize("name", sorted(SETS))
def test_every_reply_is_a_verdict_for_the_shipped_prompt_on_a_labelled_item(name: str) -> None:
    # Every match of a labelled item was asked, also for a watchlist it is not labelled for.
    check_replies(rows(name), {label.link for label in load_labels(SETS[name][0])})


def recording(
    answers: Mapping[tuple[str, str], ReaderAnswer], asked: list[tuple[str, str]]
) -> Callable[[Mapping[tuple[str, str], ReaderQuestion]], Mapping[tuple[str, str], ReaderAnswer]]:
    def step(questions: Mapping[tuple[str, str], ReaderQuestion]) -> Mapping[tuple[str, str], ReaderAnswer]:
        asked.extend(questions)
        return answers

    return step


# (precision floor, recall floor) with the recorded replies; reached by the first and second
# readings: idlib 0.977/0.956 and 0.977/0.956, gaza 0.968/0.958 and 0.957/0.938, sudan 0.959/0.966 and
# 0.959/0.952 (matcher alone: 0.966/0.956, 0.786/0.958, 0.922/0.966).
DEV_FLOORS = {"idlib": (0.97, 0.95), "gaza": (0.95, 0.93), "sudan": (0.95, 0.95)}
# Precision floors on the random samples of what the matcher alerts on; reached: 0.885 and 0.930
# (matcher alone: 0.680 and 0.870).
SAMPLE_FLOORS = {"gaza": 0.88, "sudan": 0.92}


Dev = dict[str, tuple[dict[str, dict[str, Any]], list[tuple[str, str]]]]


@pytest.fixture(scope="module")
def dev() -> Dev:
    """Each dev reading's metrics, and the matches the evaluation asked about."""
    corpus = shared_path("corpus", "news2023.jsonl.gz")
    out: Dev = {}
    for name in ("dev", "dev-second"):
        asked: list[tuple[str, str]] = []
        step = recording(read_reader_answers(READER / f"replies-{name}.jsonl"), asked)
        out[name] = (
            evaluate_matching(corpus, DEFAULT_LABELS, DEFAULT_CONFIG, io.StringIO(), reader=step),
            asked,
        )
    return out


@pytest.mark.parametrize("name", ["dev", "dev-second"])
def test_the_replies_cover_every_match_the_matcher_makes(dev: Dev, name: str) -> None:
    _, asked = dev[name]
    answered = {(r["watchlist"], r["link"]) for r in rows(name)}
    assert set(asked) == answered, (
        "the matcher's matches changed: read the new ones (README.md in eval/matching/reader)"
    )


@pytest.mark.parametrize("name", ["dev", "dev-second"])
@pytest.mark.parametrize("watchlist", sorted(DEV_FLOORS))
def test_dev_floors_with_the_reader(dev: Dev, name: str, watchlist: str) -> None:
    precision, recall = DEV_FLOORS[watchlist]
    got = dev[name][0][watchlist]
    assert got["precision"] >= precision and got["recall"] >= recall, got


def test_two_readings_of_the_prompt_agree() -> None:
    """The same prompt read twice by different agents: the figures are the prompt's, not one reading's."""

    def withheld(name: str) -> dict[tuple[str, str], bool]:
        return {(r["watchlist"], r["link"]): parse_answer(r["reply"]).withholds for r in rows(name)}

    first, second = withheld("dev"), withheld("dev-second")
    assert first.keys() == second.keys()
    agreement = sum(first[k] == second[k] for k in first) / len(first)
    assert agreement >= 0.97, agreement  # 0.978 when recorded


# With rule "region" for every watchlist the reader also judges the theme: the 67 matches that need
# no watch word were read into replies-dev-region.jsonl. Reached: idlib 0.967/0.978, gaza 0.960/1.000,
# sudan 0.960/0.993.
REGION_FLOORS = {"idlib": (0.96, 0.97), "gaza": (0.95, 0.99), "sudan": (0.95, 0.99)}


def test_region_rule_floors_with_the_reader() -> None:
    corpus = shared_path("corpus", "news2023.jsonl.gz")
    answers = {
        **read_reader_answers(READER / "replies-dev.jsonl"),
        **read_reader_answers(READER / "replies-dev-region.jsonl"),
    }
    asked: list[tuple[str, str]] = []
    metrics = evaluate_matching(
        corpus,
        DEFAULT_LABELS,
        DEFAULT_CONFIG,
        io.StringIO(),
        reader=recording(answers, asked),
        rule=Rule.REGION,
    )
    assert set(asked) == set(answers), "the matcher's matches changed: read the new ones"
    for watchlist, (precision, recall) in REGION_FLOORS.items():
        got = metrics[watchlist]
        assert got["precision"] >= precision and got["recall"] >= recall, got


def test_sample_precision_floors_with_the_reader() -> None:
    corpus = shared_path("corpus", "news2023.jsonl.gz")
    step = recording(read_reader_answers(READER / "replies-sample.jsonl"), [])
    metrics = evaluate_matching(corpus, *SETS["sample"], io.StringIO(), reader=step)
    for watchlist, floor in SAMPLE_FLOORS.items():
        assert metrics[watchlist]["precision"] >= floor, metrics[watchlist]


def test_replies_files_are_where_the_docs_say() -> None:
    assert {p.name for p in READER.glob("replies-*.jsonl")} == {f"replies-{n}.jsonl" for n in SETS}
