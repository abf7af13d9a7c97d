"""Parked alerts: messages Slack refused for a reason that retrying cannot fix, kept until an admin does.

A revoked token, a channel the bot was removed from or an archived channel make every post fail the
same way until a person acts. Dropping those alerts loses them; retrying them forever floods the
log. So the outbox **parks** them: kept whole, in order, and re-queued by an admin with
``/sitrep retry`` once the cause is fixed.

Alerts parked for one cause form one *problem*: its key is Slack's error code, plus the channel when
the cause belongs to a channel (``not_in_channel:C0IDLIB``). The admin channel is told once per
problem — when its first alert is parked — with the fix, not once per alert. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.core.alerts import SlackMessage
from bot.core.slack_text import escape

CHANNEL_CAUSES = frozenset(
    {"channel_not_found", "not_in_channel", "is_archived", "restricted_action", "channel_is_archived"}
)
"""Slack error codes whose cause is the channel, not the token or the message."""

FOLLOWS_PARKED = "follows_parked"
"""The problem of a thread reply, an edit or a digest part whose first message is parked: it waits
with it and is re-queued with it, and its own notice would say nothing new."""

_FIXES: dict[str, str] = {
    "not_in_channel": "invite the bot: `/invite @Sitrep` in {channel}",
    "channel_not_found": "invite the bot to {channel}, or point the watchlist at a channel that exists"
    " (`/watch edit NAME`)",
    "is_archived": "unarchive {channel}, or move the watchlist to another channel (`/watch edit NAME`)",
    "channel_is_archived": "unarchive {channel}, or move the watchlist to another channel"
    " (`/watch edit NAME`)",
    "restricted_action": "let apps post in {channel} (channel or workspace posting permissions)",
    "invalid_auth": "the bot token is no longer valid: reinstall the app and update SLACK_BOT_TOKEN",
    "not_authed": "set SLACK_BOT_TOKEN and restart",
    "account_inactive": "the app or its user was deactivated: reinstall the app, update SLACK_BOT_TOKEN",
    "token_revoked": "the token was revoked: reinstall the app and update SLACK_BOT_TOKEN",
    "token_expired": "the token expired: reinstall the app and update SLACK_BOT_TOKEN",
    "missing_scope": "add the chat:write scope to the app, reinstall it, update SLACK_BOT_TOKEN",
}
_DEFAULT_FIX = "see the error above; once it is fixed, re-queue"


def problem_key(code: str | None, channel: str) -> str:
    """The problem a refusal belongs to: ``code``, with the channel when the channel is the cause."""
    code = (code or "refused")[:60]
    return f"{code}:{channel}"[:120] if code in CHANNEL_CAUSES else code


def problem_code(problem: str) -> str:
    return problem.split(":", 1)[0]


def fix_for(problem: str, channel: str) -> str:
    """What an admin should do about ``problem``, for a message to ``channel`` (mrkdwn)."""
    if problem == FOLLOWS_PARKED:
        return "nothing of its own: it is sent with the parked message it belongs to"
    return _FIXES.get(problem_code(problem), _DEFAULT_FIX).format(channel=f"<#{escape(channel)}>")


def parked_notice(*, problem: str, channel: str, reason: str, at: datetime) -> SlackMessage:
    """The admin channel's one message about a new problem: what Slack said, the fix, the command."""
    stamp = at.strftime("%Y-%m-%d %H:%M UTC")
    text = (
        f":no_entry: Slack refused an alert for <#{escape(channel)}> ({stamp}): {escape(reason[:300])}\n"
        f"It is parked, not lost; alerts that fail the same way are parked with it, without another"
        f" notice.\n*Fix:* {fix_for(problem, channel)}; then `/sitrep retry` sends them, oldest first."
    )
    return SlackMessage(text=text, blocks=({"type": "section", "text": {"type": "mrkdwn", "text": text}},))


@dataclass(frozen=True, slots=True)
class ParkedGroup:
    """The parked messages of one problem and channel."""

    problem: str
    channel: str
    count: int
    reason: str
    since: datetime


def parked_lines(groups: Sequence[ParkedGroup], *, limit: int = 10) -> list[str]:
    """``/sitrep status`` and the App Home: one line per problem and channel, with the fix."""
    if not groups:
        return []
    total = sum(g.count for g in groups)
    lines = [f":no_entry: *{total} parked* — Slack refused them; fix the cause, then `/sitrep retry`:"]
    for g in groups[:limit]:
        fix = (
            "waits for the parked message it belongs to"
            if g.problem == FOLLOWS_PARKED
            else fix_for(g.problem, g.channel)
        )
        lines.append(
            f"• <#{escape(g.channel)}>: {g.count} since {g.since:%Y-%m-%d %H:%M} UTC — "
            f"{escape(g.reason[:200])} — {fix}"
        )
    if len(groups) > limit:
        lines.append(f"…and {len(groups) - limit} more problems.")
    return lines


__all__ = [
    "CHANNEL_CAUSES",
    "FOLLOWS_PARKED",
    "ParkedGroup",
    "fix_for",
    "parked_lines",
    "parked_notice",
    "problem_code",
    "problem_key",
]
