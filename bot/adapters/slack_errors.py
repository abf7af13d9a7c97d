"""What a failed Slack Web API call said, whatever the body was.

Slack answers errors with JSON (``{"ok": false, "error": "ratelimited"}``), but a proxy or an outage
answers with HTML, plain text or nothing; the SDK then hands back a response whose ``data`` is a
string, and ``e.response.get("error")`` raises. Every place that reports a Slack failure reads it
through here.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackApiError


def slack_error_code(e: SlackApiError) -> str:
    """Slack's error code ("not_in_channel"), else the HTTP status ("HTTP 502"), else "no answer"."""
    response = getattr(e, "response", None)
    data: Any = getattr(response, "data", None)
    if isinstance(data, dict):
        code = data.get("error")
        if isinstance(code, str) and code:
            return code
    status = getattr(response, "status_code", None)
    return f"HTTP {status}" if isinstance(status, int) else "no answer"


def token_refusal(e: SlackApiError, api_url: str) -> str:
    """Why ``auth.test`` failed, pointing at what to fix: the token when Slack refused it, the
    address when what answered was not Slack's API (an HTTP error with no Slack error code)."""
    code = slack_error_code(e)
    if code.startswith("HTTP ") or code == "no answer":
        return f"{api_url} answered auth.test with {code}, not as Slack's Web API — check SLACK_API_URL"
    return f"Slack refused the bot token at {api_url}: {code} — check SLACK_BOT_TOKEN"


__all__ = ["slack_error_code", "token_refusal"]
