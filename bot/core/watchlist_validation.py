"""Validate watchlists and build them from plain dicts (a TOML table, a DB row, a Slack form).

Errors are values: a list of ``(field, message)`` pairs written for the admin who must fix them
("keywords[2]: '!!' has no letters or digits, so it can never match"). Only
``watchlist_from_dict`` raises, with every problem in one ``ConfigError``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.core.digests.schedule import parse_clock, parse_quiet_hours, zone
from bot.core.gazetteer import Gazetteer
from bot.core.normalize import normalize
from bot.core.watchlists import Region, Rule, Watchlist
from bot.errors import ConfigError

FieldError = tuple[str, str]

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
_CHANNEL = re.compile(r"^[CGD][A-Z0-9]{8,}$")
_THRESHOLDS = ("min_killed", "min_wounded", "min_displaced", "min_missing")
MAX_SCOPE_CHARS = 500
_KNOWN = frozenset(
    {
        "name",
        "channel",
        "channels",
        "regions",
        "keywords",
        "exclude",
        "rule",
        "muted",
        "thresholds_any",
        "muted_until",
        "scope",
        "digest",
        "timezone",
        "quiet_hours",
        "max_posts_per_hour",
        *_THRESHOLDS,
    }
)


def validate_watchlist(watchlist: Watchlist, gazetteer: Gazetteer | None = None) -> list[FieldError]:
    """Every problem with ``watchlist``; empty when it is usable.

    With a gazetteer, a region the gazetteer does not know is reported too: it still matches its
    own spelling, but the admin probably misspelt it.
    """
    errors: list[FieldError] = []
    if not _NAME.match(watchlist.name):
        errors.append(("name", f"{watchlist.name!r} must be 1-80 lower-case letters, digits, '-' or '_'"))
    if not watchlist.channels:
        errors.append(("channels", "needs at least one Slack channel ID (like C0123456789)"))
    for i, ch in enumerate(watchlist.channels):
        if not _CHANNEL.match(ch):
            errors.append((f"channels[{i}]", f"{ch!r} is not a Slack channel ID (like C0123456789)"))
    errors.extend(_term_errors("keywords", watchlist.keywords))
    errors.extend(_term_errors("exclude", watchlist.exclude))
    if watchlist.scope is not None and len(watchlist.scope) > MAX_SCOPE_CHARS:
        errors.append(("scope", f"is {len(watchlist.scope)} characters; keep it under {MAX_SCOPE_CHARS}"))
    seen_regions: set[str] = set()
    for i, region in enumerate(watchlist.regions):
        field = f"regions[{i}]"
        norm = normalize(region.name)
        if not norm:
            errors.append(
                (f"{field}.name", f"{region.name!r} has no letters or digits, so it can never match")
            )
            continue
        if norm in seen_regions:
            errors.append((f"{field}.name", f"{region.name!r} is listed twice"))
        seen_regions.add(norm)
        errors.extend(_term_errors(f"{field}.aliases", region.aliases))
        if gazetteer is not None and gazetteer.resolve(region.name) is None and not region.aliases:
            errors.append(
                (f"{field}.name", f"{region.name!r} is not a place the gazetteer knows; check the spelling")
            )
    overlap = {normalize(k) for k in watchlist.keywords} & {normalize(e) for e in watchlist.exclude}
    for term in sorted(overlap):
        errors.append(("exclude", f"{term!r} is both a keyword and an exclusion, so it could never alert"))
    needs_region = watchlist.rule in (Rule.REGION_AND_KEYWORD, Rule.REGION)
    needs_keyword = watchlist.rule in (Rule.REGION_AND_KEYWORD, Rule.KEYWORD)
    if needs_region and not watchlist.regions:
        errors.append(("regions", f"rule {watchlist.rule.value!r} needs at least one region"))
    if needs_keyword and not watchlist.keywords:
        errors.append(("keywords", f"rule {watchlist.rule.value!r} needs at least one keyword"))
    if watchlist.rule is Rule.ANY and not (watchlist.regions or watchlist.keywords):
        errors.append(("regions", "rule 'any' needs at least one region or keyword"))
    for name in _THRESHOLDS:
        value = getattr(watchlist, name)
        if value is not None and value < 0:
            errors.append((name, f"must be 0 or more, not {value}"))
    errors.extend(_schedule_errors(watchlist))
    return errors


def _schedule_errors(watchlist: Watchlist) -> list[FieldError]:
    """The digest times, time zone, quiet hours and hourly limit, as an admin would write them."""
    errors: list[FieldError] = []
    for i, value in enumerate(watchlist.digest):
        try:
            parse_clock(value)
        except ConfigError as e:
            errors.append((f"digest[{i}]", str(e)))
    if len(set(watchlist.digest)) != len(watchlist.digest):
        errors.append(("digest", "lists a time twice"))
    try:
        zone(watchlist.timezone)
    except ConfigError as e:
        errors.append(("timezone", str(e)))
    if watchlist.quiet_hours is not None:
        try:
            parse_quiet_hours(watchlist.quiet_hours)
        except ConfigError as e:
            errors.append(("quiet_hours", str(e)))
    if watchlist.max_posts_per_hour is not None and watchlist.max_posts_per_hour < 1:
        errors.append(("max_posts_per_hour", f"must be 1 or more, not {watchlist.max_posts_per_hour}"))
    return errors


def _term_errors(field: str, terms: tuple[str, ...]) -> list[FieldError]:
    errors: list[FieldError] = []
    seen: set[str] = set()
    for i, term in enumerate(terms):
        norm = normalize(term)
        if not norm:
            errors.append((f"{field}[{i}]", f"{term!r} has no letters or digits, so it can never match"))
        elif norm in seen:
            errors.append((f"{field}[{i}]", f"{term!r} is listed twice"))
        seen.add(norm)
    return errors


def parse_watchlist(
    raw: Mapping[str, Any], gazetteer: Gazetteer | None = None
) -> tuple[Watchlist | None, list[FieldError]]:
    """A ``Watchlist`` from a plain dict, or None with the reasons.

    Accepts ``channel`` and/or ``channels``; regions as names or ``{name, aliases}`` tables.
    """
    errors: list[FieldError] = [(k, "unknown field") for k in sorted(set(raw) - _KNOWN)]
    name = raw.get("name")
    if not isinstance(name, str):
        errors.append(("name", "required, a string"))
        name = ""
    channels = _strings(raw, "channels", errors)
    channel = raw.get("channel")
    if channel is not None:
        if isinstance(channel, str):
            channels = (channel, *(c for c in channels if c != channel))
        else:
            errors.append(("channel", "must be a string"))
    regions: list[Region] = []
    raw_regions = raw.get("regions", [])
    if not isinstance(raw_regions, list | tuple):
        errors.append(("regions", "must be a list of names or {name, aliases} tables"))
        raw_regions = []
    for i, r in enumerate(raw_regions):
        if isinstance(r, str):
            regions.append(Region(r))
        elif isinstance(r, Mapping) and isinstance(r.get("name"), str):
            unknown = sorted(set(r) - {"name", "aliases"})
            errors.extend((f"regions[{i}].{k}", "unknown field") for k in unknown)
            regions.append(Region(r["name"], _strings(r, "aliases", errors, prefix=f"regions[{i}].")))
        else:
            errors.append((f"regions[{i}]", "must be a name or a table with a 'name' string"))
    rule = Rule.REGION_AND_KEYWORD
    raw_rule = raw.get("rule", rule.value)
    try:
        rule = Rule(raw_rule)
    except ValueError:
        choices = ", ".join(r.value for r in Rule)
        errors.append(("rule", f"{raw_rule!r} is not one of {choices}"))
    thresholds: dict[str, int | None] = {}
    for key in _THRESHOLDS:
        value = raw.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            errors.append((key, f"must be a whole number, not {value!r}"))
            value = None
        thresholds[key] = value
    flags: dict[str, bool] = {}
    for key, default in (("muted", False), ("thresholds_any", True)):
        value = raw.get(key, default)
        if not isinstance(value, bool):
            errors.append((key, f"must be true or false, not {value!r}"))
            value = default
        flags[key] = value
    muted_until = _aware_time(raw.get("muted_until"), "muted_until", errors)
    scope = raw.get("scope")
    if scope is not None and not isinstance(scope, str):
        errors.append(("scope", f"must be a string, not {scope!r}"))
        scope = None
    timezone = raw.get("timezone", "UTC")
    if not isinstance(timezone, str):
        errors.append(("timezone", f"must be a string like Europe/London, not {timezone!r}"))
        timezone = "UTC"
    quiet = raw.get("quiet_hours")
    if quiet is not None and not isinstance(quiet, str):
        errors.append(("quiet_hours", f"must be a string like 22:00-07:00, not {quiet!r}"))
        quiet = None
    limit = raw.get("max_posts_per_hour")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)):
        errors.append(("max_posts_per_hour", f"must be a whole number, not {limit!r}"))
        limit = None
    watchlist = Watchlist(
        name=name,
        channels=channels,
        regions=tuple(regions),
        keywords=_strings(raw, "keywords", errors),
        exclude=_strings(raw, "exclude", errors),
        rule=rule,
        min_killed=thresholds["min_killed"],
        min_wounded=thresholds["min_wounded"],
        min_displaced=thresholds["min_displaced"],
        min_missing=thresholds["min_missing"],
        muted=flags["muted"],
        thresholds_any=flags["thresholds_any"],
        muted_until=muted_until,
        scope=(scope.strip() or None) if scope else None,
        digest=_strings(raw, "digest", errors),
        timezone=timezone.strip() or "UTC",
        quiet_hours=(quiet.strip() or None) if quiet else None,
        max_posts_per_hour=limit,
    )
    if name:
        errors.extend(validate_watchlist(watchlist, gazetteer))
    if errors:
        return None, errors
    return watchlist, []


def watchlist_from_dict(raw: Mapping[str, Any], gazetteer: Gazetteer | None = None) -> Watchlist:
    """Like ``parse_watchlist`` but raises ``ConfigError`` naming every bad field."""
    watchlist, errors = parse_watchlist(raw, gazetteer)
    if watchlist is None:
        label = raw.get("name") if isinstance(raw.get("name"), str) else "?"
        details = "; ".join(f"{field}: {message}" for field, message in errors)
        raise ConfigError(f"watchlist {label}: {details}")
    return watchlist


def _aware_time(value: Any, key: str, errors: list[FieldError]) -> datetime | None:
    """A timezone-aware time from a datetime (TOML) or an ISO 8601 string (JSON); None if absent."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            errors.append((key, f"{value!r} is not an ISO 8601 time like 2023-10-07T18:00:00+00:00"))
            return None
    if not isinstance(value, datetime) or value.tzinfo is None:
        errors.append((key, f"must be a time with a timezone (like 2023-10-07T18:00:00Z), not {value!r}"))
        return None
    return value


