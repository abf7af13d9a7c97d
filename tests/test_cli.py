"""The command line as users' scripts call it: exit codes, output formats, one-line errors."""

from __future__ import annotations

import asyncio
import gzip
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

import run
from tests.fakes.reader_api import FakeReaderApi
from tests.fakes.slack_api import DEFAULT_TOKEN, FakeSlackApi

ROOT = Path(__file__).resolve().parents[1]

STORY = """Jets strike Idlib market, killing at least nine civilians
Air raids hit a market in Idlib city on Tuesday, killing at least nine civilians and wounding at least
20 others despite a truce, a monitor said. The war has killed more than 380,000 people since 2011.
"""

CORPUS = [
    {
        "title": "Air strike on Saraqib kills four civilians",
        "description": "<p>A strike hit Saraqib in Idlib "
        "province on Monday, killing four civilians and wounding seven, rescuers said.</p>",
        "link": "https://a.example/1",
        "date_published": "2023-02-10 08:00:00+00:00",
        "feed": "https://a.example/rss",
    },
    {
        "title": "Markets rally as inflation cools",
        "description": "Shares rose across Asia.",
        "link": "https://a.example/2",
        "date_published": "2023-02-10 09:00:00+00:00",
        "feed": "https://a.example/rss",
    },
    {
        "title": "Shelling near Idleb town wounds three",
        "description": "Artillery fire hit the outskirts of Idleb on Sunday, wounding three people.",
        "link": "https://a.example/3",
        "date_published": "2023-03-05 09:00:00+00:00",
        "feed": "https://a.example/rss",
    },
]


def call(*argv: str, environ: dict[str, str] | None = None) -> tuple[int, str]:
    out = io.StringIO()
    code = run.main(list(argv), environ or {}, out)
    return code, out.getvalue()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "corpus.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for obj in CORPUS:
            fh.write(json.dumps(obj) + "\n")
        fh.write("{not json\n")
    return path


async def test_check_tests_the_token_and_hides_it(slack_api: FakeSlackApi) -> None:
    environ = {
        "SLACK_BOT_TOKEN": DEFAULT_TOKEN,
        "SLACK_APP_TOKEN": "xapp-9876543",
        "SLACK_API_URL": slack_api.url,
    }
    code, out = await asyncio.to_thread(call, "check", environ=environ)
    assert code == 0, out
    assert "mode: socket" in out and "Slack token: OK" in out and "check: OK" in out
    assert DEFAULT_TOKEN not in out
    environ["SLACK_BOT_TOKEN"] = "xoxb-secret-1234"
    code, out = await asyncio.to_thread(call, "check", environ=environ)
    assert code == 1
    assert "PROBLEM: Slack refused the bot token at" in out and "invalid_auth" in out
    assert "xoxb-secret-1234" not in out
    # Something that is not Slack's API answers (a wrong SLACK_API_URL): the URL is blamed, not the token.
    environ["SLACK_BOT_TOKEN"] = DEFAULT_TOKEN
    slack_api.fail_next("auth.test", status=404)
    code, out = await asyncio.to_thread(call, "check", environ=environ)
    assert code == 1
    assert "answered auth.test with HTTP 404" in out and "check SLACK_API_URL" in out


def test_check_reports_every_problem_and_fails(tmp_path: Path) -> None:
    config = tmp_path / "reader.toml"
    config.write_text('[reader]\nurl = "http://127.0.0.1:9/v1"\nmodel = "desk-model"\n')
    environ = {
        "SLACK_BOT_TOKEN": "xoxb-alone",  # half configured
        "DATABASE_URL": "postgresql+asyncpg://nobody@127.0.0.1:9/none",  # nothing listens on port 9
    }
    code, out = call("check", "--config", str(config), environ=environ)
    assert code == 1
    problems = [line for line in out.splitlines() if line.startswith("PROBLEM:")]
    assert len(problems) == 3, out
    assert "half configured" in problems[0]
    assert any("does not answer" in p and "127.0.0.1:9/none" in p for p in problems)
    assert any("the reader at http://127.0.0.1:9/v1 does not answer" in p for p in problems)
    assert "check: 3 problem(s)" in out


def test_invalid_config_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[feeds]]\nurl = "https://x.example/rss"\nname = "X"\ninterval = 0\n', encoding="utf-8")
    code, _ = call("--config", str(bad), "check")
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.count("\n") == 0 and str(bad) in err and "feeds[0] ('X').interval" in err


def test_extract_text_file(tmp_path: Path) -> None:
    story = tmp_path / "story.txt"
    story.write_text(STORY, encoding="utf-8")
    code, out = call("extract", str(story))
    figures = json.loads(out)
    assert code == 0
    assert figures["killed"] == 9 and figures["wounded"] == 20
    assert figures["displaced"] is None and figures["missing"] is None


def test_extract_json_lines_on_stdin_one_line_per_input() -> None:
    lines = [
        {"id": "a", "title": "Bomb kills 3 in market", "description": "Three people died and 12 were hurt."},
        "not json at all",
        {"id": "c", "title": "Markets rally", "description": "Shares rose."},
    ]
    stdin = "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "extract"],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(rows) == 3
    assert rows[0]["id"] == "a" and rows[0]["killed"] == 3 and rows[0]["wounded"] == 12
    assert "error" in rows[1]
    assert rows[2] == {
        **rows[2],
        "id": "c",
        "killed": None,
        "wounded": None,
        "displaced": None,
        "missing": None,
    }
    assert proc.returncode == 1  # one bad line


