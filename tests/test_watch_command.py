"""/watch end to end: really signed slash commands, modal submissions, button clicks and App Home
events over HTTP to the bolt app; answers captured by the fake Slack Web API (response_url replies,
views.open, views.publish, admin-channel posts); changes read back from the store and the engine."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bot.adapters.fetch import Fetcher
from bot.adapters.slack_sink import SlackSink, make_web_client
from bot.adapters.store import FeedSpec, Store
from bot.core.casualties import extract_casualties
from bot.core.gazetteer import Gazetteer
from bot.core.incidents.places import PlaceHints
from bot.core.items import FeedItem
from bot.core.matching import Matcher
from bot.core.triage import Plan, triage
from bot.core.watchlists import Region, Watchlist
from bot.engine import Engine, EngineRules
from handlers.context import Services
from tests.fakes.bolt_server import serve_app
from tests.fakes.slack_api import DEFAULT_TOKEN, FakeSlackApi
from tests.fakes.slack_requests import (
    app_home_opened_body,
    block_actions_body,
    post_events,
    post_signed,
    slash_body,
)
from tests.fakes.slack_signing import sign

SECRET = "test-signing-secret-0123456789"
NOW = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
ADMIN = "U0CFGADMIN"
WORKSPACE_ADMIN = "U0WSADMIN"
MEMBER = "U0MEMBER"
ADMIN_CHANNEL = "C0ADMINS"
REPLY_WITHIN = 3.0
IDLIB = Watchlist(
    name="idlib",
    channels=("C0IDLIB0001",),
    regions=(Region("Idlib"),),
    keywords=("airstrike", "air raids", "truce", "killed"),
)


def form(
    *,
    name: str | None = None,
    regions: str = "Idlib",
    keywords: str = "airstrike, truce",
    exclude: str = "",
    channels: tuple[str, ...] = ("C0IDLIB0001",),
    rule: str = "region_and_keyword",
    min_killed: str | None = None,
    thresholds: str = "any",
    scope: str = "",
    digest: str = "",
    timezone: str = "",
    quiet_hours: str = "",
    max_posts: str | None = None,
) -> dict[str, Any]:
    """``view.state.values`` as Slack sends it for the watchlist modal."""
    values: dict[str, Any] = {
        "regions": {"regions": {"type": "plain_text_input", "value": regions or None}},
        "keywords": {"keywords": {"type": "plain_text_input", "value": keywords or None}},
        "exclude": {"exclude": {"type": "plain_text_input", "value": exclude or None}},
        "scope": {"scope": {"type": "plain_text_input", "value": scope or None}},
        "channels": {
            "channels": {"type": "multi_conversations_select", "selected_conversations": list(channels)}
        },
        "rule": {"rule": {"type": "static_select", "selected_option": {"value": rule}}},
        "min_killed": {"min_killed": {"type": "number_input", "value": min_killed}},
        "min_wounded": {"min_wounded": {"type": "number_input", "value": None}},
        "min_displaced": {"min_displaced": {"type": "number_input", "value": None}},
        "min_missing": {"min_missing": {"type": "number_input", "value": None}},
        "thresholds_any": {
            "thresholds_any": {"type": "radio_buttons", "selected_option": {"value": thresholds}}
        },
        "digest": {"digest": {"type": "plain_text_input", "value": digest or None}},
        "timezone": {"timezone": {"type": "plain_text_input", "value": timezone or None}},
        "quiet_hours": {"quiet_hours": {"type": "plain_text_input", "value": quiet_hours or None}},
        "max_posts_per_hour": {"max_posts_per_hour": {"type": "number_input", "value": max_posts}},
    }
    if name is not None:
        values["name"] = {"name": {"type": "plain_text_input", "value": name}}
    return values


@dataclass
class Bot:
    server: TestServer
    slack: FakeSlackApi
    store: Store
    engine: Engine
    rids: int = 0

    async def watch(self, text: str, user: str = MEMBER) -> str | None:
        """``/watch text`` as ``user``; the ephemeral reply's text, or None when a modal opened."""
        self.rids += 1
        rid = f"r{self.rids}"
        opened = len(self.slack.calls_to("views.open"))
        started = time.monotonic()
        status, acked_in = await post_signed(
            self.server, slash_body("/watch", text, self.slack.response_url(rid), user=user), SECRET
        )
        assert status == 200 and acked_in < REPLY_WITHIN
        if text.split()[0] in ("add", "edit") and user in (ADMIN, WORKSPACE_ADMIN):
            await self.slack.wait_calls("views.open", opened + 1)
            assert time.monotonic() - started < REPLY_WITHIN  # the trigger_id lives 3 seconds
            return None
        (reply,) = await self.slack.wait_responses(rid)
        assert reply["response_type"] == "ephemeral" and "Traceback" not in reply["text"]
        answer: str = reply["text"]
        return answer

    def last_view(self) -> dict[str, Any]:
        view: dict[str, Any] = self.slack.calls_to("views.open")[-1].params["view"]
        return view

    async def _interact(self, payload: dict[str, Any]) -> aiohttp.ClientResponse:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return await post_events(self.server, body, sign(SECRET, body, int(time.time())))

    async def command(self, name: str, text: str, user: str = MEMBER) -> list[dict[str, Any]]:
        """``/name text`` as ``user``; every response_url reply it got."""
        self.rids += 1
        rid = f"r{self.rids}"
        status, acked_in = await post_signed(
            self.server, slash_body(name, text, self.slack.response_url(rid), user=user), SECRET
        )
        assert status == 200 and acked_in < REPLY_WITHIN
        return await self.slack.wait_responses(rid)

    async def submit(self, view: dict[str, Any], values: dict[str, Any], user: str = ADMIN) -> dict[str, Any]:
        """Submit ``view`` (as opened) with ``values``; returns the app's ack body ({} when empty)."""
        payload = {
            "type": "view_submission",
            "team": {"id": "T0FAKE", "domain": "sitrep-test"},
            "user": {"id": user, "username": "desk", "team_id": "T0FAKE"},
            "api_app_id": "A0SITREP",
            "token": "legacy-unused",
            "trigger_id": "7.8.9",
            "view": {**view, "id": "V0FORM", "state": {"values": values}, "hash": "h1"},
        }
        started = time.monotonic()
        resp = await self._interact(payload)
        assert resp.status == 200 and time.monotonic() - started < REPLY_WITHIN
        text = await resp.text()
        answer: dict[str, Any] = json.loads(text) if text else {}
        return answer

    async def click(self, action_id: str, value: str, user: str = ADMIN) -> None:
        """Click an App Home button."""
        body = block_actions_body(
            action_id,
            value,
            user=user,
            container={"type": "view", "view_id": "V0HOME"},
            block_id=f"watch:{value}",
            view={"id": "V0HOME", "type": "home", "blocks": [], "state": {"values": {}}, "hash": "h"},
        )
        resp = await post_events(self.server, body, sign(SECRET, body, int(time.time())))
        assert resp.status == 200

    async def open_home(self, user: str) -> dict[str, Any]:
        published = len(self.slack.calls_to("views.publish"))
        body = app_home_opened_body(user)
        signed = sign(SECRET, body, int(time.time()))
        assert (await post_events(self.server, body, signed, "application/json")).status == 200
        await self.slack.wait_calls("views.publish", published + 1)
        return self.slack.home_views[user]


