"""The stream score: each measure on small replays and labels written for the test."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from eval.stream.scoring import score_stream
from eval.stream.windows import EventLabel, ItemLabel, LabelError, Window, WindowLabels, load_labels

T0 = datetime(2023, 10, 17, 8, 0, tzinfo=UTC)
W = Window("test", "gaza", date(2023, 10, 17), date(2023, 10, 17), sealed=False, kind="test")
NONE = {"killed": None, "wounded": None, "displaced": None, "missing": None}


def label(link: str, tier: str, event: str | None, killed: int | None = None) -> ItemLabel:
    return ItemLabel(link, tier, event, {**NONE, "killed": killed})


def event(name: str, killed: int | None = None, alternatives: tuple[int, ...] = ()) -> EventLabel:
    alt = {"killed": alternatives} if alternatives else {}
    return EventLabel(name, "strike", "Gaza", "", {**NONE, "killed": killed}, alt)


LABELS = WindowLabels(
    W,
    items={
        x.link: x
        for x in (
            label("a", "push", "market-strike", 9),
            label("b", "push", "market-strike", 12),
            label("c", "push", "market-strike", 12),
            label("d", "push", "school-strike", 3),
            label("e", "digest", "un-statement"),
            label("f", "digest", "analysis"),
            label("g", "no", None),
        )
    },
    events={
        e.event: e
        for e in (
            event("market-strike", 12, (9,)),
            event("school-strike", 3),
            event("un-statement"),
            event("analysis"),
        )
    },
)
PUBLISHED = {link: T0 + timedelta(minutes=10 * n) for n, link in enumerate("abcdefg")}


def msg(
    kind: str, incident: str | None, minutes: int, links: list[str], killed: int | None = None
) -> dict[str, Any]:
    return {
        "kind": kind,
        "channel": "C1",
        "watchlist": "gaza",
        "incident": incident,
        "at": (T0 + timedelta(minutes=minutes)).isoformat(),
        "text": "",
        "figures": None if killed is None else {**NONE, "killed": killed},
        "links": links,
    }


def test_one_event_from_three_outlets_is_one_clean_post() -> None:
    rows = [
        msg("post", "i1", 15, ["a"], killed=9),
        msg("reply", "i1", 30, ["b"], killed=12),
        msg("edit", "i1", 30, ["b"], killed=12),
        msg("edit", "i1", 45, ["c"], killed=12),
        msg("post", "i2", 45, ["d"], killed=3),
    ]
    s = score_stream(rows, LABELS, PUBLISHED)
    assert s.posts == 2 and s.posts_per_day == 2.0
    assert s.push_precision.value == 1.0
    assert s.on_time_recall.value == 1.0
    assert s.duplicate_rate.value == 0.0
    assert s.wrong_merge_rate.value == 0.0 and s.wrong_merge_rate.total == 2
    assert s.figures_right.value == 1.0
    assert (s.replies, s.edits) == (1, 2)


def test_duplicates_wrong_merges_and_a_late_post() -> None:
    rows = [
        msg("post", "i1", 15, ["a"]),
        msg("edit", "i1", 40, ["d"]),  # another strike folded in: a wrong merge
        msg("post", "i2", 20, ["b"]),  # the market strike again: a duplicate
        msg("post", "i3", 95, ["e"]),  # a statement pinged: not push
    ]
    s = score_stream(rows, LABELS, PUBLISHED, details=True)
    assert s.duplicate_rate.hits == 1
    assert s.wrong_merge_rate.hits == 1 and s.wrong_merge_rate.total == 1
    assert s.push_precision.hits == 2 and s.push_precision.total == 3
    # school-strike (first report at 08:30) never got a post of its own.
    assert s.on_time_recall.hits == 1 and s.on_time_recall.total == 2
    assert any("school-strike" in line for line in s.details["late or missed"])


def test_on_time_means_within_30_minutes_of_the_first_push_report() -> None:
    late = [msg("post", "i1", 31, ["a"])]
    assert score_stream(late, LABELS, PUBLISHED).on_time_recall.hits == 0
    assert score_stream(late, LABELS, PUBLISHED).posted_recall.hits == 1
    # A later report of the event leading the post still counts for the event, judged from its first report.
    on_time = [msg("post", "i1", 30, ["b"])]
    assert score_stream(on_time, LABELS, PUBLISHED).on_time_recall.hits == 1


@pytest.mark.parametrize(
    ("killed", "right"),
    [(12, True), (9, True), (17000, False), (None, False)],
)
def test_headline_figures_are_judged_against_the_event_toll(killed: int | None, right: bool) -> None:
    rows = [msg("post", "i1", 15, ["a"], killed=killed)]
    s = score_stream(rows, LABELS, PUBLISHED)
    assert s.figures_right.total == 1 and (s.figures_right.hits == 1) is right


def test_a_figure_on_an_event_without_a_toll_is_wrong_and_no_figure_is_not_judged() -> None:
    assert (
        score_stream([msg("post", "i1", 5, ["e"], killed=100)], LABELS, PUBLISHED).figures_right.value == 0.0
    )
    assert score_stream([msg("post", "i1", 5, ["e"])], LABELS, PUBLISHED).figures_right.total == 0


def test_digest_coverage_and_other_watchlists() -> None:
    rows = [
        msg("digest", None, 600, ["e", "g"]),
        {**msg("post", "x", 5, ["g"]), "watchlist": "sudan", "channel": "C2"},
    ]
    s = score_stream(rows, LABELS, PUBLISHED)
    assert s.posts == 0 and s.digests == 1
    assert s.digest_coverage.hits == 1 and s.digest_coverage.total == 2


def test_label_files_are_checked(tmp_path: Path) -> None:
    good = {"link": "a", "published": T0.isoformat(), "tier": "push", "event": "e1", "figures": {"killed": 3}}
    (tmp_path / "labels.jsonl").write_text(json.dumps(good) + "\n")
    (tmp_path / "events.jsonl").write_text(json.dumps({"event": "e1", "toll": {"killed": 3}}) + "\n")
    loaded = load_labels(W, tmp_path)
    assert loaded.items["a"].published == T0 and loaded.events["e1"].toll["killed"] == 3
    (tmp_path / "labels.jsonl").write_text(json.dumps({**good, "tier": "maybe"}) + "\n")
    with pytest.raises(LabelError, match="tier"):
        load_labels(W, tmp_path)
    (tmp_path / "labels.jsonl").write_text(json.dumps({**good, "event": "e2"}) + "\n")
    with pytest.raises(LabelError, match="e2"):
        load_labels(W, tmp_path)
