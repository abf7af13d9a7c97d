"""`python run.py demo --once`: the bundled samples through the real pipeline, rendered in a terminal."""

from __future__ import annotations

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
    assert re.search(r"Replay: 5 feeds, 45 items, \d+ Slack messages, 0 feed errors", out)


def test_demo_one_incident_per_strike() -> None:
    out = run_demo().stdout
    firsts = [h for h in re.findall(r"^#\S+  ts=\S+\n┌─+┐\n│ (.*?)\s*│$", out, re.MULTILINE)]
    market = [h for h in firsts if re.search(r"Idlib — .*9 civilians killed", h)]
    assert len(market) == 1, firsts
