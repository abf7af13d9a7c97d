"""`python run.py demo --once`: the bundled samples through the real pipeline, rendered in a terminal."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_demo(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_") and k != "DATABASE_URL"}
    return subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "demo", "--once", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_demo_shows_the_idlib_alert_its_update_and_nothing_for_damascus() -> None:
    result = run_demo()
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Traceback" not in result.stderr
    headers = re.findall(r"^│ ((?:Idlib|Gaza|Sudan|Ukraine) — .*?)\s*│$", out, re.MULTILINE)
    assert any(
        re.search(r"Idlib — (at least )?9 civilians killed, (at least )?20 wounded", h) for h in headers
    )
    assert "↳ update to" in out  # the toll update threads under the first alert
    assert any(
        re.search(r"Idlib — (at least )?12 (civilians )?killed, (at least )?25 wounded", h) for h in headers
    )
    # Background totals never become the incident's figures.
    assert not any("1,000" in h or "380,000" in h for h in headers)
    assert "Damascus" not in "\n".join(h for h in headers if h.startswith("Idlib"))
    assert re.search(r"Replay: 5 feeds, 47 items, \d+ Slack messages, 0 feed errors", out)


def test_demo_one_incident_per_strike() -> None:
    out = run_demo().stdout
    firsts = [h for h in re.findall(r"^#\S+  ts=\S+\n┌─+┐\n│ (.*?)\s*│$", out, re.MULTILINE)]
    market = [h for h in firsts if re.search(r"Idlib — .*9 civilians killed", h)]
    assert len(market) == 1, firsts


FIXTURES = ROOT / "tests" / "fixtures"
REPLAY_FIELDS = {"kind", "channel", "watchlist", "incident", "at", "text", "figures", "links"}


def test_demo_json_prints_one_object_per_slack_message_and_nothing_else() -> None:
    result = run_demo(
        "--json", "--corpus", str(FIXTURES / "mini-corpus.jsonl"), "--since", "2023-03-01", "--until",
        "2023-03-01", "--step-hours", "0.25", "--per-feed", "1000",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines, result.stderr
    rows = [json.loads(line) for line in lines]  # every line of stdout is a JSON object
    assert all(set(r) == REPLAY_FIELDS for r in rows)
    assert "Replay:" in result.stderr  # progress and the summary go to stderr
    posts = [r for r in rows if r["kind"] == "post"]
    market = next(r for r in posts if r["links"][0] == "https://levant-wire.example/idlib-market-strike")
    assert market["watchlist"] == "idlib" and market["figures"]["killed"] == 9
    assert market["at"] <= "2023-03-01T08:15:00+00:00"  # within one replay step of publication
    later = [r for r in rows if r["incident"] == market["incident"] and r["kind"] != "post"]
    assert {r["kind"] for r in later} == {"reply", "edit"}
    assert all(r["links"] == ["https://frontline-daily.example/idlib-toll-12"] for r in later)
    assert later[-1]["figures"]["killed"] == 12 and later[-1]["figures"]["wounded"] == 25
    # The school shelling is another event: its own post, never part of the market strike.
    school = [r for r in posts if r["links"][0] == "https://levant-wire.example/sarmada-school"]
    assert len(school) == 1 and school[0]["incident"] != market["incident"]
    assert not any("damascus-fair" in link for r in rows for link in r["links"])


def test_demo_never_writes_into_the_database_url_database(tmp_path: Path) -> None:
    production = tmp_path / "production.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///{production}"
    result = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "demo", "--once"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "leaves that database alone" in result.stdout
    assert not production.exists()


def test_a_bot_token_alone_is_an_error_not_a_demo() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_") and k != "DATABASE_URL"}
    env["SLACK_BOT_TOKEN"] = "xoxb-only-this"
    command = [sys.executable, str(ROOT / "run.py")]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60, check=False)
    assert result.returncode == 2
    assert "half configured" in result.stderr and "xoxb-only-this" not in result.stderr
    assert "Sitrep demo" not in result.stdout