@pytest.fixture
async def bot(slack_api: FakeSlackApi, database_url: str, gazetteer: Gazetteer) -> AsyncIterator[Bot]:
    store = await Store.open(database_url)
    await store.sync_feeds([FeedSpec("levant-wire", "http://127.0.0.1:9/feed.xml", "Levant Wire", 300)])
    await store.sync_watchlists([IDLIB], now=NOW)
    client = make_web_client(DEFAULT_TOKEN, slack_api.url)
    slack_api.add_user(WORKSPACE_ADMIN, is_admin=True)
    slack_api.add_user(MEMBER)
    async with Fetcher() as fetcher:
        engine = Engine(
            store=store,
            fetcher=fetcher,
            sink=SlackSink(client),
            rules=EngineRules((IDLIB,), Matcher((IDLIB,), gazetteer), gazetteer),
            clock=lambda: NOW,
            build_matcher=lambda chosen: Matcher(chosen, gazetteer),
        )
        services = Services(
            store=store,
            engine=engine,
            clock=lambda: NOW,
            admins=frozenset({ADMIN}),
            admin_channel=ADMIN_CHANNEL,
        )
        async with serve_app(client, services, SECRET) as server:
            yield Bot(server, slack_api, store, engine)
    await store.close()


def announcements(slack: FakeSlackApi) -> list[str]:
    return [m["text"] for m in slack.messages_in(ADMIN_CHANNEL)]


