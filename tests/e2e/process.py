"""Running `run.py` as a real process against the test's local feed server and fake Slack."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from tests.fakes.slack_api import DEFAULT_TOKEN, FakeSlackApi

ROOT = Path(__file__).resolve().parents[2]


def bot_environment(tmp_path: Path, slack: FakeSlackApi, database_url: str, **extra: str) -> dict[str, str]:
    """The process environment: our Slack fake, the test database, ``tmp_path/sitrep.toml``."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("SLACK_")},
        "SLACK_BOT_TOKEN": DEFAULT_TOKEN,
        "SLACK_API_URL": slack.url,
        "DATABASE_URL": database_url,
        "SITREP_CONFIG": str(tmp_path / "sitrep.toml"),
        **extra,
    }


async def start_bot(tmp_path: Path, env: dict[str, str], *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "run.py"),
        *args,
        cwd=str(tmp_path),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def read_until(stream: asyncio.StreamReader, marker: str, seen: list[str]) -> None:
    """Read log lines until one contains ``marker`` (an event in the process, not a timer)."""
    while True:
        line = (await stream.readline()).decode()
        if not line:
            raise AssertionError("process ended before: " + marker + "\n" + "".join(seen))
        seen.append(line)
        if marker in line:
            return
