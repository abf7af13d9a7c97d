"""Rehearsing a watchlist over stored items: the real triage, nothing written, mute ignored."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.core.figures import Category
from bot.core.gazetteer import Gazetteer
from bot.core.items import FeedItem
from bot.core.matching import Matcher
from bot.core.rehearsal import describe_rehearsal, rehearse
from bot.core.watchlists import Region, Watchlist

NOW = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
IDLIB = Watchlist("idlib", ("C0IDLIB0001",), (Region("Idlib"),), ("air raids", "killed", "truce"))


def item(n: int, title: str, summary: str = "", hours_ago: float = 1) -> FeedItem:
    return FeedItem(
        "wire", f"w{n}", title, summary, f"https://wire.example/{n}", NOW - timedelta(hours=hours_ago)
    )


ITEMS = [
    item(1, "Air raids kill 9 civilians in Idlib market", "Jets struck Idlib city; 20 wounded.", 30),
    item(2, "Toll from Idlib market air raids rises to 12 killed", "Rescuers in Idlib city said.", 20),
    item(3, "Saraqib shelled as truce frays", "Two people were killed in Saraqib.", 8),
    item(4, "Central bank holds rates", "Unrelated.", 5),
]


def test_one_alert_per_incident_with_the_latest_figures(gazetteer: Gazetteer) -> None:
    result = rehearse(
        ITEMS, IDLIB, Matcher((IDLIB,), gazetteer), since=NOW - timedelta(days=7), now=NOW, source_names={}
    )
    assert (result.scanned, result.matched, len(result.alerts), result.held) == (4, 3, 2, ())
    market = next(i for i in result.alerts if "market" in i.title.lower())
    assert market.casualties.value(Category.KILLED) == 12
    assert result.alerts[0].updated >= result.alerts[1].updated  # newest first


def test_thresholds_hold_back_and_the_mute_is_ignored(gazetteer: Gazetteer) -> None:
    strict = replace(IDLIB, min_killed=10, muted=True)
    result = rehearse(
        ITEMS, strict, Matcher((strict,), gazetteer), since=NOW - timedelta(days=7), now=NOW, source_names={}
    )
    assert [i.place for i in result.alerts] and len(result.held) == 1
    text = describe_rehearsal(result, now=NOW)
    assert "*1 alert* would have been posted, 1 held back by the thresholds" in text
    assert "this test ignores the mute" in text


def test_nothing_stored_says_so_and_hostile_text_is_escaped(gazetteer: Gazetteer) -> None:
    hostile = [item(9, "<!channel> Air raids on Idlib kill 5", "Idlib city <https://evil.example|BBC>")]
    result = rehearse(
        hostile, IDLIB, Matcher((IDLIB,), gazetteer), since=NOW - timedelta(days=1), now=NOW, source_names={}
    )
    text = describe_rehearsal(result, now=NOW)
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    empty = rehearse([], IDLIB, Matcher((IDLIB,), gazetteer), since=NOW, now=NOW, source_names={})
    assert "Nothing was stored in that period" in describe_rehearsal(empty, now=NOW)
