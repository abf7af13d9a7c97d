"""Incidents are events: the stream failures of issue #15, each as a small case written for the test.

One event from three outlets is one post; two strikes in one city on one day are two; a newsletter
with five events pulls none of them together; a toll that rises 9 → 12 posts one update, and a
source disputing it is shown as such; a re-issued GUID is no new report; an earlier report that
arrives late takes the lead by an edit.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.casualties import extract_casualties
from bot.core.gazetteer import Gazetteer
from bot.core.incidents.model import Incident
from bot.core.incidents.places import PlaceHints
from bot.core.items import FeedItem
from bot.core.matching import Matcher
from bot.core.tiers import Tier
from bot.core.triage import Plan, triage
from bot.core.watchlists import Region, Watchlist

T0 = datetime(2026, 3, 4, 8, 0, tzinfo=UTC)
IDLIB = Watchlist(
    "idlib",
    ("C0IDLIB0001",),
    (Region("Idlib"),),
    ("airstrike", "strike", "shelling", "killed", "wounded", "truce", "aid", "convoy"),
)
NAMES = {"wire": "Levant Wire", "desk": "Frontline Daily", "radio": "Radio North", "gaz": "Gazette"}


def item(
    ident: str, title: str, summary: str, minutes: float, feed: str = "wire", link: str | None = None
) -> FeedItem:
    return FeedItem(
        feed,
        ident,
        title,
        summary,
        link or f"https://{feed}.example/{ident}",
        T0 + timedelta(minutes=minutes),
    )


def run(
    items: list[FeedItem],
    gazetteer: Gazetteer,
    open_: tuple[Incident, ...] = (),
    stories: frozenset[str] = frozenset(),
) -> Plan:
    last = max((i.published for i in items), default=T0)
    return triage(
        items,
        watchlists=[IDLIB],
        matcher=Matcher([IDLIB], gazetteer),
        extract=extract_casualties,
        open_incidents=open_,
        source_names=NAMES,
        now=last + timedelta(minutes=5),
        known_stories=stories,
        places=PlaceHints.from_gazetteer(gazetteer, [IDLIB]),
    )


def posts(plan: Plan) -> list[str]:
    return [e.trigger[1] for e in plan.outbox if e.kind == "post"]


MARKET = [
    item(
        "m1",
        "Air strikes on Idlib market kill 9 civilians",
        "Air strikes hit a vegetable market in Idlib city on Wednesday, killing at least nine civilians "
        "and wounding 20, a war monitor said.",
        0,
    ),
    item(
        "m2",
        "Nine civilians killed as jets strike a market in Idlib",
        "Jets struck a crowded vegetable market in Idlib city, killing nine civilians, medics said.",
        25,
        feed="desk",
    ),
    item(
        "m3",
        "Idlib: market bombing leaves 9 dead, 20 wounded",
        "The bombing of the market in Idlib city left nine dead and 20 wounded, the White Helmets said.",
        40,
        feed="radio",
    ),
]


def test_the_same_event_from_three_outlets_is_one_post(gazetteer: Gazetteer) -> None:
    plan = run(MARKET, gazetteer)
    assert posts(plan) == ["m1"]
    (incident,) = plan.incidents
    assert [s.item_id for s in incident.sources] == ["m1", "m2", "m3"]
    assert [e.kind for e in plan.outbox] == ["post", "edit", "edit"]  # the other outlets join by edits
    assert all(t.tier is Tier.PUSH and t.incident_key == incident.key for t in plan.tiers)


def test_two_strikes_in_one_city_on_one_day_stay_two_incidents(gazetteer: Gazetteer) -> None:
    school = item(
        "s1",
        "Shelling hits a school in Idlib city, killing 3 children",
        "Shells struck a primary school in Idlib city in the afternoon, killing three children.",
        300,
        feed="desk",
    )
    plan = run([*MARKET[:1], school], gazetteer)
    assert posts(plan) == ["m1", "s1"]
    assert len(plan.incidents) == 2


def test_a_newsletter_with_five_events_pulls_none_of_them_together(gazetteer: Gazetteer) -> None:
    newsletter = item(
        "n1",
        "Your Wednesday briefing: Idlib market strike, Sudan talks, a quake in Peru, an election, a storm",
        "Air strikes hit a market in Idlib, killing nine. Talks on Sudan resumed in Jeddah. A quake shook "
        "Peru. Voters went to the polls in Ghana. A storm battered the Philippines.",
        10,
        feed="gaz",
    )
    convoy = item(
        "c1",
        "First aid convoy of the month crosses into Idlib through Bab al-Hawa",
        "Fourteen UN trucks crossed into rebel-held Idlib through the Bab al-Hawa crossing.",
        20,
        feed="desk",
    )
    plan = run([MARKET[0], newsletter, convoy], gazetteer)
    assert posts(plan) == ["m1", "c1"]  # the briefing pings nothing, and joins nothing
    briefing = next(t for t in plan.tiers if t.item_id == "n1")
    assert briefing.tier is Tier.DIGEST and "briefing" in briefing.why
    assert [d.item_id for d in plan.digest] == ["n1"]
    market = next(i for i in plan.incidents if i.lead.item_id == "m1")
    assert [s.item_id for s in market.sources] == ["m1"]


def test_a_toll_that_rises_posts_one_update_and_a_dispute_is_shown_as_such(gazetteer: Gazetteer) -> None:
    first = run(MARKET[:1], gazetteer)
    rise = item(
        "u1",
        "Idlib market strike toll rises to 12",
        "The death toll from Wednesday's air strikes on a vegetable market in Idlib city rose to 12, "
        "with 25 wounded, rescuers said.",
        180,
        feed="desk",
    )
    disputed = item(
        "d1",
        "Damascus disputes toll of Idlib market strike",
        "The government in Damascus disputed the toll of the air strikes on the market in Idlib city, "
        "saying 4 people were killed. Damascus disputes the figures given by rescuers.",
        240,
        feed="radio",
    )
    later = run([rise, disputed], gazetteer, open_=first.incidents)
    replies = [e for e in later.outbox if e.kind == "reply"]
    assert len(replies) == 1 and "9 → 12" in replies[0].message.text
    (incident,) = later.incidents
    assert incident.casualties.killed is not None and incident.casualties.killed.value == 12
    last_edit = [e for e in later.outbox if e.kind == "edit"][-1]
    shown = " ".join(str(b) for b in last_edit.message.blocks)
    assert "Sources differ" in shown and "disputed by Damascus" in shown
    assert last_edit.facts.figures is not None and dict(last_edit.facts.figures)["killed"] == 12


def test_the_same_article_reissued_is_no_new_report(gazetteer: Gazetteer) -> None:
    first = run(MARKET[:1], gazetteer)
    seen = frozenset(story for _, _, story in first.stories)
    reissued = item(
        "m1-again",
        MARKET[0].title,
        MARKET[0].summary,
        30,
        link="https://wire.example/m1?utm_source=rss&utm_medium=feed",
    )
    later = run([reissued], gazetteer, open_=first.incidents, stories=seen)
    assert later.outbox == () and later.incidents == () and later.repeats == 1
    assert [i.id for i in later.seen] == ["m1-again"]  # recorded as seen, nothing else


def test_an_earlier_report_arriving_late_takes_the_lead_by_an_edit(gazetteer: Gazetteer) -> None:
    first = run(MARKET[1:2], gazetteer)  # the 08:25 report was polled first
    assert posts(first) == ["m2"]
    late = run(MARKET[:1], gazetteer, open_=first.incidents)  # the 08:00 report arrives afterwards
    assert [e.kind for e in late.outbox] == ["edit"]
    (incident,) = late.incidents
    assert incident.lead.item_id == "m1" and incident.first_seen == MARKET[0].published
    assert late.outbox[0].facts.links == ("https://wire.example/m1",)


def test_a_round_triages_all_feeds_together_so_the_earliest_leads(gazetteer: Gazetteer) -> None:
    """Two feeds polled in one round: the earlier report leads, whichever feed answered first."""
    plan = run([MARKET[1], MARKET[0]], gazetteer)
    assert posts(plan) == ["m1"]


def test_a_convoy_never_shows_the_quakes_toll(gazetteer: Gazetteer) -> None:
    """'Idlib — 17,000 killed' over the first aid convoy was the whole quake's toll (issue #15)."""
    convoy = item(
        "c9",
        "First UN aid convoy since the quake crosses into Idlib",
        "Fourteen lorries crossed into rebel-held Idlib on Thursday, four days after the earthquake that "
        "killed more than 17,000 people in Turkey and Syria.",
        0,
    )
    plan = run([convoy], gazetteer)
    (incident,) = plan.incidents
    assert incident.casualties.killed is None
    assert "17,000" not in plan.outbox[0].message.text