def test_eval_scores_a_labelled_file(tmp_path: Path) -> None:
    labelled = tmp_path / "labels.jsonl"
    rows = [
        {
            "id": "1",
            "title": "Bomb kills 3 in market",
            "description": "Twelve were hurt.",
            "labels": {"killed": 3, "wounded": 12, "displaced": None, "missing": None, "background": []},
        },
        {
            "id": "2",
            "title": "Markets rally",
            "description": "Shares rose.",
            "labels": {"killed": None, "wounded": None, "displaced": None, "missing": None, "background": []},
        },
    ]
    labelled.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    code, out = call("eval", str(labelled))
    assert code == 0 and "killed" in out and "1.000" in out


def test_backtest_table_and_json(corpus: Path) -> None:
    code, out = call(
        "backtest",
        "--corpus",
        str(corpus),
        "--watchlist",
        "idlib",
        "--since",
        "2023-02-01",
        "--until",
        "2023-02-28",
    )
    assert code == 0
    assert "Saraqib" in out and "Markets rally" not in out and "Idleb town" not in out
    code, out = call("backtest", "--corpus", str(corpus), "--watchlist", "idlib", "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [r["link"] for r in rows] == ["https://a.example/1", "https://a.example/3"]
    first = rows[0]
    assert first["watchlist"] == "idlib" and first["killed"] == 4 and first["wounded"] == 7
    assert "Saraqib" in first["terms"] and first["title"].startswith("Air strike on Saraqib")


def test_config_is_taken_before_or_after_the_command(corpus: Path, tmp_path: Path) -> None:
    """The issue's "takes --config PATH like every command": users write it after the command."""
    config = tmp_path / "desk.toml"
    config.write_text(
        '[[watchlists]]\nname = "saraqib"\nchannel = "C0123456789"\nregions = ["Saraqib"]\nrule = "region"\n',
        encoding="utf-8",
    )
    for argv in (
        ("backtest", "--config", str(config), "--corpus", str(corpus), "--json"),
        ("--config", str(config), "backtest", "--corpus", str(corpus), "--json"),
    ):
        code, out = call(*argv)
        assert code == 0, argv
        assert [json.loads(line)["watchlist"] for line in out.splitlines()] == ["saraqib"]
    code, out = call("watch", "show", "saraqib", "--config", str(config))
    assert code == 0 and "region Saraqib" in out


def test_backtest_errors_are_one_line(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert call("backtest", "--corpus", str(corpus), "--watchlist", "nowhere")[0] == 2
    assert "no watchlist named 'nowhere'" in capsys.readouterr().err
    assert call("backtest", "--corpus", str(corpus) + ".missing")[0] == 2
    assert "does not exist" in capsys.readouterr().err


def test_watch_show_lists_the_expansion() -> None:
    code, out = call("watch", "show", "idlib")
    assert code == 0
    for place in ("Idleb", "Saraqib", "Maarat al-Numan", "إدلب".replace("إ", "ا")):
        assert place in out
    # What matches only with context, what never matches, and why (issue #19).
    assert "names that count only beside their province or country" in out
    assert "never matched" in out and "a name of 4 letters or fewer" in out
    assert "context rules (a hit they describe does not count)" in out


def test_watch_show_gives_the_scope_told_to_the_reader() -> None:
    code, out = call("watch", "show", "gaza")
    assert code == 0 and "scope (told to the reader): The Gaza Strip:" in out


async def test_check_says_whether_the_reader_is_on_and_answers(
    tmp_path: Path, reader_api: FakeReaderApi
) -> None:
    code, out = await asyncio.to_thread(call, "check")
    assert code == 0 and "reader: off (no [reader] in the config" in out
    config = tmp_path / "reader.toml"
    config.write_text(f'[reader]\nurl = "{reader_api.url}"\nmodel = "desk-model"\n')
    code, out = await asyncio.to_thread(call, "check", "--config", str(config))
    assert code == 0, out
    assert f"reader: desk-model at {reader_api.url} (SITREP_READER_API_KEY unset)" in out


def test_check_warns_about_a_misspelt_region(tmp_path: Path) -> None:
    typo = tmp_path / "typo.toml"
    typo.write_text(
        '[[watchlists]]\nname = "idlib"\nchannel = "C0123456789"\nregions = ["Idlb"]\nkeywords = ["truce"]\n',
        encoding="utf-8",
    )
    code, out = call("--config", str(typo), "check")
    assert code == 0
    assert "warning: watchlist 'idlib' regions[0].name: 'Idlb' is not a place the gazetteer knows" in out
    assert "no [[feeds]]" in out


@pytest.mark.parametrize("corpus_arg", ["missing.jsonl.gz", "."])
def test_demo_with_a_bad_corpus_path_is_one_line(
    tmp_path: Path, corpus_arg: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = call("demo", "--once", "--corpus", str(tmp_path / corpus_arg))
    assert code == 2
    assert capsys.readouterr().err.startswith("sitrep: corpus ")
