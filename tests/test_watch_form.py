"""The watchlist modal's submission reader: whatever a (forged or buggy) payload holds, it gives
field errors or a plain dict for validation — never an exception — and round-trips a real form."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from bot.core.watchlist_validation import parse_watchlist
from bot.core.watchlists import Region, Rule, Watchlist
from handlers.watch_form import FormMeta, field_errors, read_form, watch_modal

WATCH = Watchlist(
    "idlib",
    ("C0IDLIB0001", "C0DESK00002"),
    (Region("Idlib", ("Idleb", "إدلب")), Region("Saraqib")),
    ("airstrike", "truce"),
    ("football",),
    Rule.ANY,
    min_killed=3,
    thresholds_any=False,
    muted=True,
    muted_until=datetime(2026, 11, 25, 20, tzinfo=UTC),
    scope="Idlib governorate and the rebel-held north-west; not the rest of Syria.",
)


def submitted(view: dict[str, Any]) -> dict[str, Any]:
    """The state Slack would send back for an untouched modal: every initial value as submitted."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        element = block.get("element")
        if element is None:
            continue
        if element["type"] == "multi_conversations_select":
            state = {"selected_conversations": element.get("initial_conversations", [])}
        elif element["type"] in ("static_select", "radio_buttons"):
            state = {"selected_option": element["initial_option"]}
        else:
            state = {"value": element.get("initial_value")}
        values[block["block_id"]] = {element["action_id"]: {"type": element["type"], **state}}
    return values


def test_an_untouched_edit_form_reads_back_as_the_same_watchlist() -> None:
    meta = FormMeta("edit", "idlib", "v1")
    raw, problems = read_form(submitted(watch_modal(WATCH, meta)), meta, WATCH)
    assert problems == []
    assert parse_watchlist(raw) == (WATCH, [])


def test_the_scope_can_be_cleared_and_an_overlong_one_is_a_field_error() -> None:
    meta = FormMeta("edit", "idlib", "v1")
    values = submitted(watch_modal(WATCH, meta))
    values["scope"]["scope"]["value"] = "  "
    raw, problems = read_form(values, meta, WATCH)
    watchlist, errors = parse_watchlist(raw)
    assert problems == errors == [] and watchlist is not None and watchlist.scope is None
    values["scope"]["scope"]["value"] = "word " * 120
    raw, _ = read_form(values, meta, WATCH)
    _, errors = parse_watchlist(raw)
    assert field_errors(errors, meta) == {"scope": "is 599 characters; keep it under 500"}


def test_form_meta_survives_and_rejects_junk() -> None:
    meta = FormMeta("edit", "idlib", "abc")
    assert FormMeta.load(meta.dump()) == meta
    for junk in ("", "null", "[]", '{"mode": "drop"}', '{"mode": "edit", "name": 5}', "{"):
        assert FormMeta.load(junk) is None


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=15), inner, max_size=4),
    max_leaves=20,
)
_blocks = st.sampled_from(
    ["name", "regions", "keywords", "exclude", "channels", "rule", "min_killed", "thresholds_any", "x"]
)
_keys = st.sampled_from(["value", "selected_option", "selected_conversations", "type"]) | st.text(max_size=8)
_action = st.dictionaries(_keys, _json | st.dictionaries(_keys, _json, max_size=2), max_size=3)


@given(
    values=st.dictionaries(_blocks, st.dictionaries(_blocks, _action, max_size=2) | _json, max_size=8),
    mode=st.sampled_from(["add", "edit"]),
)
def test_any_payload_gives_errors_or_a_dict_never_an_exception(values: dict[str, Any], mode: str) -> None:
    meta = FormMeta(mode, "idlib" if mode == "edit" else "")
    raw, problems = read_form(values, meta, WATCH if mode == "edit" else None)
    _, errors = parse_watchlist(raw)
    mapped = field_errors(problems + errors, meta)
    assert all(len(text) <= 300 for text in mapped.values())
    assert mode == "add" or "name" not in mapped
