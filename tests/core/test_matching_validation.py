"""Watchlist validation and construction from plain dicts (what TOML and the DB hand us)."""

from __future__ import annotations

import pytest

from bot.core.gazetteer import Gazetteer, PlaceKind, PlaceRecord
from bot.core.watchlist_validation import parse_watchlist, validate_watchlist, watchlist_from_dict
from bot.core.watchlists import Region, Rule, Watchlist
from bot.errors import ConfigError

GOOD = {
    "name": "idlib",
    "channel": "C0123456789",
    "regions": ["Idlib", {"name": "Aleppo", "aliases": ["Halab"]}],
    "keywords": ["airstrike", "killed"],
    "exclude": ["football"],
    "min_killed": 3,
}


def test_good_dict_builds_a_watchlist() -> None:
    wl = watchlist_from_dict(GOOD)
    assert wl == Watchlist(
        name="idlib",
        channels=("C0123456789",),
        regions=(Region("Idlib"), Region("Aleppo", ("Halab",))),
        keywords=("airstrike", "killed"),
        exclude=("football",),
        rule=Rule.REGION_AND_KEYWORD,
        min_killed=3,
    )


def test_channel_and_channels_merge() -> None:
    wl = watchlist_from_dict({**GOOD, "channels": ["C0123456780", "C0123456789"]})
    assert wl.channels == ("C0123456789", "C0123456780")


def _fields(raw: dict[str, object]) -> dict[str, str]:
    wl, errors = parse_watchlist(raw)
    assert wl is None
    out: dict[str, str] = {}
    for field, message in errors:
        out[field] = f"{out.get(field, '')} {message}".strip()
    return out


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        ({"name": "Idlib Desk"}, "name", "lower-case"),
        ({"channel": "general"}, "channels[0]", "Slack channel ID"),
        ({"rule": "sometimes"}, "rule", "region_and_keyword"),
        ({"keywords": "airstrike"}, "keywords", "list of strings"),
        ({"keywords": ["airstrike", "!!"]}, "keywords[1]", "can never match"),
        ({"keywords": ["airstrike", "AIRSTRIKE"]}, "keywords[1]", "twice"),
        ({"exclude": ["killed"]}, "exclude", "both a keyword and an exclusion"),
        ({"min_killed": "three"}, "min_killed", "whole number"),
        ({"min_killed": -1}, "min_killed", "0 or more"),
        ({"muted": "yes"}, "muted", "true or false"),
        ({"muted_until": "tomorrow"}, "muted_until", "ISO 8601"),
        ({"muted_until": "2023-10-07T18:00:00"}, "muted_until", "timezone"),
        ({"regions": [{"aliases": ["x"]}]}, "regions[0]", "'name'"),
        ({"regions": [{"name": "Idlib", "alias": ["x"]}]}, "regions[0].alias", "unknown field"),
        ({"regions": ["Idlib", "idlib"]}, "regions[1].name", "twice"),
        ({"colour": "red"}, "colour", "unknown field"),
    ],
)
def test_field_level_errors(change: dict[str, object], field: str, fragment: str) -> None:
    errors = _fields({**GOOD, **change})
    assert field in errors, errors
    assert fragment in errors[field]


def test_rule_needs_its_parts() -> None:
    assert "regions" in _fields({**GOOD, "regions": []})
    assert "keywords" in _fields({**GOOD, "keywords": [], "exclude": []})
    wl = watchlist_from_dict({**GOOD, "keywords": [], "exclude": [], "rule": "region"})
    assert wl.rule is Rule.REGION


def test_missing_name_and_channel() -> None:
    errors = _fields({"regions": ["Idlib"], "rule": "region"})
    assert "name" in errors


def test_from_dict_raises_with_every_problem() -> None:
    with pytest.raises(ConfigError) as info:
        watchlist_from_dict({**GOOD, "channel": "general", "rule": "nope"})
    message = str(info.value)
    assert message.startswith("watchlist idlib:")
    assert "channels[0]" in message and "rule" in message


def test_unknown_region_is_reported_with_a_gazetteer() -> None:
    g = Gazetteer.build([PlaceRecord("SY-ID", "Idlib", PlaceKind.SUBDIVISION, "SY", primary=("Idlib",))])
    wl = Watchlist("w", ("C0123456789",), regions=(Region("Idlbi"),), rule=Rule.REGION)
    assert validate_watchlist(wl, g) == [
        ("regions[0].name", "'Idlbi' is not a place the gazetteer knows; check the spelling")
    ]
    assert (
        validate_watchlist(Watchlist("w", ("C0123456789",), regions=(Region("Idlib"),), rule=Rule.REGION), g)
        == []
    )
