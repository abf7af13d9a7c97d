"""An incident's figures: each report's own, and when sources disagree."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.casualties import extract_casualties
from bot.core.figures import Casualties, Category, Headline
from bot.core.incidents.model import Claim
from bot.core.incidents.tolls import disagreement, disputed_by, own_casualties, said_by

T0 = datetime(2026, 3, 4, 8, 0, tzinfo=UTC)


def killed(n: int) -> Casualties:
    return Casualties(killed=Headline(Category.KILLED, n))


def test_a_figure_deep_in_the_description_is_not_the_reports_own() -> None:
    title = "Convoy reaches the north-west"
    summary = "Fourteen trucks crossed on Thursday. " + "The convoy carried tents and food. " * 12
    summary += "The quake killed 17,000 people across the region."
    full = extract_casualties(title, summary)
    assert full.value(Category.KILLED) == 17000  # the extractor sees it …
    assert own_casualties(full, title).value(Category.KILLED) is None  # … the incident does not take it
    near = extract_casualties("Strike on market", "Air strikes killed 9 civilians in the market on Monday.")
    assert own_casualties(near, "Strike on market").value(Category.KILLED) == 9


def test_who_gave_the_figure_and_who_disputes_it() -> None:
    assert said_by(
        "Blast kills 500", "At least 500 died, according to the Health Ministry in Gaza.", None
    ) == ("Health Ministry")
    assert said_by("x", "", "Gaza officials") == "Gaza officials"
    assert (
        disputed_by("Toll questioned", "The army disputes the figures given by the ministry.") == "The army"
    )


def test_sources_that_differ_are_shown_a_rise_from_one_source_is_not() -> None:
    rising = [
        Claim("Wire", T0, killed(9), said_by="rescuers"),
        Claim("Wire", T0 + timedelta(hours=2), killed(12), said_by="rescuers"),
    ]
    assert disagreement(rising) is None
    differ = [
        *rising,
        Claim("Radio", T0 + timedelta(hours=3), killed(4), said_by="Damascus", disputed_by="Damascus"),
    ]
    note = disagreement(differ)
    assert (
        note is not None
        and "12 (rescuers)" in note
        and "4 (Damascus)" in note
        and "disputed by Damascus" in note
    )
