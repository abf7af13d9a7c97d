"""Shared test configuration: hypothesis profiles and paths to the read-only shared material."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from bot.core.gazetteer import Gazetteer
from bot.geo import load_gazetteer

settings.register_profile("ci", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("fuzz", max_examples=20_000, deadline=None, suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

pytest_plugins = ["tests.fakes.feed_server", "tests.fakes.slack_api", "tests.fakes.reader_api"]

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every hypothesis test is a fuzz test: `make fuzz` reruns them with the "fuzz" profile."""
    for item in items:
        if getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
            item.add_marker(pytest.mark.fuzz)


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    """The packaged gazetteer, built once for the whole run: it takes seconds and is immutable."""
    return load_gazetteer()


@pytest.fixture(scope="session")
def world(gazetteer: Gazetteer) -> Gazetteer:
    return gazetteer


def shared_path(*parts: str) -> Path:
    """A file under ../shared, or skip the test cleanly when it is not there."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared material not available: {path}")
    return path


def _database_params() -> list[object]:
    params: list[object] = ["sqlite"]
    if os.environ.get("TEST_DATABASE_URL"):
        params.append(pytest.param("postgres", marks=pytest.mark.postgres))
    return params


async def _reset_postgres(url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


@pytest.fixture(params=_database_params())
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database: SQLite always, PostgreSQL too when TEST_DATABASE_URL is set."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/sitrep.db"
    url = os.environ["TEST_DATABASE_URL"]
    await _reset_postgres(url)
    return url
