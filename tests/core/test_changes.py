"""Describing a watchlist change for /watch history and the admin channel."""

from __future__ import annotations

from bot.core.changes import describe_change

BEFORE = {
    "name": "idlib",
    "channels": ["C0IDLIB0001"],
    "regions": ["Idlib"],
    "keywords": ["truce", "airstrike"],
    "muted": False,
}


def test_created_removed_and_unchanged() -> None:
    assert describe_change(None, BEFORE) == "created"
    assert describe_change(BEFORE, None) == "removed"
    assert describe_change(BEFORE, dict(BEFORE)) == "no change"


def test_lists_show_what_was_added_and_removed_and_scalars_old_to_new() -> None:
    after = {
        **BEFORE,
        "keywords": ["airstrike", "shelling"],
        "regions": [{"name": "Idlib", "aliases": ["Idleb"]}],
        "muted": True,
        "min_killed": 5,
        "muted_until": "2026-11-25T20:00:00+00:00",
    }
    assert describe_change(BEFORE, after) == (
        "keywords: +shelling −truce · min_killed: — → 5 · muted: no → yes"
        " · muted_until: — → 2026-11-25 20:00 UTC · regions: +Idlib (Idleb) −Idlib"
    )


def test_reordering_is_named_and_long_lists_are_summarised() -> None:
    assert describe_change(BEFORE, {**BEFORE, "keywords": ["airstrike", "truce"]}) == "keywords: reordered"
    many = {**BEFORE, "keywords": [f"k{n}" for n in range(20)]}
    text = describe_change(BEFORE, many)
    assert text.startswith("keywords: +k0 +k1") and "(+12 more)" in text
