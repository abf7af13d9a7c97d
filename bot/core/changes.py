"""Describe a change between two plain forms of a thing (a watchlist, a feed) for people.

The audit log keeps whole before/after documents; desks want to read "keywords: +shelling −truce ·
muted: no → yes". Used by ``/watch history`` and the admin-channel announcements.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

_MAX_ITEMS = 8
_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _item(value: Any) -> str:
    if isinstance(value, Mapping):
        aliases = value.get("aliases") or []
        return f"{value.get('name')} ({', '.join(map(str, aliases))})" if aliases else str(value.get("name"))
    return str(value)


def _scalar(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and _ISO_TIME.match(value):
        try:
            return f"{datetime.fromisoformat(value).astimezone(UTC):%Y-%m-%d %H:%M} UTC"
        except ValueError:
            pass
    return str(value)


def _list_change(key: str, old: list[Any], new: list[Any]) -> str:
    before = [_item(v) for v in old]
    after = [_item(v) for v in new]
    added = [v for v in after if v not in before]
    gone = [v for v in before if v not in after]
    if not added and not gone:
        return f"{key}: reordered"
    parts = [f"+{v}" for v in added[:_MAX_ITEMS]] + [f"−{v}" for v in gone[:_MAX_ITEMS]]
    more = max(len(added) - _MAX_ITEMS, 0) + max(len(gone) - _MAX_ITEMS, 0)
    return f"{key}: {' '.join(parts)}" + (f" (+{more} more)" if more else "")


def describe_change(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> str:
    """``created``/``removed``, or the changed fields, one ``field: old → new`` part each."""
    if before is None and after is None:
        return "nothing"
    if before is None:
        return "created"
    if after is None:
        return "removed"
    parts = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if isinstance(old, list | tuple) or isinstance(new, list | tuple):
            parts.append(_list_change(key, list(old or []), list(new or [])))
        else:
            parts.append(f"{key}: {_scalar(old)} → {_scalar(new)}")
    return " · ".join(parts) or "no change"
