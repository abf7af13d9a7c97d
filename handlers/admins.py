"""Who may change things, and where changes are announced.

An admin is a user listed in the config's ``admins`` or a Slack workspace admin/owner
(``users.info``, remembered per user for ten minutes). Every editing path — slash command,
button, modal submission — asks ``AdminCheck.is_admin`` at the moment it acts, not only when a
form was opened.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack_errors import slack_error_code
from bot.core.slack_text import escape
from bot.errors import AdminLookupError

log = logging.getLogger(__name__)

ADMIN_CACHE_SECONDS = 600.0
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,30}$")


class AdminCheck:
    """Config admins, or workspace admins/owners per ``users.info``.

    Slack's answer is remembered per user for ``ttl`` seconds so a burst of commands costs one API
    call. A lookup Slack could not answer (a rate limit, an outage, an HTML error page) raises
    ``AdminLookupError`` and is not remembered: an admin is told to try again, never refused as if
    they were not one. Only Slack's word that the user does not exist counts as "no".
    """

    def __init__(
        self,
        admins: frozenset[str],
        *,
        ttl: float = ADMIN_CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._admins = admins
        self._ttl = ttl
        self._clock = clock
        self._cache: dict[str, tuple[bool, float]] = {}

    async def is_admin(self, user_id: str, client: AsyncWebClient) -> bool:
        if user_id in self._admins:
            return True
        now = self._clock()
        cached = self._cache.get(user_id)
        if cached is not None and cached[1] > now:
            return cached[0]
        try:
            response = await client.users_info(user=user_id)
        except SlackApiError as e:
            code = slack_error_code(e)
            log.warning("users.info failed for %s: %s", user_id, code)
            if code in _NO_SUCH_USER:
                return False
            raise _lookup_failed(code) from e
        except (SlackClientError, aiohttp.ClientError, TimeoutError, OSError) as e:
            log.warning("users.info failed for %s: %s", user_id, type(e).__name__)
            raise _lookup_failed(type(e).__name__) from e
        user = response.get("user") if isinstance(response.data, dict) else None
        if not isinstance(user, dict):
            raise _lookup_failed("an answer without the user")
        verdict = bool(user.get("is_admin") or user.get("is_owner"))
        if len(self._cache) > 10_000:
            self._cache = {u: v for u, v in self._cache.items() if v[1] > now}
        self._cache[user_id] = (verdict, now + self._ttl)
        return verdict


_NO_SUCH_USER = frozenset({"user_not_found", "user_not_visible"})


def _lookup_failed(why: str) -> AdminLookupError:
    return AdminLookupError(
        f"Sitrep could not check with Slack whether you are an admin ({escape(why)}), so nothing was"
        " changed. Try again in a minute."
    )


def refusal(what: str) -> str:
    return (
        f"Sorry, only Sitrep admins can {what}: users listed in the config file's `admins`,"
        " and workspace admins and owners. Ask one of them."
    )


def mention(user_id: str) -> str:
    return f"<@{user_id}>" if _USER_ID.match(user_id) else escape(user_id)


async def announce(client: AsyncWebClient, channel: str | None, text: str) -> str:
    """Post ``text`` (already escaped mrkdwn) in the admin channel, if there is one.

    Returns "" or a note for the admin's reply saying why the announcement failed: the change
    itself is made and audited either way."""
    if channel is None:
        return ""
    try:
        await client.chat_postMessage(channel=channel, text=text)
    except SlackApiError as e:
        error = slack_error_code(e)
        log.warning("could not announce a change in %s: %s", channel, error)
        return f" (could not announce it in the admin channel: {escape(error)})"
    return ""