# -- add ------------------------------------------------------------------------------------------


async def test_add_opens_the_modal_and_a_valid_submission_saves_audits_applies_and_announces(
    bot: Bot,
) -> None:
    assert await bot.watch("add gaza", user=ADMIN) is None
    view = bot.last_view()
    assert bot.slack.calls_to("views.open")[-1].params["trigger_id"] == "1.2.3"
    assert view["callback_id"] == "watch_save"
    blocks = {b["block_id"]: b for b in view["blocks"] if "block_id" in b}
    assert blocks["name"]["element"]["initial_value"] == "gaza"
    assert blocks["channels"]["element"]["initial_conversations"] == ["C0IDLIB0001"]  # where it was typed
    assert set(blocks) >= {"regions", "keywords", "exclude", "rule", "min_killed", "thresholds_any"}

    answer = await bot.submit(
        view,
        form(
            name="gaza",
            regions="Gaza: Ghazzah, غزة\nRafah",
            keywords="airstrike\nshelling, truce",
            exclude="football",
            channels=("C0GAZA00001",),
            min_killed="3",
        ),
    )
    assert answer["response_action"] == "update"
    assert "Saved *gaza*" in json.dumps(answer["view"])
    stored = await bot.store.watchlist("gaza")
    assert stored is not None and stored.origin == "slack"
    gaza = stored.watchlist
    assert [(r.name, r.aliases) for r in gaza.regions] == [("Gaza", ("Ghazzah", "غزة")), ("Rafah", ())]
    assert gaza.keywords == ("airstrike", "shelling", "truce") and gaza.exclude == ("football",)
    assert gaza.channels == ("C0GAZA00001",) and gaza.min_killed == 3
    (entry,) = await bot.store.audit_log("watchlist:gaza")
    assert (entry.action, entry.user_id, entry.before) == ("watch.add", ADMIN, None)
    # After the acknowledgement: the engine adopts it, the admin channel hears, the Home refreshes.
    (note,) = await bot.slack.wait_messages(ADMIN_CHANNEL)
    assert note["text"] == f"<@{ADMIN}> created watchlist *gaza*: created"
    assert "gaza" in [w.name for w in bot.engine.rules.watchlists]  # applied without a restart
    await bot.slack.wait_calls("views.publish")
    assert ADMIN in bot.slack.home_views


async def test_a_submission_with_mistakes_gets_each_error_under_its_field_and_saves_nothing(bot: Bot) -> None:
    await bot.watch("add", user=ADMIN)
    answer = await bot.submit(
        bot.last_view(),
        form(
            name="Gaza Desk",
            regions="Idlbi",
            keywords="truce, !!",
            exclude="truce",
            channels=(),
            min_killed="lots",
        ),
    )
    assert answer["response_action"] == "errors"
    errors = answer["errors"]
    assert "lower-case" in errors["name"]
    assert "not a place the gazetteer knows" in errors["regions"] and "after a colon" in errors["regions"]
    assert "can never match" in errors["keywords"]
    assert "both a keyword and an exclusion" in errors["exclude"]
    assert "at least one Slack channel" in errors["channels"]
    assert "whole number" in errors["min_killed"]
    assert [w.name for w in await bot.store.watchlists()] == ["idlib"]
    assert announcements(bot.slack) == []


