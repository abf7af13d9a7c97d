"""SITREP_GAZETTEER_MIN_POPULATION: which geonames cut-off the gazetteer is built from."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.adapters.gazetteer_cache import cache_key
from bot.errors import ConfigError
from bot.geo import CITY_MIN_POPULATION, MIN_POPULATION_ENV, population_cutoff


def test_the_default_is_every_place_of_500_people() -> None:
    assert population_cutoff({}) == CITY_MIN_POPULATION == 500
    assert population_cutoff({MIN_POPULATION_ENV: " "}) == 500


@pytest.mark.parametrize(("raw", "value"), [("5000", 5000), ("1,000", 1000), ("15_000", 15000)])
def test_a_geonames_cut_off_is_taken(raw: str, value: int) -> None:
    assert population_cutoff({MIN_POPULATION_ENV: raw}) == value


@pytest.mark.parametrize("raw", ["2000", "lots", "-500", "0"])
def test_another_value_is_a_config_error_naming_the_variable(raw: str) -> None:
    with pytest.raises(ConfigError, match=f"{MIN_POPULATION_ENV}.*500, 1000, 5000, 15000"):
        population_cutoff({MIN_POPULATION_ENV: raw})


def test_the_cut_off_is_part_of_the_cache_key(tmp_path: Path) -> None:
    data = tmp_path / "data.json"
    data.write_text("{}", encoding="utf-8")
    keys = {cache_key([data], (), (f"min_population={n}",)) for n in (500, 5000)}
    assert len(keys) == 2
    assert cache_key([data], ()) != cache_key([data], (), ("min_population=500",))
