"""`--log-format json`: one JSON object per line on stderr, secrets redacted as in text logs."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

import run

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "xoxb-0000-secret-token-value"
READER_KEY = "sk-reader-key-that-is-secret"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def lines(err: str) -> list[dict[str, str]]:
    return [json.loads(line) for line in err.splitlines()]  # every line parses, or this fails


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_secrets_are_redacted_in_messages_and_tracebacks(
    log_format: str, capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    run.setup_logging("INFO", {"SLACK_BOT_TOKEN": TOKEN, "SITREP_READER_API_KEY": READER_KEY}, log_format)
    log = logging.getLogger("sitrep.test")
    log.info("calling Slack with %s", TOKEN)
    try:
        raise RuntimeError(f"refused: Authorization: Bearer {READER_KEY}")
    except RuntimeError:
        log.exception("reader failed for %s", "idlib")
    err = capsys.readouterr().err
    assert TOKEN not in err and READER_KEY not in err
    assert err.count("[redacted]") == 2
    if log_format == "json":
        first, second = lines(err)
        assert first["message"] == "calling Slack with [redacted]"
        assert first["level"] == "INFO" and first["logger"] == "sitrep.test"
        assert datetime.fromisoformat(first["time"]).utcoffset() is not None
        assert "exception" not in first
        assert second["level"] == "ERROR" and second["message"] == "reader failed for idlib"
        assert second["exception"].startswith("Traceback (most recent call last):")
        assert "RuntimeError: refused: Authorization: Bearer [redacted]" in second["exception"]


def test_the_json_flag_makes_every_stderr_line_a_json_object(tmp_path: Path) -> None:
    config = tmp_path / "sitrep.toml"
    # A feed polled more often than once a minute: a config warning, logged while loading.
    config.write_text('[[feeds]]\nurl = "https://wire.example/rss"\nname = "Wire"\ninterval = 10\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env["SLACK_BOT_TOKEN"] = TOKEN  # half configured: an error, logged as JSON too
    result = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "--log-format", "json", "--config", str(config)],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    entries = lines(result.stderr)
    assert [e["level"] for e in entries] == ["WARNING", "ERROR"]
    assert "polls every 10 s" in entries[0]["message"]
    assert "half configured" in entries[1]["message"]
    assert TOKEN not in result.stderr


def test_log_format_is_text_or_json() -> None:
    parser = run.build_parser()
    assert parser.parse_args([]).log_format is None  # text unless SITREP_LOG_FORMAT says json
    assert parser.parse_args(["demo", "--log-format", "json"]).log_format == "json"
    with pytest.raises(SystemExit):
        parser.parse_args(["--log-format", "xml"])
