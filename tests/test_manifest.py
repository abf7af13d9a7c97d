"""The Slack app manifests declare what the handlers listen to: every slash command, every event,
the scopes the code calls for, the App Home tab and interactivity, in Socket Mode and HTTP mode."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HANDLERS = "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "handlers").glob("*.py")))
SOURCES = HANDLERS + "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "bot").rglob("*.py")))
# Web API methods the code calls, and the bot scope each needs.
SCOPES = {
    "chat_postMessage": "chat:write",
    "chat_update": "chat:write",
    "users_info": "users:read",
    "files_info": "files:read",
    "files_list": "files:read",
    "conversations_history": "channels:history",
    "conversations_replies": "channels:history",
}
# Not tied to one call: posting into public channels the bot was not invited to, and reading back
# posts in private channels (exactly-once delivery looks for a post whose answer was lost).
ALWAYS = {"commands", "chat:write.public", "groups:history"}


@pytest.fixture(params=["manifest.yaml", "manifest-http.yaml"])
def manifest(request: pytest.FixtureRequest) -> str:
    return (ROOT / "slack" / str(request.param)).read_text(encoding="utf-8")


def test_every_command_and_event_the_handlers_register_is_declared(manifest: str) -> None:
    commands = set(re.findall(r'app\.command\("(/[a-z]+)"\)', HANDLERS))
    events = set(re.findall(r'app\.event\("([a-z_]+)"\)', HANDLERS))
    assert commands == {"/sitrep", "/incidents", "/watch", "/feeds"}
    assert commands == set(re.findall(r"- command: (/[a-z]+)", manifest))
    assert events == {"app_home_opened"}
    declared_events = set(re.findall(r"^      - ([a-z_]+)$", manifest.split("bot_events:")[1], re.M))
    assert events <= declared_events


def test_scopes_cover_the_api_methods_the_code_calls(manifest: str) -> None:
    declared = manifest.split("scopes:")[1].split("settings:")[0]
    scopes = set(re.findall(r"^      - ([a-z:.]+)$", declared, re.M))
    called = {method for method in SCOPES if re.search(rf"\.{method}\(", SOURCES)}
    assert {SCOPES[m] for m in called} | ALWAYS == scopes


def test_home_tab_and_interactivity_are_on(manifest: str) -> None:
    assert "home_tab_enabled: true" in manifest and "interactivity:\n    is_enabled: true" in manifest


def test_http_manifest_sends_everything_to_slack_events() -> None:
    http = (ROOT / "slack" / "manifest-http.yaml").read_text(encoding="utf-8")
    assert "socket_mode_enabled: false" in http
    assert http.count("url: https://YOUR-HOST/slack/events") == 4 + 2  # commands, events, interactivity
