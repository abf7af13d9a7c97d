"""The extractor on real text from ../shared: the reference story and the labelled dev set."""

from __future__ import annotations

import io

import pytest

from bot.core.casualties import extract_casualties
from bot.core.figures import Category, Scope
from bot.evaluation import run_eval
from tests.conftest import shared_path

pytestmark = pytest.mark.corpus


def _idlib() -> tuple[str, str]:
    text = shared_path("examples", "idlib-airstrikes.txt").read_text(encoding="utf-8")
    title, _, description = text.strip().partition("\n")
    return title, description


def test_idlib_incident_figures() -> None:
    got = extract_casualties(*_idlib())
    assert got.killed is not None and got.wounded is not None
    assert (got.killed.value, got.killed.qualifier, got.killed.group) == (9, "at least", "civilians")
    assert (got.wounded.value, got.wounded.qualifier) == (20, "at least")


def test_idlib_background_totals() -> None:
    got = extract_casualties(*_idlib())
    background = {(f.category, f.value) for f in got.figures if f.scope is Scope.BACKGROUND}
    assert {(Category.KILLED, 1000), (Category.KILLED, 380_000), (Category.KILLED, 115_000)} <= background


def test_idlib_refugee_and_hypothetical_figures_are_not_the_event() -> None:
    got = extract_casualties(*_idlib())
    assert got.value(Category.DISPLACED) not in (400_000, 3_600_000)
    incident = {
        f.value for f in got.figures if f.scope is Scope.INCIDENT and f.category is Category.DISPLACED
    }
    assert not incident & {400_000, 3_600_000, 20_000}


def test_dev_set_reaches_the_targets() -> None:
    path = shared_path("eval", "casualties-dev.jsonl")
    metrics = run_eval(path, io.StringIO(), misses=False)
    assert metrics["micro_killed_wounded"]["f1"] >= 0.92
    assert metrics["categories"]["displaced"]["f1"] >= 0.85
