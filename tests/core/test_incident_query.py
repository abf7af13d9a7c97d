"""/incidents core: argument parsing, text matching, the reply's blocks and the "More" button."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.alerts import SlackMessage
from bot.core.command_args import MAX_CHARS
from bot.core.figures import Casualties, Category, Headline
from bot.core.incident_query import (
    BUTTON_VALUE_MAX,
    MORE_ACTION,
    PAGE_SIZE,
    USAGE,
    Cursor,
    IncidentQuery,
    Page,
    decode_more,
    encode_more,
    error_text,
    format_results,
    matches_text,
    parse_query,
)
from bot.core.incidents import Incident, Source
from bot.errors import CommandError

NOW = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
WATCHLISTS = ("idlib", "Gaza")


def incident(
    n: int,
    *,
    place: str | None = "Idlib",
    title: str = "Air raids kill 9 civilians in Idlib market",
    killed: int | None = 9,
    wounded: int | None = 20,
    sources: int = 1,
    link: str = "https://levantwire.example/a",
) -> Incident:
    return Incident(
        key=f"inc{n:03d}",
        watchlist="idlib",
        place=place,
        title=title,
        summary="",
        casualties=Casualties(
            killed=None if killed is None else Headline(Category.KILLED, killed, "at least", "civilians"),
            wounded=None if wounded is None else Headline(Category.WOUNDED, wounded),
        ),
        terms=("Idlib", "air raid"),
        sources=tuple(
            Source("wire", f"g{n}-{i}", f"Outlet {i}", link, NOW - timedelta(hours=1)) for i in range(sources)
        ),
        tokens=frozenset(),
        first_seen=NOW - timedelta(hours=2),
        updated=NOW - timedelta(minutes=n),
    )


def texts(msg: SlackMessage) -> str:
    out: list[str] = [msg.text]
    for b in msg.blocks:
        if "text" in b:
            out.append(b["text"]["text"])
        for e in b.get("elements", []):
            out.append(e["text"] if isinstance(e.get("text"), str) else e.get("text", {}).get("text", ""))
    return "\n".join(out)


def button(msg: SlackMessage) -> dict[str, Any] | None:
    for b in msg.blocks:
        if b["type"] == "actions":
            element: dict[str, Any] = b["elements"][0]
            return element
    return None


# -- parsing -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", IncidentQuery(since=NOW - timedelta(hours=24))),
        ("Idlib", IncidentQuery(since=NOW - timedelta(hours=24), terms=("Idlib",))),
        (
            '"Maarat al-Numan" airstrike since: 7d',
            IncidentQuery(since=NOW - timedelta(days=7), terms=("Maarat al-Numan", "airstrike")),
        ),
        ("since: 90m", IncidentQuery(since=NOW - timedelta(minutes=90))),
        ("since: 2w", IncidentQuery(since=NOW - timedelta(weeks=2))),
        ("since: 2023-10-07", IncidentQuery(since=datetime(2023, 10, 7, tzinfo=UTC))),
        ("since: 2026-11-25 06:30", IncidentQuery(since=datetime(2026, 11, 25, 6, 30, tzinfo=UTC))),
        ("min: 5 killed", IncidentQuery(since=NOW - timedelta(hours=24), min_killed=5)),
        ("min: 5", IncidentQuery(since=NOW - timedelta(hours=24), min_killed=5)),
        ("min: 10 wounded", IncidentQuery(since=NOW - timedelta(hours=24), min_wounded=10)),
        (
            "min: 1,000 dead, 10 injured",
            IncidentQuery(since=NOW - timedelta(hours=24), min_killed=1000, min_wounded=10),
        ),
        ("watch: IDLIB", IncidentQuery(since=NOW - timedelta(hours=24), watchlist="idlib")),
        ("Saraqib share", IncidentQuery(since=NOW - timedelta(hours=24), terms=("Saraqib",), share=True)),
        ("since: 7d SHARE", IncidentQuery(since=NOW - timedelta(days=7), share=True)),
        (
            "Saraqib since: 24h min: 5 killed watch: idlib",
            IncidentQuery(
                since=NOW - timedelta(hours=24), terms=("Saraqib",), min_killed=5, watchlist="idlib"
            ),
        ),
    ],
)
def test_parse_query(text: str, expected: IncidentQuery) -> None:
    assert parse_query(text, now=NOW, watchlists=WATCHLISTS) == expected


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("since: yesterday", "`since: yesterday`"),
        ("since: 7y", "unknown unit “y”"),
        ("since: 0h", "longer than zero"),
        ("since: 9999999d", "years back"),
        ("since: 2030-01-01", "in the future"),
        ("since: 2023-02-30", "not a real date"),
        ("min: lots", "`min: lots`"),
        ("min: 5 goats", "“goats” is not killed or wounded"),
        ("min: 5 killed, 6 dead", "killed is given twice"),
        ("watch: nowhere", "no such watchlist (watchlists: Gaza, idlib)"),
        ("until: 7d", "unknown option `until:`"),
        ("since:", "`since:` needs a value"),
        ("— since: 7d", "has no letters or digits"),
        ("x " * 300, f"at most {MAX_CHARS}"),
    ],
)
def test_bad_parts_are_named(text: str, names: str) -> None:
    with pytest.raises(CommandError) as info:
        parse_query(text, now=NOW, watchlists=WATCHLISTS)
    assert names in str(info.value)
    reply = error_text(info.value)
    assert reply.endswith(USAGE) and "Traceback" not in reply


def test_error_text_escapes_the_users_input() -> None:
    with pytest.raises(CommandError) as info:
        parse_query("watch: <!channel>", now=NOW, watchlists=WATCHLISTS)
    assert "&lt;!channel&gt;" in error_text(info.value) and "<!channel>" not in error_text(info.value)


def test_watch_is_taken_as_given_when_no_names_are_known() -> None:
    assert parse_query("watch: Anything", now=NOW).watchlist == "Anything"


# -- matching ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("terms", "expected"),
    [
        (("idlib",), True),
        (("IDLIB", "market"), True),
        (("saraqib",), False),
        (("idlib", "saraqib"), False),
        (("al numan",), True),
        (("AL-NU'MAN",), True),
        (("air raid",), True),
        ((), True),
    ],
)
def test_matches_text(terms: tuple[str, ...], expected: bool) -> None:
    assert (
        matches_text(
            terms, place="Maʿarrat al-Nuʿman", title="Idlib market hit", incident_terms=("Idlib", "air raid")
        )
        is expected
    )


# -- formatting ----------------------------------------------------------------------------------


def test_one_line_per_incident_newest_first() -> None:
    query = parse_query("Idlib", now=NOW)
    rows = [incident(5, sources=3), incident(1, place="Saraqib", killed=None, wounded=4)]
    msg = format_results(rows, query, Page(0, 2), now=NOW)
    sections = [b["text"]["text"] for b in msg.blocks if b["type"] == "section"]
    assert sections[0].startswith("*Saraqib* — 4 wounded\n")
    assert sections[1] == (
        "*Idlib* — at least 9 civilians killed, 20 wounded\n"
        "Air raids kill 9 civilians in Idlib market\n"
        "<https://levantwire.example/a|Outlet 0> · "
        "<!date^1795614900^{date_short_pretty} {time}|2026-11-25 13:55 UTC> · 3 sources · watchlist idlib"
    )
    assert msg.text == "2 incidents matching “Idlib” since 2026-11-24 14:00 UTC"
    assert button(msg) is None


def test_no_place_no_figures_and_a_single_source() -> None:
    msg = format_results(
        [incident(1, place=None, killed=None, wounded=None)], parse_query("", now=NOW), Page(0, 1), now=NOW
    )
    line = msg.blocks[1]["text"]["text"]
    assert line.startswith("*Place unknown*\n") and "1 source ·" in line
    assert msg.text == "1 incident since 2026-11-24 14:00 UTC"


def test_hostile_text_is_escaped() -> None:
    evil = incident(
        1,
        place="<!here>",
        title="<!channel> <https://evil.example|BBC> & friends",
        link="javascript:alert(1)",
    )
    query = parse_query("<@U123>", now=NOW)
    msg = format_results([evil], query, Page(0, 1), now=NOW)
    everything = texts(msg)
    for raw in ("<!channel>", "<!here>", "<@U123>", "<https://evil", "javascript:"):
        assert raw not in everything
    assert "&lt;!channel&gt; &lt;https://evil.example|BBC&gt; &amp; friends" in everything
    assert "“&lt;@U123&gt;”" in msg.text


def test_empty_result_says_what_was_searched() -> None:
    query = parse_query(
        "Saraqib since: 2026-11-24 14:00 min: 5 killed watch: idlib", now=NOW, watchlists=WATCHLISTS
    )
    msg = format_results([], query, Page(0, 0), now=NOW)
    assert msg.text == (
        "No incidents matching “Saraqib” since 2026-11-24 14:00 UTC"
        " with at least 5 killed in watchlist idlib."
    )
    both = parse_query("a b min: 5, 10 wounded", now=NOW)
    assert format_results([], both, Page(0, 0), now=NOW).text == (
        "No incidents matching “a” and “b” since 2026-11-24 14:00 UTC"
        " with at least 5 killed and at least 10 wounded."
    )


def test_more_button_carries_the_query_and_the_cursor() -> None:
    query = parse_query("Idlib since: 7d min: 5 watch: idlib share", now=NOW, watchlists=WATCHLISTS)
    page = [incident(n) for n in range(PAGE_SIZE)]
    cursor = Cursor(NOW - timedelta(hours=3, microseconds=7), "k-last")
    msg = format_results(page, query, Page(10, 25, next=cursor), now=NOW)
    more = button(msg)
    assert more is not None and more["action_id"] == MORE_ACTION
    assert more["text"]["text"] == "More (5 left)"
    assert "11–20, newest first" in msg.text
    request = decode_more(more["value"])
    assert request.offset == 20 and request.query == query and request.after == cursor
    last = format_results(page[:5], query, Page(20, 25), now=NOW)
    assert button(last) is None


def test_a_count_that_stopped_early_says_more_than() -> None:
    query = parse_query("Idlib", now=NOW)
    page = [incident(n) for n in range(PAGE_SIZE)]
    msg = format_results(page, query, Page(0, 500, more_than=True, next=Cursor(NOW, "k")), now=NOW)
    assert msg.text.startswith("More than 500 incidents matching “Idlib”") and "1–10" in msg.text
    assert button(msg)["text"]["text"] == "More (more than 490 left)"  # type: ignore[index]


def test_a_more_button_from_before_cursors_still_reads() -> None:
    """Buttons already posted in Slack carried an offset (version 1); they page on from there."""
    value = '{"v":1,"s":1795000000,"o":10,"t":["idlib"],"k":5,"l":"idlib"}'
    request = decode_more(value)
    assert request.offset == 10 and request.after is None
    assert request.query.terms == ("idlib",) and request.query.min_killed == 5


def test_page_is_capped_and_sorted() -> None:
    rows = [incident(n) for n in range(15)]
    msg = format_results(rows, parse_query("", now=NOW), Page(0, 15), now=NOW)
    assert sum(b["type"] == "section" for b in msg.blocks) == PAGE_SIZE


@pytest.mark.parametrize(
    "value",
    [
        "",
        "nope",
        "[]",
        '{"v":2,"s":0,"o":0}',
        '{"v":2,"s":0,"n":0,"a":1.5,"c":"k"}',
        '{"v":2,"s":0,"n":0,"a":1,"c":null}',
        '{"v":3,"s":0,"n":0,"a":1,"c":"k"}',
        '{"v":1,"s":"x","o":0}',
        '{"v":1,"s":0,"o":-1}',
        '{"v":1,"s":0,"o":0,"t":[1]}',
        '{"v":1,"s":0,"o":0,"k":true}',
        '{"v":1,"s":1e300,"o":0}',
        '{"v":1,"s":99999999999999999,"o":0}',
        "x" * 3000,
    ],
)
def test_tampered_more_values_are_refused(value: str) -> None:
    with pytest.raises(CommandError, match="no longer valid"):
        decode_more(value)


@given(st.lists(st.text(alphabet='\\"“<>&é \u200b' + "abc", min_size=1, max_size=100), max_size=8))
def test_more_value_stays_under_slacks_limit(words: list[str]) -> None:
    text = " ".join(f"“{w}”" for w in words) + " since: 7d min: 5 killed, 10 wounded watch: idlib share"
    try:
        query = parse_query(text, now=NOW, watchlists=WATCHLISTS)
    except CommandError:
        return
    value = encode_more(query, 990, Cursor(NOW, "k" * 64))
    assert len(value) <= BUTTON_VALUE_MAX
    assert decode_more(value).query == query


def test_worst_case_value_fits() -> None:
    query = IncidentQuery(since=NOW, terms=tuple(['\\"' * 8] * 30), min_killed=10**8, watchlist="w" * 80)
    value = encode_more(query, 999_990, Cursor(NOW, "k" * 64))
    assert len(value) <= BUTTON_VALUE_MAX and json.loads(value)["n"] == 999_990
