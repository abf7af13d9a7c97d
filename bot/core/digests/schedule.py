"""When digests are due and when a channel is quiet, from a watchlist's local times (pure).

Times are the desk's wall clock ("07:00" in Europe/London), so a digest keeps its hour across a
daylight-saving change. ``now`` is timezone-aware UTC, as everywhere in the core.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.watchlists import Watchlist
from bot.errors import ConfigError

_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_RANGE = re.compile(r"^\s*(\S+)\s*-\s*(\S+)\s*$")


def parse_clock(value: str) -> time:
    """ "07:00" → 07:00; a ``ConfigError`` that says what is wrong otherwise."""
    m = _CLOCK.match(value.strip())
    if m is None:
        raise ConfigError(f"{value!r} is not a time of day like 07:00")
    return time(int(m.group(1)), int(m.group(2)))


def parse_quiet_hours(value: str) -> tuple[time, time]:
    """ "22:00-07:00" → (22:00, 07:00); the range may cross midnight."""
    m = _RANGE.match(value)
    if m is None:
        raise ConfigError(f"{value!r} is not a range of hours like 22:00-07:00")
    start, end = parse_clock(m.group(1)), parse_clock(m.group(2))
    if start == end:
        raise ConfigError(f"{value!r} starts and ends at the same time")
    return start, end


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise ConfigError(f"{name!r} is not a time zone (like Europe/London or UTC)") from e


def is_quiet(watchlist: Watchlist, now: datetime) -> bool:
    """Whether ``now`` falls in the watchlist's quiet hours (its local time)."""
    if not watchlist.quiet_hours:
        return False
    start, end = parse_quiet_hours(watchlist.quiet_hours)
    local = now.astimezone(zone(watchlist.timezone)).time().replace(second=0, microsecond=0)
    if start < end:
        return start <= local < end
    return local >= start or local < end


def digest_times_between(watchlist: Watchlist, after: datetime, until: datetime) -> list[datetime]:
    """The scheduled digest moments in (after, until], in UTC, oldest first."""
    if not watchlist.digest or until <= after:
        return []
    tz = zone(watchlist.timezone)
    clocks = sorted({parse_clock(t) for t in watchlist.digest})
    out: list[datetime] = []
    day = after.astimezone(tz).date()
    last = until.astimezone(tz).date()
    while day <= last:
        for clock in clocks:
            moment = datetime.combine(day, clock, tzinfo=tz).astimezone(UTC)
            if after < moment <= until:
                out.append(moment)
        day += timedelta(days=1)
    return out


def next_digest(watchlist: Watchlist, now: datetime) -> datetime | None:
    """The next scheduled digest after ``now``, or None without a schedule."""
    if not watchlist.digest:
        return None
    found = digest_times_between(watchlist, now, now + timedelta(days=2))
    return found[0] if found else None