async def test_adding_a_taken_name_is_an_error_on_the_name(bot: Bot) -> None:
    await bot.watch("add idlib", user=ADMIN)
    answer = await bot.submit(bot.last_view(), form(name="idlib"))
    assert "already exists" in answer["errors"]["name"] and "/watch edit idlib" in answer["errors"]["name"]


async def test_non_admins_are_refused_by_command_and_on_submit(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    for text in ("add gaza", "edit idlib", "remove idlib", "mute idlib", "unmute idlib"):
        refused = await bot.watch(text, user=MEMBER)
        assert refused is not None and refused.startswith("Sorry, only Sitrep admins"), text
    assert bot.slack.calls_to("views.open") == []
    # A form opened by an admin and submitted by someone else (or replayed as them) is refused too.
    await bot.watch("add gaza", user=ADMIN)
    answer = await bot.submit(bot.last_view(), form(name="gaza"), user=MEMBER)
    assert answer["response_action"] == "errors" and "only Sitrep admins" in answer["errors"]["name"]
    assert await bot.store.watchlist("gaza") is None
    assert "refused a watchlist add by non-admin U0MEMBER" in caplog.text


async def test_a_submission_slack_cannot_vouch_for_asks_to_retry_and_saves_nothing(bot: Bot) -> None:
    await bot.watch("add gaza", user=ADMIN)
    bot.slack.fail_next("users.info", status=502)  # a proxy's HTML error page, not Slack's JSON
    answer = await bot.submit(bot.last_view(), form(name="gaza"), user=WORKSPACE_ADMIN)
    error = answer["errors"]["name"]
    assert answer["response_action"] == "errors" and "Try again" in error and "HTTP 502" in error
    assert "only Sitrep admins" not in error
    assert await bot.store.watchlist("gaza") is None


async def test_a_submission_slowed_by_slack_is_answered_in_time_and_saves_nothing(bot: Bot) -> None:
    await bot.watch("add gaza", user=ADMIN)
    bot.slack.fail_next("users.info", status=429, retry_after=5)  # the SDK would wait 5 s to retry
    answer = await bot.submit(bot.last_view(), form(name="gaza"), user=WORKSPACE_ADMIN)
    assert answer["response_action"] == "errors" and "took too long" in answer["errors"]["regions"]
    assert await bot.store.watchlist("gaza") is None


async def test_workspace_admins_may_edit_too(bot: Bot) -> None:
    assert await bot.watch("add gaza", user=WORKSPACE_ADMIN) is None


# -- edit, history --------------------------------------------------------------------------------


async def test_edit_prefills_the_form_and_history_shows_before_and_after(bot: Bot) -> None:
    await bot.watch("edit idlib", user=ADMIN)
    view = bot.last_view()
    blocks = {b["block_id"]: b for b in view["blocks"] if "block_id" in b}
    assert "name" not in blocks  # the name is fixed when editing
    assert blocks["keywords"]["element"]["initial_value"] == "airstrike\nair raids\ntruce\nkilled"
    assert blocks["channels"]["element"]["initial_conversations"] == ["C0IDLIB0001"]
    answer = await bot.submit(view, form(keywords="airstrike, shelling", regions="Idlib: Idleb"))
    assert answer["response_action"] == "update"
    stored = await bot.store.watchlist("idlib")
    assert stored is not None and stored.watchlist.keywords == ("airstrike", "shelling")
    history = await bot.watch("history idlib")
    assert history is not None
    assert f"<@{ADMIN}> *edit*" in history
    assert "keywords: +shelling −air raids −truce −killed" in history
    assert "regions: +Idlib (Idleb) −Idlib" in history
    (message,) = await bot.slack.wait_messages(ADMIN_CHANNEL)
    note = message["text"]
    assert note.startswith(f"<@{ADMIN}> edited watchlist *idlib*: keywords: +shelling")


async def test_a_scope_set_from_slack_is_shown_and_in_the_history(bot: Bot) -> None:
    await bot.watch("edit idlib", user=ADMIN)
    scope = "Idlib governorate and the rebel-held north-west; not the rest of Syria."
    answer = await bot.submit(bot.last_view(), form(scope=scope))
    assert answer["response_action"] == "update"
    stored = await bot.store.watchlist("idlib")
    assert stored is not None and stored.watchlist.scope == scope
    shown = await bot.watch("show idlib")
    assert shown is not None and f"scope (told to the reader): {scope}" in shown
    history = await bot.watch("history idlib")
    assert history is not None and f"scope: — → {scope}" in history
    await bot.watch("edit idlib", user=ADMIN)
    blocks = {b["block_id"]: b for b in bot.last_view()["blocks"] if "block_id" in b}
    assert blocks["scope"]["element"]["initial_value"] == scope


async def test_two_admins_editing_at_once_cannot_overwrite_each_other(bot: Bot) -> None:
    await bot.watch("edit idlib", user=ADMIN)
    first = bot.last_view()
    await bot.watch("edit idlib", user=WORKSPACE_ADMIN)
    second = bot.last_view()
    assert (await bot.submit(first, form(keywords="truce")))["response_action"] == "update"
    late = await bot.submit(second, form(keywords="shelling"), user=WORKSPACE_ADMIN)
    assert "changed by someone else" in late["errors"]["regions"]
    stored = await bot.store.watchlist("idlib")
    assert stored is not None and stored.watchlist.keywords == ("truce",)


async def test_edit_of_an_unknown_watchlist_names_the_known_ones(bot: Bot) -> None:
    answer = await bot.watch("edit nowhere", user=MEMBER)
    assert answer is not None and "only Sitrep admins" in answer  # refused before looking it up
    unknown = await bot.watch("show nowhere")
    assert unknown is not None and "no watchlist named 'nowhere' (known: idlib)" in unknown


async def test_history_of_a_watchlist_never_changed_from_slack(bot: Bot) -> None:
    answer = await bot.watch("history idlib")
    assert answer is not None and "No changes to idlib made from Slack" in answer


# -- remove, mute, unmute -------------------------------------------------------------------------


async def test_remove_takes_it_out_of_the_running_rules_and_is_audited(bot: Bot) -> None:
    answer = await bot.watch("remove idlib", user=ADMIN)
    assert answer is not None and "Removed watchlist *idlib*" in answer
    assert bot.engine.rules.watchlists == ()
    listing = await bot.watch("list")
    assert listing is not None and "No watchlists yet" in listing
    history = await bot.watch("history idlib")
    assert history is not None and "*remove*: removed" in history
    again = await bot.watch("remove idlib", user=ADMIN)
    assert again is not None and "no watchlist named 'idlib'" in again
    assert announcements(bot.slack) == [f"<@{ADMIN}> removed watchlist *idlib*"]


async def test_mute_for_a_period_then_unmute(bot: Bot) -> None:
    answer = await bot.watch("mute idlib for 6h", user=ADMIN)
    assert answer is not None and "Muted *idlib* until 2026-11-25 20:00 UTC" in answer
    (live,) = bot.engine.rules.watchlists
    assert live.is_muted(NOW) and live.muted_until == NOW + timedelta(hours=6)
    listing = await bot.watch("list")
    assert listing is not None and ":mute: muted until 2026-11-25 20:00 UTC" in listing
    answer = await bot.watch("unmute idlib", user=ADMIN)
    assert answer is not None and "alerts again from the next poll" in answer
    assert not bot.engine.rules.watchlists[0].is_muted(NOW)
    answer = await bot.watch("unmute idlib", user=ADMIN)
    assert answer == "*idlib* is not muted."
    answer = await bot.watch("mute idlib", user=ADMIN)
    assert answer is not None and "until someone unmutes it" in answer
    actions = [e.action for e in await bot.store.audit_log("watchlist:idlib")]
    assert actions == ["watch.mute", "watch.unmute", "watch.mute"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mute idlib for 6 parsecs", "give the period like 6h or 2d"),
        ("mute idlib for 6y", "unknown unit “y”"),
        ("mute idlib for 90d", "at most 30 days"),
        ("mute idlib for", "`for` needs a period"),
        ("mute", "`mute` needs a watchlist name"),
        ("test idlib 0d", "longer than zero"),
        ("test idlib 365d", "at most 30 days back"),
        ("frobnicate", "unknown subcommand `frobnicate`"),
    ],
)
async def test_bad_input_names_the_bad_part_and_shows_usage(bot: Bot, text: str, expected: str) -> None:
    answer = await bot.watch(text, user=ADMIN)
    assert answer is not None and expected in answer and "Usage: `/watch list`" in answer
    assert (await bot.store.watchlist("idlib")).watchlist == IDLIB  # type: ignore[union-attr]