def _strings(raw: Mapping[str, Any], key: str, errors: list[FieldError], prefix: str = "") -> tuple[str, ...]:
    value = raw.get(key, [])
    if isinstance(value, str):
        errors.append((prefix + key, f"must be a list of strings, not the string {value!r}"))
        return ()
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        errors.append((prefix + key, "must be a list of strings"))
        return ()
    return tuple(value)


def watchlist_to_dict(watchlist: Watchlist) -> dict[str, Any]:
    """The plain form ``parse_watchlist`` reads back (stored in the database, exported to TOML)."""
    out: dict[str, Any] = {
        "name": watchlist.name,
        "channels": list(watchlist.channels),
        "regions": [
            {"name": r.name, "aliases": list(r.aliases)} if r.aliases else r.name for r in watchlist.regions
        ],
        "keywords": list(watchlist.keywords),
        "exclude": list(watchlist.exclude),
        "rule": watchlist.rule.value,
        "muted": watchlist.muted,
        "thresholds_any": watchlist.thresholds_any,
    }
    for key in _THRESHOLDS:
        value = getattr(watchlist, key)
        if value is not None:
            out[key] = value
    if watchlist.muted_until is not None:
        out["muted_until"] = watchlist.muted_until.isoformat()
    if watchlist.scope is not None:
        out["scope"] = watchlist.scope
    # Written only when set, so watchlists stored before digests keep their version fingerprint.
    if watchlist.digest:
        out["digest"] = list(watchlist.digest)
    if watchlist.timezone != "UTC":
        out["timezone"] = watchlist.timezone
    if watchlist.quiet_hours is not None:
        out["quiet_hours"] = watchlist.quiet_hours
    if watchlist.max_posts_per_hour is not None:
        out["max_posts_per_hour"] = watchlist.max_posts_per_hour
    return out


def definition_version(definition: Mapping[str, Any]) -> str:
    """A short fingerprint of a watchlist's plain form: equal definitions, equal fingerprints."""
    canonical = json.dumps(definition, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]
