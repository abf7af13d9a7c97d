"""The gazetteer audit (``eval/matching/place_hits.py``): country watches and the names that hit them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.core.gazetteer import Gazetteer
from bot.core.matching import Matcher
from eval.matching.place_hits import country_watches, headline_hits, main


def test_one_region_only_watch_per_country(world: Gazetteer) -> None:
    watches = country_watches(world, ["pl", "XK"])
    assert sorted(w.name for w in watches) == ["pl", "xk"]
    assert {w.regions[0].name for w in watches} == {"Poland", "Kosovo"}
    assert len(country_watches(world)) > 240


def test_counts_each_name_once_per_headline(world: Gazetteer) -> None:
    matcher = Matcher(country_watches(world, ["PL", "DE"]), world)
    titles = [
        "Floods in Gdansk and Gdansk port",
        "Police say Hamas fired rockets",  # neither is a place any more
        "Berlin and Gdansk sign a pact",
    ]
    counts = headline_hits(matcher, titles, Path("unused"))
    assert counts[("pl", "Gdansk", "Gdansk")] == 2
    assert counts[("de", "Berlin", "Berlin")] == 1
    assert sum(counts.values()) == 3


def test_a_missing_corpus_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["--corpus", str(tmp_path / "absent.jsonl.gz")])
    assert stop.value.code == 2
    assert "no such corpus file" in capsys.readouterr().err


def test_prints_the_names_that_hit_most(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "c.jsonl"
    titles = ["Storm hits Gdansk", "Gdansk shipyard strike", "Poland votes"]
    corpus.write_text("\n".join(json.dumps({"title": t}) for t in titles), encoding="utf-8")
    assert main(["--corpus", str(corpus), "--country", "PL"]) == 0
    out = capsys.readouterr().out
    assert "2  PL     Gdansk -> Gdansk" in out
    assert "Poland" not in out.split("\n", 1)[1]  # the country's own name is what the watch is for


def test_reads_descriptions_when_asked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "c.jsonl"
    items = [{"title": "Storm hits the coast", "description": "Roofs were torn off in Gdansk."}]
    corpus.write_text("\n".join(json.dumps(i) for i in items), encoding="utf-8")
    assert main(["--corpus", str(corpus), "--country", "PL"]) == 0
    assert "Gdansk" not in capsys.readouterr().out
    assert main(["--corpus", str(corpus), "--country", "PL", "--descriptions"]) == 0
    assert "1  PL     Gdansk -> Gdansk" in capsys.readouterr().out