# -- test -----------------------------------------------------------------------------------------


def stored_item(n: int, title: str, summary: str, hours_ago: float) -> FeedItem:
    return FeedItem(
        feed_id="levant-wire",
        id=f"lw-{n}",
        title=title,
        summary=summary,
        link=f"https://levantwire.example/{n}",
        published=NOW - timedelta(hours=hours_ago),
    )


async def test_test_replays_stored_items_and_shows_what_would_have_alerted(bot: Bot) -> None:
    items = (
        stored_item(1, "Air raids kill 9 civilians in Idlib market", "Jets hit Idlib city; 20 wounded.", 30),
        stored_item(2, "Idlib market toll rises to 12 killed", "The air raids on Idlib city killed 12.", 20),
        stored_item(3, "Truce talks stall in Idlib", "Negotiators met again without a deal.", 10),
        stored_item(4, "Central bank holds rates", "Nothing to do with the watch.", 5),
        stored_item(5, "Air raids kill 4 in Idlib", "Older than the period asked for.", 24 * 9),
    )
    await bot.store.record_round([], Plan(seen=items), now=NOW)
    await bot.store.change_watchlist(
        replace(IDLIB, min_killed=5, muted=True), action="watch.edit", user_id=ADMIN, now=NOW
    )
    answer = await bot.watch("test idlib 7d")
    assert answer is not None
    assert "*Test of idlib* since 2026-11-18 14:00 UTC: 4 stored items scanned, 3 matched" in answer
    assert "*1 alert* would have been posted" in answer
    # The talks are no event report: the digest has them, and the test says why.
    assert "Tiers: 2 push · 1 digest · 0 drop" in answer
    assert "*For the digest* (1):" in answer and "Truce talks stall in Idlib" in answer
    assert "12 killed" in answer and "levantwire.example/1" in answer and "held back" not in answer
    assert "muted now; this test ignores the mute" in answer
    short = await bot.watch("test idlib 2h")
    assert short is not None and "0 stored items scanned" in short and "Nothing was stored" in short
    # Tests are heavy: a user gets three a minute; others are not held up.
    await bot.watch("test idlib 1h")
    refused = await bot.watch("test idlib 30d")
    assert (
        refused is not None and "3 watchlist tests in the last minute" in refused and "Test of" not in refused
    )
    other = await bot.watch("test idlib 1h", user=ADMIN)
    assert other is not None and "*Test of idlib*" in other


