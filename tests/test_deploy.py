"""The deployment files agree with the code: compose.yaml's wiring uses the variables Settings reads,
the Dockerfile starts a real subcommand, and the systemd unit points where the docs say.

No Docker daemon runs where these tests run, so the image is never built here; these checks are
what can be known without one (docs/OPERATIONS.md, "Docker and compose")."""

from __future__ import annotations

import io
import json
import re
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

import run
from config.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]


def compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def interpolate(value: str) -> str:
    """Compose's ``${NAME:-default}``, with nothing set in the environment."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)


class Recording(Mapping[str, str]):
    """An environment that notes every variable asked for."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values, self.asked = values, set[str]()

    def __getitem__(self, key: str) -> str:
        self.asked.add(key)
        return self.values[key]

    def __contains__(self, key: object) -> bool:
        self.asked.add(str(key))
        return key in self.values

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)


def variables_the_code_reads() -> set[str]:
    """Every environment variable a start reads: main's own (log format, secrets to redact) and
    load_settings' (a quick command that loads the settings stands in for a start)."""
    env = Recording({"SITREP_CONFIG": str(ROOT / "config" / "sitrep.toml")})
    assert run.main(["watch", "list"], environ=env, out=io.StringIO()) == 0
    return env.asked


def test_the_code_reads_the_variables_the_deploy_files_rely_on() -> None:
    known = variables_the_code_reads()
    assert {"DATABASE_URL", "PORT", "METRICS_PORT", "SITREP_CONFIG", "SITREP_LOG_FORMAT"} <= known
    assert {"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SITREP_READER_API_KEY"} <= known


def test_compose_runs_the_bot_against_postgresql_16_once_it_is_healthy() -> None:
    services = compose()["services"]
    assert set(services) == {"bot", "db"}
    db, bot = services["db"], services["bot"]
    assert db["image"].startswith("postgres:16")
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert bot["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert bot["build"] == "."
    env = {k: interpolate(str(v)) for k, v in bot["environment"].items()}
    assert set(env) <= variables_the_code_reads(), set(env) - variables_the_code_reads()
    db_env = {k: interpolate(str(v)) for k, v in db["environment"].items()}
    user, password, name = db_env["POSTGRES_USER"], db_env["POSTGRES_PASSWORD"], db_env["POSTGRES_DB"]
    assert env["DATABASE_URL"] == f"postgresql+asyncpg://{user}:{password}@db:5432/{name}"
    # The bot starts on this environment: the mounted config is the repository's.
    (mount,) = bot["volumes"]
    source, target, _ = mount.split(":")
    assert target == env["SITREP_CONFIG"] and (ROOT / source).resolve() == ROOT / "config" / "sitrep.toml"
    settings = load_settings(str(ROOT / "config" / "sitrep.toml"), env)
    assert settings.database_url.startswith("postgresql+asyncpg://")
    assert settings.mode == "demo"  # no tokens: the demo (which leaves PostgreSQL alone)
    assert settings.port == 3000 and settings.metrics_port == 9464
    # Health is checked on METRICS_PORT, which every mode serves, and published on this host only.
    assert f":{settings.metrics_port}/healthz" in " ".join(bot["healthcheck"]["test"])
    assert f"127.0.0.1:{settings.metrics_port}:{settings.metrics_port}" in bot["ports"]
    assert bot["stop_signal"] == "SIGTERM"


def test_compose_takes_slack_tokens_from_an_optional_env_file_whose_example_names_real_variables() -> None:
    bot = compose()["services"]["bot"]
    assert bot["env_file"] == [{"path": ".env", "required": False}]
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    names = {line.split("=", 1)[0] for line in example.splitlines() if line and not line.startswith("#")}
    assert {"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"} <= names
    assert names - {"POSTGRES_PASSWORD"} <= variables_the_code_reads()
    assert all(line.endswith("=") for line in example.splitlines() if line and not line.startswith("#"))


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    logical = re.sub(
        r"\\\n\s*", " ", "\n".join(x for x in text.splitlines() if not x.lstrip().startswith("#"))
    )
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in logical.splitlines()
        if line.strip()
    ]


def test_the_dockerfile_starts_a_real_subcommand_as_a_user_not_root() -> None:
    steps = dockerfile()
    last = {name: args for name, args in steps}  # the final stage's value wins
    froms = [args for name, args in steps if name == "FROM"]
    assert all(f.startswith("python:3.11-slim") for f in froms)
    entrypoint, cmd = json.loads(last["ENTRYPOINT"]), json.loads(last["CMD"])
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert entrypoint == ["sitrep"] and scripts["sitrep"] == "run:main"
    subcommands = next(a.choices for a in run.build_parser()._actions if a.dest == "command")
    assert cmd[0] in subcommands
    assert last["USER"] not in ("root", "0")
    assert "/healthz" in last["HEALTHCHECK"] and "METRICS_PORT" in last["HEALTHCHECK"]
    assert last["STOPSIGNAL"] == "SIGTERM"
    assert any(name == "RUN" and '".[postgres]"' in args for name, args in steps)  # from pyproject


def test_the_image_gets_the_sources_the_package_needs_and_not_the_venv() -> None:
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert {".venv", ".git", ".env", "var"} <= set(ignored)
    copied = " ".join(args for name, args in dockerfile() if name == "COPY" and "--from" not in args)
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    for package in packages["packages"]["find"]["include"]:
        assert package.rstrip("*") in copied
    assert "run.py" in copied and "pyproject.toml" in copied


UNIT = ROOT / "docs" / "deploy" / "sitrep.service"


def unit() -> dict[str, list[str]]:
    entries: dict[str, list[str]] = {}
    for line in UNIT.read_text().splitlines():
        if "=" in line and not line.startswith(("#", ";")):
            key, value = line.split("=", 1)
            entries.setdefault(key.strip(), []).append(value.strip())
    return entries


@pytest.mark.skipif(not UNIT.exists(), reason="no unit file")
def test_the_systemd_unit_restarts_on_failure_stops_with_sigterm_and_is_hardened() -> None:
    u = unit()
    assert u["Restart"] == ["on-failure"] and u["KillSignal"] == ["SIGTERM"]
    assert u["NoNewPrivileges"] == ["yes"] and u["ProtectSystem"] == ["strict"]
    assert u["EnvironmentFile"] and u["ReadWritePaths"] and u["TimeoutStopSec"]
    (exec_start,) = u["ExecStart"]
    assert exec_start.split()[-1] in next(
        a.choices for a in run.build_parser()._actions if a.dest == "command"
    )
    # SIGINT's 130 is not a failure worth a restart, and SIGTERM's 0 is success anyway.
    assert "130" in u["SuccessExitStatus"][0]
