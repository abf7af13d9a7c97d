"""Composing the Block Kit alert, its toll-update reply, JSON round trips and the terminal view."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.alerts import (
    BLOCKS_MAX,
    NOT_RELEVANT_ACTION,
    UNDO_NOT_RELEVANT_ACTION,
    AlertContent,
    AlertSource,
    SlackMessage,
    compose_alert,
    compose_feedback_note,
    compose_mark_receipt,
    compose_update,
    headline,
    message_from_json,
    message_json,
    parse_undo_value,
    render_terminal,
)
from bot.core.figures import Casualties, Category, Headline
from bot.errors import StoreError

NOW = datetime(2026, 11, 25, 14, 30, tzinfo=UTC)
LEAD_TIME = datetime(2026, 11, 25, 14, 3, tzinfo=UTC)
IDLIB_FIGURES = Casualties(
    killed=Headline(Category.KILLED, 9, "at least", "civilians"),
    wounded=Headline(Category.WOUNDED, 20, "at least"),
)
LEAD = AlertSource("Levant Wire", "https://news.example/idlib/strikes?id=7&lang=en", LEAD_TIME)


def _content(**changes: Any) -> AlertContent:
    base = AlertContent(
        watchlist="syria-desk",
        place="Idlib",
        casualties=IDLIB_FIGURES,
        title="Government jets strike market in Idlib city",
        summary="Strikes hit a vegetable market and repair shops despite a truce, a monitor said.",
        terms=("Idlib", "airstrikes", "truce"),
        sources=(LEAD,),
        first_seen=LEAD_TIME,
    )
    return replace(base, **changes)


def _blocks(msg: SlackMessage, kind: str) -> list[dict[str, Any]]:
    return [b for b in msg.blocks if b["type"] == kind]


def _all_text(msg: SlackMessage) -> str:
    return message_json(msg)


def test_headline_with_figures() -> None:
    assert headline(_content()) == "Idlib — at least 9 civilians killed, at least 20 wounded"


def test_headline_names_the_cause_when_the_title_leads_with_it() -> None:
    content = _content(title="Regime airstrikes kill 9 civilians in Idlib city")
    assert headline(content) == (
        "Idlib — at least 9 civilians killed, at least 20 wounded in regime airstrikes"
    )
    assert compose_alert(content, now=NOW).text.startswith(headline(content))


def test_headline_without_figures_or_place() -> None:
    assert (
        headline(_content(casualties=Casualties())) == "Idlib — Government jets strike market in Idlib city"
    )
    assert headline(_content(place=None)) == "Government jets strike market in Idlib city"


def test_alert_blocks() -> None:
    msg = compose_alert(_content(), now=NOW)
    [header] = _blocks(msg, "header")
    assert header["text"] == {
        "type": "plain_text",
        "text": "Idlib — at least 9 civilians killed, at least 20 wounded",
    }
    title_section, fields_section = _blocks(msg, "section")
    assert title_section["text"]["text"] == (
        "*Government jets strike market in Idlib city*\n"
        "Strikes hit a vegetable market and repair shops despite a truce, a monitor said."
    )
    assert fields_section["fields"] == [
        {"type": "mrkdwn", "text": "*Killed*\nat least 9 civilians"},
        {"type": "mrkdwn", "text": "*Wounded*\nat least 20"},
    ]
    terms, sources = (b["elements"][0]["text"] for b in _blocks(msg, "context"))
    assert terms == "Matched: Idlib, airstrikes, truce"
    assert sources == (
        "<https://news.example/idlib/strikes?id=7&lang=en|Levant Wire> · "
        f"<!date^{int(LEAD_TIME.timestamp())}^{{date_short_pretty}} {{time}}|2026-11-25 14:03 UTC>"
    )


def test_fallback_text_has_headline_and_link() -> None:
    msg = compose_alert(_content(), now=NOW)
    assert msg.text.startswith(
        "Idlib — at least 9 civilians killed, at least 20 wounded — <https://news.example/"
    )


def test_displaced_and_missing_fields() -> None:
    figures = Casualties(
        displaced=Headline(Category.DISPLACED, 400_000, "about"),
        missing=Headline(Category.MISSING, 0),
    )
    msg = compose_alert(_content(casualties=figures), now=NOW)
    [_, fields] = _blocks(msg, "section")
    assert [f["text"] for f in fields["fields"]] == ["*Displaced*\nabout 400,000", "*Missing*\nnone"]
    assert _blocks(msg, "header")[0]["text"]["text"] == "Idlib — about 400,000 displaced, no one missing"


def test_no_figures_means_no_fields_section() -> None:
    msg = compose_alert(_content(casualties=Casualties()), now=NOW)
    assert all("fields" not in b for b in msg.blocks)


def test_several_sources_are_counted_and_listed_up_to_five() -> None:
    sources = tuple(
        AlertSource(f"Outlet {i}", f"https://o{i}.example/a", LEAD_TIME + timedelta(minutes=i))
        for i in range(7)
    )
    msg = compose_alert(_content(sources=sources, updated=NOW - timedelta(minutes=10)), now=NOW)
    line = _blocks(msg, "context")[-1]["elements"][0]["text"]
    assert "7 sources: " in line
    assert len(re.findall(r"<https://o\d\.example/a\|Outlet \d>", line)) == 6  # lead + 5 listed
    assert "and 2 more" in line
    assert line.endswith("Updated 14:20 UTC")


def test_updated_on_another_day_shows_the_date() -> None:
    msg = compose_alert(_content(updated=NOW - timedelta(days=1)), now=NOW)
    assert _blocks(msg, "context")[-1]["elements"][0]["text"].endswith("Updated 2026-11-24 14:30 UTC")


def test_source_without_link_is_named_plainly() -> None:
    msg = compose_alert(_content(sources=(replace(LEAD, link=None),)), now=NOW)
    line = _blocks(msg, "context")[-1]["elements"][0]["text"]
    assert line.startswith("Levant Wire · <!date^")
    assert msg.text == "Idlib — at least 9 civilians killed, at least 20 wounded"


def test_muted_reason_is_shown() -> None:
    msg = compose_alert(_content(muted_reason="watchlist muted until 18:00 <!here>"), now=NOW)
    assert (
        _blocks(msg, "context")[-1]["elements"][0]["text"]
        == "Muted: watchlist muted until 18:00 &lt;!here&gt;"
    )


HOSTILE_TITLES = [
    "<!channel> Idlib strikes",
    "Strikes <https://evil.example|BBC> report",
    "&lt;!here&gt; escaped already",
    "@here strikes in Idlib",
    "Id\u200dlib stri\u200bkes \u202eevil",
    "<@U123> and <!subteam^S1|@desk> <#C1>",
]


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_hostile_text_is_inert_everywhere(title: str) -> None:
    content = _content(
        place=None,
        title=title,
        summary=title,
        terms=(title, "<!everyone>"),
        sources=(AlertSource(title, "https://news.example/x|<!channel>", LEAD_TIME),),
    )
    msg = compose_alert(content, now=NOW)
    everything = _all_text(msg)
    for control in ("<!channel>", "<!here", "<!everyone>", "<@U123>", "<!subteam", "<https://evil", "<#C1>"):
        assert control not in everything
    # The only Slack control sequences left are ours: one date token and the source links.
    for block_text in re.findall(r"<([^>]*)>", everything):
        assert block_text.startswith(("!date^", "https://news.example/"))
    for ch in ("\u200d", "\u200b", "\u202e"):
        assert ch not in everything


def test_hostile_terms_in_update_reply_are_inert() -> None:
    reply = compose_update(
        Casualties(),
        _content(),
        AlertSource("<!channel>", "javascript:alert(1)", NOW),
        now=NOW,
    )
    assert reply is not None
    assert "<!channel>" not in _all_text(reply) and "javascript" not in _all_text(reply)


def test_limits_are_respected_by_truncation() -> None:
    huge = "word " * 2000
    content = _content(
        place="P" * 300,
        title=huge,
        summary=huge,
        terms=tuple(f"term{i}" for i in range(2000)),
        sources=tuple(AlertSource("S" * 500, f"https://x.example/{i}", LEAD_TIME) for i in range(100)),
        casualties=replace(IDLIB_FIGURES, killed=Headline(Category.KILLED, 9, "at least", "g" * 5000)),
    )
    msg = compose_alert(content, now=NOW)
    assert len(msg.blocks) <= BLOCKS_MAX
    assert len(_blocks(msg, "header")[0]["text"]["text"]) <= 150
    for block in msg.blocks:
        if "text" in block and block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
        for f in block.get("fields", []):
            assert len(f["text"]) <= 2000
        assert len(block.get("fields", [])) <= 10
        for element in block.get("elements", []):
            assert len(element["text"]) <= 3000
    assert len(msg.text) <= 3000


def test_update_reply_lists_changed_figures() -> None:
    current = _content(
        casualties=Casualties(
            killed=Headline(Category.KILLED, 12, "at least", "civilians"),
            wounded=Headline(Category.WOUNDED, 25),
            displaced=Headline(Category.DISPLACED, 1_500, "more than"),
        )
    )
    source = AlertSource("Second Wire", "https://second.example/a", NOW)
    reply = compose_update(IDLIB_FIGURES, current, source, now=NOW)
    assert reply is not None
    assert reply.text == (
        "Toll update: killed 9 → 12 (at least), wounded 20 → 25, displaced 1,500 (more than) (new)"
        " — <https://second.example/a|Second Wire>"
    )
    assert reply.blocks[0]["text"]["text"].startswith("*Toll update:* killed 9 → 12 (at least)")


def test_update_reply_is_none_when_nothing_changed() -> None:
    source = AlertSource("Second Wire", "https://second.example/a", NOW)
    assert compose_update(IDLIB_FIGURES, _content(), source, now=NOW) is None
    same_values = Casualties(killed=Headline(Category.KILLED, 9), wounded=Headline(Category.WOUNDED, 20))
    assert compose_update(same_values, _content(), source, now=NOW) is None


def test_json_round_trip() -> None:
    msg = compose_alert(_content(), now=NOW)
    raw = message_json(msg)
    assert json.loads(raw)["text"] == msg.text
    assert message_from_json(raw) == msg


@pytest.mark.parametrize("raw", ["not json", "[]", '{"blocks": []}', '{"text": "x", "blocks": [1]}'])
def test_damaged_json_is_a_store_error(raw: str) -> None:
    with pytest.raises(StoreError):
        message_from_json(raw)


def test_terminal_rendering() -> None:
    msg = compose_alert(_content(title="Jets & drones <hit> market"), now=NOW)
    out = render_terminal(msg, width=80)
    lines = out.splitlines()
    assert all(len(line) == 80 for line in lines)
    assert lines[0].startswith("┌") and lines[-1].startswith("└")
    # Long lines wrap inside the box; read the box contents back as one line of text.
    body = " ".join(line[2:-2].strip() for line in lines[1:-1])
    assert "Idlib — at least 9 civilians killed, at least 20 wounded" in body
    assert "Jets & drones <hit> market" in body  # entities decoded for display
    assert "Killed: at least 9 civilians" in body
    assert "Wounded: at least 20" in body
    assert "Matched: Idlib, airstrikes, truce" in body
    assert "Levant Wire (https://news.example/idlib/strikes?id=7&lang=en)" in body
    assert "2026-11-25 14:03 UTC" in body
    assert "&amp;" not in body and "<!date" not in body


def test_terminal_rendering_of_an_update_reply() -> None:
    reply = compose_update(Casualties(), _content(), LEAD, now=NOW)
    assert reply is not None
    assert "Toll update: killed 9 (at least) (new)" in render_terminal(reply)


_text = st.text(max_size=400)


@given(title=_text, summary=_text, place=st.none() | _text, terms=st.lists(_text, max_size=5), name=_text)
def test_composition_never_fails_and_stays_inert(
    title: str, summary: str, place: str | None, terms: list[str], name: str
) -> None:
    content = _content(
        title=title, summary=summary, place=place, terms=tuple(terms), sources=(replace(LEAD, name=name),)
    )
    msg = compose_alert(content, now=NOW)
    assert 1 <= len(msg.blocks) <= BLOCKS_MAX
    for inner in re.findall(r"<([^>]*)>", message_json(msg)):
        assert inner.startswith(("!date^", "https://news.example/"))
    assert message_from_json(message_json(msg)) == msg
    render_terminal(msg)


def test_matched_terms_are_capped_for_reading() -> None:
    terms = tuple(f"term{i}" for i in range(12))
    text = _all_text(compose_alert(_content(terms=terms), now=NOW))
    assert "term7" in text and "term8" not in text and "(+4 more)" in text


def test_source_count_is_outlets_not_reports() -> None:
    other = AlertSource("Global Desk", "https://g.example/a", LEAD_TIME)
    follow_up = AlertSource("Levant Wire", "https://news.example/idlib/update", LEAD_TIME)
    text = _all_text(compose_alert(_content(sources=(LEAD, other, follow_up)), now=NOW))
    assert "2 sources:" in text
    text = _all_text(compose_alert(_content(sources=(LEAD, follow_up)), now=NOW))
    assert "2 reports:" in text


def test_no_figures_does_not_repeat_the_title_under_the_header() -> None:
    msg = compose_alert(_content(casualties=Casualties()), now=NOW)
    assert _blocks(msg, "header")[0]["text"]["text"].endswith("Government jets strike market in Idlib city")
    assert "*Government jets strike" not in _all_text(msg)


# -- desk feedback -------------------------------------------------------------------------------


def test_an_alert_carries_its_not_relevant_button() -> None:
    msg = compose_alert(_content(key="a1b2c3"), now=NOW)
    assert msg.blocks[-1] == {
        "type": "actions",
        "block_id": "feedback",
        "elements": [
            {
                "type": "button",
                "action_id": NOT_RELEVANT_ACTION,
                "text": {"type": "plain_text", "text": "Not relevant"},
                "value": "a1b2c3",
            }
        ],
    }
    assert not _blocks(compose_alert(_content(), now=NOW), "actions")  # a preview has no incident
    assert "Not relevant" not in render_terminal(msg)  # the demo terminal has nothing to press


def test_feedback_notes_mention_the_person_and_stay_inert() -> None:
    note = compose_feedback_note("U0DESK1", "idlib", marked=True, marks=1)
    assert note.text.startswith("<@U0DESK1> marked this alert *not relevant* to idlib.")
    assert "(2 people so far)" in compose_feedback_note("U0DESK1", "idlib", marked=True, marks=2).text
    withdrawn = compose_feedback_note("U0DESK1", "idlib", marked=False, marks=1).text
    assert withdrawn == "<@U0DESK1> withdrew their *not relevant* mark (1 still mark it)."
    hostile = compose_feedback_note("<!channel>", "<!here> idlib", marked=True, marks=1).text
    assert hostile.startswith("Someone marked") and "<!" not in hostile


def test_mark_receipt_offers_undo_with_the_alert_ts() -> None:
    receipt = compose_mark_receipt("a1b2c3", "1700000000.000001", watchlist="idlib", already=False)
    (actions,) = _blocks(receipt, "actions")
    button = actions["elements"][0]
    assert button["action_id"] == UNDO_NOT_RELEVANT_ACTION
    assert parse_undo_value(button["value"]) == ("a1b2c3", "1700000000.000001")
    assert parse_undo_value("a1b2c3") == ("a1b2c3", None)
    again = compose_mark_receipt("a1b2c3", None, watchlist="idlib", already=True)
    assert again.text == "You had already marked this alert not relevant to idlib."


def test_an_uncertain_figure_is_marked_in_the_header_and_its_field() -> None:
    unsure = Headline(Category.WOUNDED, 20, "at least", confidence=0.41, uncertain=True)
    msg = compose_alert(_content(casualties=replace(IDLIB_FIGURES, wounded=unsure)), now=NOW)
    [header] = _blocks(msg, "header")
    assert header["text"]["text"] == "Idlib — at least 9 civilians killed, at least 20 wounded (uncertain)"
    fields = _blocks(msg, "section")[1]["fields"]
    assert fields[0]["text"] == "*Killed*\nat least 9 civilians"
    assert fields[1]["text"] == "*Wounded*\nat least 20\n_uncertain reading: check the source_"
    assert "(uncertain)" in msg.text
