"""The App Home tab: the watchlists (channels, rule, last alert, mute state) and feed health.

Published when a user opens the tab and again after they change something from it. Admins get
Edit / Mute / Unmute buttons and "New watchlist"; everyone gets Test. The buttons' handlers live
with ``/watch`` (they are the same operations) and check admin rights again when clicked.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.feedback import Tally
from bot.adapters.slack_errors import slack_error_code
from bot.adapters.store import FeedState, StoredWatchlist
from bot.core.parking import ParkedGroup, parked_lines
from bot.core.slack_text import escape
from bot.core.tiers.counts import schedule_summary, tier_summary
from bot.errors import AdminLookupError, StoreError
from handlers.admins import AdminCheck
from handlers.context import Services
from handlers.feeds import format_status
from handlers.watch import (
    ADD_ACTION,
    EDIT_ACTION,
    FEEDBACK_WINDOW,
    MUTE_ACTION,
    TEST_ACTION,
    UNMUTE_ACTION,
    mute_state,
)

log = logging.getLogger(__name__)
MAX_WATCHLISTS = 30  # two blocks each; a view holds 100
SECTION_MAX = 2900


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text or " "}}


def _button(text: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def _chunks(lines: Sequence[str]) -> list[str]:
    out: list[str] = []
    current = ""
    for line in lines:
        line = line[:SECTION_MAX]
        if current and len(current) + 1 + len(line) > SECTION_MAX:
            out.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        out.append(current)
    return out


def _watchlist_line(
    s: StoredWatchlist,
    last: datetime | None,
    now: datetime,
    tally: Tally | None,
    tiers: Mapping[str, int] | None = None,
) -> str:
    w = s.watchlist
    channels = ", ".join(f"<#{c}>" for c in w.channels)
    regions = escape(", ".join(r.name for r in w.regions) or "—")
    last_text = f"last alert {last:%Y-%m-%d %H:%M} UTC" if last else "no alert yet"
    muted = mute_state(w, now)
    state = f":mute: {muted}" if muted else ":large_green_circle: live"
    rated = (
        f" · {tally.marked} of {tally.alerts} alerts in {FEEDBACK_WINDOW.days} days marked not relevant"
        if tally and tally.alerts
        else ""
    )
    return (
        f"*{escape(w.name)}* → {channels}\n{state} · rule `{w.rule.value}` · {regions} · "
        f"{len(w.keywords)} keywords · {last_text}{rated}\n"
        f"{tier_summary(tiers or {}, 'Last 24 h')} · "
        f"{schedule_summary(w.digest, w.timezone, w.quiet_hours, w.max_posts_per_hour)}"
    )


def home_view(
    watchlists: Sequence[StoredWatchlist],
    last_alerts: dict[str, datetime],
    feeds: Sequence[FeedState],
    *,
    now: datetime,
    admin: bool,
    feedback: Mapping[str, Tally] | None = None,
    tiers: Mapping[str, Mapping[str, int]] | None = None,
    parked: Sequence[ParkedGroup] = (),
) -> dict[str, Any]:
    """The Home tab. ``feedback``: per watchlist, its recent alerts and how many the desk marked;
    ``tiers``: per watchlist, how many items of the last 24 hours got each tier; ``parked``:
    alerts Slack refused for good, shown first, since a desk is missing them."""
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": "Sitrep"}}]
    if parked:
        blocks += [_section(c) for c in _chunks(parked_lines(parked, limit=6))[:2]]
        blocks.append({"type": "divider"})
    blocks.append(_section(f"*Watchlists* ({len(watchlists)})"))
    if admin:
        blocks.append(
            {"type": "actions", "elements": [_button("New watchlist", ADD_ACTION, "new", "primary")]}
        )
    if not watchlists:
        blocks.append(_section("No watchlists yet." + (" Create one with *New watchlist*." if admin else "")))
    for s in watchlists[:MAX_WATCHLISTS]:
        name = s.watchlist.name
        tally = (feedback or {}).get(name)
        line = _watchlist_line(s, last_alerts.get(name), now, tally, (tiers or {}).get(name))
        blocks.append(_section(line))
        buttons = [_button("Test 7d", TEST_ACTION, name)]
        if admin:
            muted = s.watchlist.is_muted(now)
            buttons = [
                _button("Edit", EDIT_ACTION, name),
                _button("Unmute", UNMUTE_ACTION, name) if muted else _button("Mute 6h", MUTE_ACTION, name),
                *buttons,
            ]
        blocks.append({"type": "actions", "block_id": f"watch:{name}", "elements": buttons})
    if len(watchlists) > MAX_WATCHLISTS:
        blocks.append(_section(f"…and {len(watchlists) - MAX_WATCHLISTS} more: `/watch list`."))
    blocks += [{"type": "divider"}, _section(f"*Feeds* ({len(feeds)})")]
    status = format_status(list(feeds), now).splitlines()[1:] if feeds else ["No feeds yet."]
    blocks += [_section(c) for c in _chunks(status)[:8]]
    blocks.append(
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": f"As of {now:%Y-%m-%d %H:%M} UTC · "
                    "`/watch`, `/feeds`, `/incidents`, `/sitrep help`",
                }
            ],
        }
    )
    return {"type": "home", "blocks": blocks[:100]}


class Home:
    """Builds and publishes one user's Home tab."""

    def __init__(self, services: Services, admins: AdminCheck) -> None:
        self._services = services
        self._admins = admins

    async def _may_edit(self, user: str, client: AsyncWebClient) -> bool:
        """Whether to show the editing buttons; when Slack cannot say, the tab shows none (every
        button asks again when pressed)."""
        try:
            return await self._admins.is_admin(user, client)
        except AdminLookupError as e:
            log.warning("App Home for %s without editing buttons: %s", user, e)
            return False

    async def publish(self, client: AsyncWebClient, user: str) -> None:
        store = self._services.store
        now = self._services.clock()
        try:
            view = home_view(
                await store.stored_watchlists(),
                await store.last_alerts(),
                await store.feeds(),
                now=now,
                admin=await self._may_edit(user, client),
                feedback=await store.feedback.tallies(since=now - FEEDBACK_WINDOW),
                tiers=await store.tier_counts(now - timedelta(hours=24)),
                parked=await store.parked(),
            )
        except StoreError as e:
            log.error("App Home for %s: %s", user, e)
            view = {
                "type": "home",
                "blocks": [
                    _section("Sitrep cannot reach its database right now; open this tab again in a minute.")
                ],
            }
        try:
            await client.views_publish(user_id=user, view=view)
        except SlackApiError as e:
            log.warning("could not publish the App Home for %s: %s", user, slack_error_code(e))


def register(app: AsyncApp, home: Home) -> None:
    async def opened(event: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        await home.publish(client, str(event.get("user") or ""))

    app.event("app_home_opened")(opened)
