"""Digest schedules, quiet hours and the digest message itself."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.digests.compose import compose_digest
from bot.core.digests.schedule import digest_times_between, is_quiet, next_digest, parse_quiet_hours
from bot.core.figures import Casualties, Category, Headline
from bot.core.incidents.model import Incident, Source
from bot.core.triage import DigestEntry
from bot.core.watchlists import Region, Watchlist
from bot.errors import ConfigError

LONDON = Watchlist(
    "gaza",
    ("C0GAZA00001",),
    (Region("Gaza"),),
    ("strike",),
    digest=("07:00", "19:00"),
    timezone="Europe/London",
)


def test_digest_times_are_local_and_follow_daylight_saving() -> None:
    winter = digest_times_between(
        LONDON, datetime(2023, 1, 10, tzinfo=UTC), datetime(2023, 1, 11, tzinfo=UTC)
    )
    assert [t.hour for t in winter] == [7, 19]  # GMT
    summer = digest_times_between(
        LONDON, datetime(2023, 7, 10, tzinfo=UTC), datetime(2023, 7, 11, tzinfo=UTC)
    )
    assert [t.hour for t in summer] == [6, 18]  # 07:00 and 19:00 BST
    assert next_digest(LONDON, datetime(2023, 7, 10, 18, 30, tzinfo=UTC)) == datetime(
        2023, 7, 11, 6, tzinfo=UTC
    )
    assert next_digest(replace(LONDON, digest=()), datetime(2023, 7, 10, tzinfo=UTC)) is None


def test_quiet_hours_cross_midnight_in_local_time() -> None:
    quiet = replace(LONDON, quiet_hours="22:00-07:00")
    assert is_quiet(quiet, datetime(2023, 1, 10, 23, 30, tzinfo=UTC))
    assert is_quiet(quiet, datetime(2023, 1, 10, 6, 59, tzinfo=UTC))
    assert not is_quiet(quiet, datetime(2023, 1, 10, 7, 0, tzinfo=UTC))
    assert not is_quiet(LONDON, datetime(2023, 1, 10, 23, 30, tzinfo=UTC))
    with pytest.raises(ConfigError, match="range of hours"):
        parse_quiet_hours("late evening")


T0 = datetime(2023, 10, 17, 6, 0, tzinfo=UTC)


def incident(
    key: str, place: str, killed: int | None, qualifier: str | None = None, held: str | None = None
) -> Incident:
    figures = (
        Casualties(killed=Headline(Category.KILLED, killed, qualifier))
        if killed is not None
        else Casualties()
    )
    src = Source("wire", key, "Levant Wire", f"https://wire.example/{key}", T0)
    return Incident(
        key, "gaza", place, f"Strike in {place}", "", figures, (), (src,), frozenset(), T0, T0,
        alerted=held is None, held=held,
    )  # fmt: skip


def entry(n: int, story: str) -> DigestEntry:
    return DigestEntry(
        "gaza", "wire", f"d{n}", f"Statement {n}", f"https://wire.example/d{n}", "Levant Wire",
        T0 + timedelta(minutes=n), "a statement", story,
    )  # fmt: skip


def text(parts: list) -> str:  # type: ignore[type-arg]
    return "\n".join(str(b) for p in parts for b in p.message.blocks)


def test_a_digest_groups_incidents_by_place_with_totals_then_stories() -> None:
    incidents = [
        incident("a", "Khan Younis, Gaza", 71, "at least"),
        incident("b", "Khan Younis, Gaza", 9),
        incident("c", "Rafah, Gaza", None, held="quiet hours (22:00-07:00): held for the digest"),
    ]
    entries = [entry(1, "s1"), entry(2, "s1"), entry(3, "s2")]
    parts = compose_digest(
        LONDON, start=T0, end=T0 + timedelta(hours=12), incidents=incidents, entries=entries
    )
    shown = text(parts)
    assert len(parts) == 1
    assert "*Khan Younis, Gaza* — 2 incidents · at least 80 killed" in shown
    assert "not pinged: quiet hours" in shown
    assert "Statement 1" in shown and "also: <https://wire.example/d2|Levant Wire>" in shown
    assert set(parts[0].links) == {f"https://wire.example/{k}" for k in ("a", "b", "c", "d1", "d2", "d3")}
    assert "3 incidents (2 pinged, 1 held for this digest) · 3 more stories" in shown


def test_a_quiet_period_sends_nothing_and_a_long_one_continues_in_the_thread() -> None:
    assert compose_digest(LONDON, start=T0, end=T0, incidents=[], entries=[]) == []
    many = [entry(n, f"s{n}") for n in range(400)]
    parts = compose_digest(LONDON, start=T0, end=T0 + timedelta(hours=12), incidents=[], entries=many)
    assert len(parts) >= 2 and parts[1].message.text.endswith("(continued)")
    assert all(len(p.message.blocks) <= 10 for p in parts)
    listed = [link for p in parts for link in p.links]
    assert len(listed) == len(set(listed)) == 400  # every item once
