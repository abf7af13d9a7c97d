"""Reading headlines: what form an item has and what event its main clause reports (all written for
the test, in the shapes wire headlines take)."""

from __future__ import annotations

import pytest

from bot.core.headline import EventKind, Form, read_headline
from bot.core.headline.reading import main_clause


@pytest.mark.parametrize(
    "title",
    [
        "Air strikes on a market in Idlib kill 9 civilians",
        "Gunfire and explosions erupt across the capital as rival forces clash",
        "Hospital officials say 40 killed in shelling of Kherson",  # attributed: the report is the count
        "At least 56 civilians killed in clashes, doctors union says",  # source named last
        "More than 180 people killed in the fighting: UN envoy",
        "WATCH: Hundreds confirmed dead after blast at a hospital",
        "‘Bodies everywhere’ as air raids hit homes in Khan Younis",  # a quote as colour, then the news
        "Kyiv accuses Moscow of blowing up a dam on the Dnipro",
        "First aid convoy crosses into the north-west through Bab al-Hawa",
        "Truce takes effect in the enclave after weeks of talks",
        "Death toll from the earthquake rises to 5,000",
        "Violence enters third day as civilian death toll rises to 97",  # the toll in the background clause
    ],
)
def test_event_reports(title: str) -> None:
    reading = read_headline(title)
    assert reading.form is Form.REPORT
    assert reading.reports_event or reading.background_casualties, reading


@pytest.mark.parametrize(
    ("title", "form"),
    [
        ("Why has violence erupted in the capital?", Form.QUESTION),
        ("What we know about the hospital blast", Form.EXPLAINER),
        ("How the war tests international law", Form.EXPLAINER),
        ("Analysis: fighting erupts after months of tension", Form.ANALYSIS),
        ("Your Monday Briefing: fighting in the capital", Form.ROUNDUP),
        ("War in the region: list of key events, day 11", Form.ROUNDUP),
    ],
)
def test_forms_that_never_report_an_event(title: str, form: Form) -> None:
    reading = read_headline(title)
    assert reading.form is form and not reading.reports_event


@pytest.mark.parametrize(
    "title",
    [
        "Foreign minister warns of wider war as strikes continue",
        "World powers condemn escalation as clashes spread",
        "Leaders meet to discuss aid for the enclave",
        "President will travel to the region on Wednesday",
        "Minister: an occupation of the strip would be a big mistake",
        "Attacks on civilian infrastructure are against the law, says the council president",
        "Crisis talks under way to halt the violence",
    ],
)
def test_statements_reactions_and_diplomacy_are_not_reports(title: str) -> None:
    reading = read_headline(title)
    assert reading.statement and not reading.reports_event


@pytest.mark.parametrize(
    "title",
    [
        "Army could launch a ground invasion within days",
        "Residents fear an offensive on the city",
        "Video shows what the army says are strikes on targets",
        "Surveillance video from last year shows explosions at the dam",
        "One family's attempt to flee the north",
        "Internal blast probably breached the dam, experts say",
    ],
)
def test_plans_fears_and_pictures_are_not_reports(title: str) -> None:
    assert not read_headline(title).reports_event


def test_a_reaction_keeps_the_casualties_of_its_background_clause() -> None:
    reading = read_headline("Summit cancelled after hundreds killed in hospital blast")
    assert reading.statement and reading.background_casualties and not reading.reports_event


def test_the_main_clause_and_its_kind() -> None:
    reading = read_headline("Sudan: Fighting erupts in Khartoum as army and paramilitary force clash")
    assert reading.kind is EventKind.FIGHTING
    assert main_clause("Sudan: Fighting erupts in Khartoum as army and paramilitary force clash") == (
        "Fighting erupts in Khartoum"
    )
    assert read_headline("Blast kills at least 500 at hospital; sides trade blame").kind is EventKind.BLAST
    assert read_headline("Israel bombs homes in the south, kills more than 70").casualties


@pytest.mark.parametrize(
    "title",
    [
        "Dam breach gives Russia a new weapon in the war",
        "Deadly strike on a hospital leads to angry clashes elsewhere",
        "The president's dam attack is a dangerous escalation",
        "Dam destruction a threat to the counteroffensive",
    ],
)
def test_commentary_on_an_event_is_not_its_report(title: str) -> None:
    reading = read_headline(title)
    assert reading.statement and not reading.reports_event


def test_numbered_lists_are_explainers() -> None:
    assert read_headline("Five environmental impacts of the dam collapse").form is Form.EXPLAINER