# -- App Home -------------------------------------------------------------------------------------


def texts(view: dict[str, Any]) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


def action_ids(view: dict[str, Any]) -> list[str]:
    return [e["action_id"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]


async def test_home_shows_watchlists_and_feed_health_with_buttons_for_admins_only(bot: Bot) -> None:
    await bot.store.record_poll("levant-wire", now=NOW - timedelta(minutes=3), error="HTTP 503 <!here>")
    admin_home = await bot.open_home(ADMIN)
    shown = texts(admin_home)
    assert "*idlib* → <#C0IDLIB0001>" in shown and ":large_green_circle: live" in shown
    assert "no alert yet" in shown and "rule `region_and_keyword`" in shown
    assert "*Levant Wire* — failing" in shown and "HTTP 503 &lt;!here&gt;" in shown and "<!here>" not in shown
    assert action_ids(admin_home) == ["watch_add", "watch_edit", "watch_mute", "watch_test"]
    member_home = await bot.open_home(MEMBER)
    assert action_ids(member_home) == ["watch_test"]


async def test_home_buttons_mute_unmute_edit_and_test_with_the_admin_check_on_click(bot: Bot) -> None:
    await bot.open_home(ADMIN)
    publishes = len(bot.slack.calls_to("views.publish"))
    await bot.click("watch_mute", "idlib")
    await bot.slack.wait_calls("views.publish", publishes + 1)
    assert bot.engine.rules.watchlists[0].is_muted(NOW)
    assert "watch_unmute" in action_ids(bot.slack.home_views[ADMIN])
    assert ":mute: muted until 2026-11-25 20:00 UTC" in texts(bot.slack.home_views[ADMIN])

    await bot.click("watch_unmute", "idlib", user=MEMBER)  # a crafted click by a non-admin
    (refusal,) = await bot.slack.wait_calls("views.open")
    assert "only Sitrep admins" in json.dumps(refusal.params["view"])
    assert bot.engine.rules.watchlists[0].is_muted(NOW)

    await bot.click("watch_edit", "idlib")
    await bot.slack.wait_calls("views.open", 2)
    assert bot.last_view()["callback_id"] == "watch_save"

    await bot.click("watch_test", "idlib", user=MEMBER)  # testing changes nothing: anyone may
    await bot.slack.wait_calls("views.open", 3)
    assert "*Test of idlib*" in json.dumps(bot.last_view())


async def test_forged_interactions_are_rejected(bot: Bot) -> None:
    body = urlencode({"payload": json.dumps({"type": "view_submission", "user": {"id": ADMIN}})}).encode()
    forged = await post_events(bot.server, body, sign("not-the-secret", body, int(time.time())))
    assert forged.status == 401
    stale = await post_events(bot.server, body, sign(SECRET, body, int(time.time()) - 600))
    assert stale.status == 401


# -- tiers and digests in Slack ----------------------------------------------------------------------

ITEMS = (
    FeedItem("levant-wire", "1", "Air raids kill 9 civilians in Idlib market", "Jets hit Idlib city.",
             "https://levantwire.example/1", NOW - timedelta(hours=3)),
    FeedItem("levant-wire", "2", "Foreign minister urges calm over the Idlib truce", "Speaking in Vienna.",
             "https://levantwire.example/2", NOW - timedelta(hours=2)),
    FeedItem("levant-wire", "3", "Why the Idlib truce keeps failing", "An explainer on the front lines.",
             "https://levantwire.example/3", NOW - timedelta(hours=1)),
)  # fmt: skip


async def stored_round(bot: Bot, gazetteer: Gazetteer) -> Plan:
    plan = triage(
        ITEMS,
        watchlists=[IDLIB],
        matcher=Matcher([IDLIB], gazetteer),
        extract=extract_casualties,
        open_incidents=(),
        source_names={"levant-wire": "Levant Wire"},
        now=NOW - timedelta(minutes=30),
        places=PlaceHints.from_gazetteer(gazetteer, [IDLIB]),
    )
    await bot.store.record_round([], plan, now=NOW - timedelta(minutes=30))
    return plan


async def test_the_form_sets_digest_times_time_zone_quiet_hours_and_the_hourly_limit(bot: Bot) -> None:
    await bot.watch("edit idlib", user=ADMIN)
    view = bot.last_view()
    blocks = {b["block_id"]: b for b in view["blocks"] if "block_id" in b}
    assert {"digest", "timezone", "quiet_hours", "max_posts_per_hour"} <= set(blocks)
    bad = await bot.submit(
        view, form(digest="7am", timezone="Mars/Olympus", quiet_hours="night", max_posts="0")
    )
    assert bad["response_action"] == "errors"
    errors = bad["errors"]
    assert "time of day" in errors["digest"] and "time zone" in errors["timezone"]
    assert "range of hours" in errors["quiet_hours"] and "1 or more" in errors["max_posts_per_hour"]
    good = await bot.submit(
        view, form(digest="07:00, 19:00", timezone="Europe/London", quiet_hours="22:00-07:00", max_posts="6")
    )
    assert good["response_action"] == "update"
    stored = await bot.store.watchlist("idlib")
    assert stored is not None
    w = stored.watchlist
    assert (w.digest, w.timezone, w.quiet_hours, w.max_posts_per_hour) == (
        ("07:00", "19:00"),
        "Europe/London",
        "22:00-07:00",
        6,
    )


async def test_watch_show_home_and_incidents_show_the_tier_counts(bot: Bot, gazetteer: Gazetteer) -> None:
    await stored_round(bot, gazetteer)
    shown = await bot.watch("show idlib")
    assert shown is not None
    assert "tiers, last 24 h: 1 pinged · 2 for the digest · 0 dropped" in shown
    assert "no scheduled digest" in shown
    home = json.dumps((await bot.open_home(ADMIN))["blocks"], ensure_ascii=False)
    assert "Last 24 h: 1 pinged · 2 for the digest · 0 dropped" in home
    (answer,) = await bot.command("/incidents", "watch: idlib")
    shown_blocks = json.dumps(answer["blocks"], ensure_ascii=False)
    assert "by tier" in shown_blocks and "1 pinged · 2 for the digest" in shown_blocks


async def test_sitrep_digest_shows_the_period_to_the_asker_only(bot: Bot, gazetteer: Gazetteer) -> None:
    await stored_round(bot, gazetteer)
    (answer,) = await bot.command("/sitrep", "digest idlib since: 12h")
    assert answer["response_type"] == "ephemeral"
    text = json.dumps(answer["blocks"], ensure_ascii=False)
    assert "idlib digest" in text and "Air raids kill 9 civilians" in text
    assert "Foreign minister urges calm" in text and "Why the Idlib truce keeps failing" in text
    assert await bot.store.digests.pending("idlib", until=NOW) != []  # nothing was marked delivered
    (empty,) = await bot.command("/sitrep", "digest idlib since: 10m")
    assert "Nothing for *idlib*" in empty["text"]
    (unknown,) = await bot.command("/sitrep", "digest gaza")
    assert "No watchlist `gaza`" in unknown["text"]
    (bad,) = await bot.command("/sitrep", "digest idlib since: forever")
    assert "since:" in bad["text"]


async def test_test_a_place_in_any_spelling_or_script_covers_the_towns_inside(bot: Bot) -> None:
    """`/watch test PLACE` (issue #19): no watchlist needed; the gazetteer finds the place by any
    spelling or script, and a province's test counts the towns inside it."""
    items = (
        stored_item(21, "Shelling kills 3 in Saraqib", "Rescuers said three died.", 5),
        stored_item(22, "Air raids hit Idleb city", "Two people were wounded.", 4),
        stored_item(23, "Central bank holds rates", "Nothing to do with the watch.", 3),
    )
    await bot.store.record_round([], Plan(seen=items), now=NOW)
    latin = await bot.watch("test Idleb 7d")
    assert (
        latin is not None
        and "*Test of place Idlib*" in latin
        and "3 stored items scanned, 2 matched" in latin
    )
    arabic = await bot.watch("test إدلب 7d", user=ADMIN)
    assert arabic is not None and "*Test of place Idlib*" in arabic and "2 matched" in arabic
    town = await bot.watch("test Saraqib", user=MEMBER)
    assert town is not None and "*Test of place Saraqib*" in town and "1 matched" in town
    unknown = await bot.watch("test Qwzrtvale 7d", user=WORKSPACE_ADMIN)
    assert unknown is not None and "no watchlist named 'Qwzrtvale'" in unknown


async def test_show_says_which_names_need_context_and_which_never_match(bot: Bot) -> None:
    shown = await bot.watch("show idlib")
    assert shown is not None
    assert "names, matching on their own" in shown
    assert "names that count only beside their province or country" in shown
    assert "never matched" in shown
