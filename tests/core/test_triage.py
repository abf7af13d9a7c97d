"""Triage, pure: new items + open incidents → incidents and the Slack messages they call for."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.core.casualties import extract_casualties
from bot.core.gazetteer import Gazetteer
from bot.core.items import FeedItem
from bot.core.matching import Matcher
from bot.core.triage import Plan, display_terms, triage
from bot.core.watchlists import Region, Watchlist

NOW = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)
T0 = NOW - timedelta(hours=10)
IDLIB = Watchlist(
    "idlib", ("C0IDLIB0001", "C0DESK00002"), (Region("Idlib"),), ("airstrike", "strike", "truce")
)


def item(ident: str, title: str, summary: str, hours: float, feed: str = "wire") -> FeedItem:
    return FeedItem(
        feed, ident, title, summary, f"https://{feed}.example/{ident}", T0 + timedelta(hours=hours)
    )


FIRST = item(
    "1",
    "Air strikes kill 9 civilians in Idlib market",
    "Air strikes hit a market in Idlib city, killing at least nine civilians and wounding 20, "
    "despite a truce.",
    0,
)
SECOND = item(
    "2",
    "Nine dead as jets strike Idlib market despite truce",
    "Jets struck a busy market in Idlib city, killing nine civilians and wounding 20, medics said.",
    1,
    feed="desk",
)
UPDATE = item(
    "3",
    "Death toll from Idlib market air strikes rises to 12",
    "The toll from Tuesday's strikes on a market in Idlib city rose to 12 dead, with 25 wounded.",
    7,
)
SARAQIB = item(
    "4",
    "Strike on Saraqib farmland kills two farmers",
    "A strike hit fields near Saraqib in Idlib province, killing two farmers.",
    2,
)
UNRELATED = item("5", "Central bank holds rates", "Borrowing costs were left unchanged.", 0)


def run(items: list[FeedItem], gazetteer: Gazetteer, watchlist: Watchlist = IDLIB, open_=()) -> Plan:  # type: ignore[no-untyped-def]
    return triage(
        items,
        watchlists=[watchlist],
        matcher=Matcher([watchlist], gazetteer),
        extract=extract_casualties,
        open_incidents=open_,
        source_names={"wire": "Wire", "desk": "Desk"},
        now=NOW,
    )


def test_new_incident_posts_once_per_channel(gazetteer: Gazetteer) -> None:
    plan = run([FIRST, UNRELATED], gazetteer)
    assert [i.id for i in plan.seen] == ["1", "5"]
    (incident,) = plan.incidents
    assert (
        incident.alerted and incident.casualties.killed is not None and incident.casualties.killed.value == 9
    )
    assert [(e.kind, e.channel) for e in plan.outbox] == [("post", "C0IDLIB0001"), ("post", "C0DESK00002")]
    assert "at least 9 civilians killed" in plan.outbox[0].message.text
    assert plan.outbox[0].trigger == ("wire", "1")


def test_second_outlet_joins_and_edits_toll_update_replies(gazetteer: Gazetteer) -> None:
    first = run([FIRST], gazetteer)
    later = run([SECOND, UPDATE], gazetteer, open_=first.incidents)
    assert len(later.incidents) == 1 and later.incidents[0].key == first.incidents[0].key
    kinds = [(e.kind, e.trigger[1]) for e in later.outbox if e.channel == "C0IDLIB0001"]
    assert kinds == [("edit", "2"), ("reply", "3"), ("edit", "3")]
    reply = next(e for e in later.outbox if e.kind == "reply")
    assert "9 → 12" in reply.message.text or "12" in reply.message.text
    assert (
        later.incidents[0].casualties.killed is not None and later.incidents[0].casualties.killed.value == 12
    )


def test_a_different_strike_the_same_day_is_its_own_incident(gazetteer: Gazetteer) -> None:
    plan = run([FIRST, SARAQIB], gazetteer)
    assert len(plan.incidents) == 2
    assert len([e for e in plan.outbox if e.kind == "post"]) == 4


def test_muted_watchlist_records_but_does_not_post(gazetteer: Gazetteer) -> None:
    plan = run([FIRST], gazetteer, replace(IDLIB, muted=True))
    assert len(plan.incidents) == 1 and not plan.incidents[0].alerted and plan.outbox == ()


def test_threshold_posts_when_a_later_toll_reaches_it(gazetteer: Gazetteer) -> None:
    strict = replace(IDLIB, min_killed=10)
    first = run([FIRST], gazetteer, strict)
    assert first.outbox == ()
    later = run([UPDATE], gazetteer, strict, open_=first.incidents)
    assert [e.kind for e in later.outbox] == ["post", "post"]


def test_alert_names_the_town_inside_the_region(gazetteer: Gazetteer) -> None:
    """A desk reads where it happened in the header, not only which watch matched."""
    (incident,) = run([SARAQIB], gazetteer).incidents
    assert incident.place == "Saraqib, Idlib"
    assert run([SARAQIB], gazetteer).outbox[0].message.text.startswith("Saraqib, Idlib — 2 ")
    (city,) = run([FIRST], gazetteer).incidents
    assert city.place == "Idlib"  # Idlib city is the region's own name, not a town inside it


def test_display_terms_name_each_watch_term_once(gazetteer: Gazetteer) -> None:
    watch = replace(IDLIB, keywords=("airstrike", "air strike", "strike"))
    (match,) = Matcher([watch], gazetteer).match(SARAQIB.title, SARAQIB.summary)
    terms = display_terms(match)
    assert terms[0] == "strike" and "Idlib (Saraqib)" in terms
    assert len(terms) == len(set(terms))


def test_an_incident_does_not_snowball_through_chains_of_reports(gazetteer: Gazetteer) -> None:
    """Each report is compared with the lead report, and only within the window of the first one."""
    chain = [
        item(
            str(n),
            f"Strike on Idlib {a} and {b} kills {n}",
            f"Shells hit the {a} and the {b} in Idlib city.",
            n,
        )
        for n, (a, b) in enumerate(
            [("bakery", "school"), ("school", "clinic"), ("clinic", "mosque"), ("mosque", "depot")], start=1
        )
    ]
    plan = run(chain, gazetteer)
    assert len(plan.incidents) >= 2
