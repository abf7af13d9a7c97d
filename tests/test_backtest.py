"""Backtest runner: reads JSON Lines (gzipped or not), filters dates, prints table/JSON, counts."""

from __future__ import annotations

import gzip
import io
import json
from datetime import date
from pathlib import Path

import pytest

from bot.backtest import run_backtest
from bot.core.gazetteer import Gazetteer
from bot.core.watchlists import Region, Watchlist
from bot.errors import CommandError
from tests.conftest import shared_path

CH = ("C0123456789",)
WATCHLISTS = [
    Watchlist("idlib", CH, regions=(Region("Idlib"),), keywords=("airstrike", "killed", "wounded")),
    Watchlist("gaza", CH, regions=(Region("Gaza"),), keywords=("airstrike", "killed")),
]


def _line(title: str, description: str, day: str, link: str) -> str:
    return json.dumps(
        {
            "title": title,
            "description": description,
            "link": link,
            "date_published": f"{day} 10:00:00+00:00",
            "feed": "f",
        }
    )


LINES = [
    _line(
        "Airstrike kills 4 in Idlib",
        "<p>Four civilians were killed &amp; 7 wounded in Saraqib.</p>",
        "2023-03-01",
        "u1",
    ),
    _line("Markets reopen in Idlib", "Traders returned.", "2023-03-01", "u2"),
    "{not json",
    _line("Airstrike in Khan Younis", "Three people were killed.", "2023-03-02", "u3"),
    json.dumps({"title": "no date"}),
    "",
    _line("Air strikes on Idleb", "Two killed.", "2023-04-15", "u4"),
]


@pytest.fixture(params=["plain", "gz"])
def corpus(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    text = "\n".join(LINES) + "\n"
    if request.param == "gz":
        path = tmp_path / "c.jsonl.gz"
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path = tmp_path / "c.jsonl"
        path.write_text(text, encoding="utf-8")
    return path


def test_table_and_summary(corpus: Path, world: Gazetteer) -> None:
    out, err = io.StringIO(), io.StringIO()
    s = run_backtest(
        corpus,
        WATCHLISTS,
        world,
        since=date(2023, 3, 1),
        until=date(2023, 3, 31),
        out=out,
        progress=True,
        err=err,
    )
    # Markets reopening names Idlib without a watch word: no ping, but the digest lists it.
    assert (s.scanned, s.malformed, s.in_range, s.matched) == (7, 2, 3, 3)
    assert s.per_watchlist == {"idlib": 2, "gaza": 1}
    assert s.per_tier == {"idlib": {"push": 1, "digest": 1}, "gaza": {"push": 1}}
    assert s.per_day == {date(2023, 3, 1): 2, date(2023, 3, 2): 1}
    text = out.getvalue()
    assert "Airstrike kills 4 in Idlib" in text and "Markets reopen" in text
    assert "why: about Idlib, but none of the watch words" in text
    assert "4 civilians killed" in text or "killed" in text
    assert "items scanned: 7" in text and "in date range: 3" in text and "matched: 3" in text
    assert "idlib: 2 matches — 1 push, 1 digest, 0 drop" in text
    assert "items read" in err.getvalue()


def test_json_lines(corpus: Path, world: Gazetteer) -> None:
    out = io.StringIO()
    s = run_backtest(corpus, WATCHLISTS, world, watchlist_name="idlib", out=out, as_json=True)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(r["link"], r["tier"]) for r in records] == [("u1", "push"), ("u2", "digest"), ("u4", "push")]
    assert records[1]["why"] == "about Idlib, but none of the watch words"
    first = records[0]
    assert first["watchlist"] == "idlib" and first["date"].startswith("2023-03-01")
    assert "Saraqib" in first["terms"] and "Airstrike" in first["terms"]
    assert {"killed", "wounded", "displaced", "missing"} <= set(first)
    assert first["killed"] == 4 and first["wounded"] == 7
    assert s.matched == 3


def test_unknown_watchlist_and_bad_range(corpus: Path, world: Gazetteer) -> None:
    with pytest.raises(CommandError, match="known: idlib, gaza"):
        run_backtest(corpus, WATCHLISTS, world, watchlist_name="sudan", out=io.StringIO())
    with pytest.raises(CommandError, match="after"):
        run_backtest(
            corpus, WATCHLISTS, world, since=date(2023, 5, 1), until=date(2023, 1, 1), out=io.StringIO()
        )
    with pytest.raises(CommandError, match="does not exist"):
        run_backtest(corpus.with_name("nope.jsonl"), WATCHLISTS, world, out=io.StringIO())


def test_truncated_gzip_is_counted_not_fatal(tmp_path: Path, world: Gazetteer) -> None:
    data = gzip.compress(("\n".join(LINES * 50) + "\n").encode())
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    s = run_backtest(path, WATCHLISTS, world, out=io.StringIO())
    assert s.malformed >= 1 and s.scanned > 0


@pytest.mark.corpus
def test_real_corpus_slice(tmp_path: Path, world: Gazetteer) -> None:
    source = shared_path("corpus", "news2023.jsonl.gz")
    sample = tmp_path / "sample.jsonl"
    with gzip.open(source, "rt", encoding="utf-8") as fh, sample.open("w", encoding="utf-8") as dst:
        for i, line in enumerate(fh):
            if i >= 3000:
                break
            dst.write(line)
    s = run_backtest(sample, WATCHLISTS, world, out=io.StringIO(), as_json=True)
    assert s.scanned == 3000 and s.malformed == 0
