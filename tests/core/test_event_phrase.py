"""The cause phrase the alert headline appends ("… in regime airstrikes")."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.event_phrase import event_phrase


@pytest.mark.parametrize(
    ("title", "phrase"),
    [
        ("Regime airstrikes kill 9 civilians in Syria's Idlib", "regime airstrikes"),
        ("Government air strikes hit Idlib market, killing nine civilians", "government air strikes"),
        ("Shelling near Maarat al-Numan wounds six civilians", "shelling near Maarat al-Numan"),
        ("Sudan: RSF raid on village near El Geneina kills 31", "RSF raid on village near El Geneina"),
        ("Israeli strike kills 12 in Rafah", "Israeli strike"),
        ("Car bomb outside Mogadishu hotel kills six", "car bomb outside Mogadishu hotel"),
        ("Drone strike on Kharkiv apartment block wounds 17", "drone strike on Kharkiv apartment block"),
        ("Floods leave 40,000 homeless in Borno", "floods"),
        ("9 killed in Idlib strike", None),
        ("Biden says strike kills nobody", None),
        ("Truce collapses as airstrike kills five", None),
        ("Police kill suspect after chase", None),
        ("Markets hit record high", None),
        ("Earthquake death toll climbs", None),
        ("", None),
        ("Strike by strike by strike by strike by strike kills two", None),
    ],
)
def test_event_phrase(title: str, phrase: str | None) -> None:
    assert event_phrase(title) == phrase


@given(st.text(max_size=300))
def test_never_raises_and_is_part_of_the_title(title: str) -> None:
    phrase = event_phrase(title)
    if phrase is not None:
        assert phrase.split()[-1] in title
