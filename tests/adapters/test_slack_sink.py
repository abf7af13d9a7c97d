"""SlackSink against the local fake Slack Web API, through the real slack_sdk client and its retries."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import socket
import time
from datetime import UTC, datetime

import pytest
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.signature import Clock, SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.sink import AlertSink
from bot.adapters.slack_sink import SlackSink, make_web_client
from bot.core.alerts import AlertContent, AlertSource, SlackMessage, compose_alert
from bot.core.figures import Casualties, Category, Headline
from bot.core.pacing import ChannelPacer
from bot.errors import DeliveryError
from tests.fakes.slack_api import DEFAULT_TOKEN, FakeSlackApi
from tests.fakes.slack_signing import sign

NOW = datetime(2026, 11, 25, 14, 30, tzinfo=UTC)
FAST = FixedValueRetryIntervalCalculator(0.01)


def _message() -> SlackMessage:
    content = AlertContent(
        watchlist="syria",
        place="Idlib",
        casualties=Casualties(
            killed=Headline(Category.KILLED, 9, "at least", "civilians"),
            wounded=Headline(Category.WOUNDED, 20, "at least"),
        ),
        title="Airstrikes hit market in Idlib city",
        summary="Strikes hit a vegetable market and repair shops.",
        terms=("Idlib", "airstrikes"),
        sources=(AlertSource("Desk wire", "https://example.org/idlib-1", NOW),),
        first_seen=NOW,
    )
    return compose_alert(content, now=NOW)


def _client(server: FakeSlackApi, token: str = DEFAULT_TOKEN) -> AsyncWebClient:
    return make_web_client(token, server.url, timeout=5, backoff=FAST)


def _sink(server: FakeSlackApi, token: str = DEFAULT_TOKEN) -> SlackSink:
    return SlackSink(_client(server, token))


def test_slack_sink_satisfies_the_protocol(slack_api: FakeSlackApi) -> None:
    sink: AlertSink = _sink(slack_api)
    assert sink is not None


async def test_post_returns_ts_and_sends_blocks_without_unfurling(slack_api: FakeSlackApi) -> None:
    msg = _message()
    ts = await _sink(slack_api).post("C0123", msg)
    [call] = slack_api.calls_to("chat.postMessage")
    assert call.auth == f"Bearer {DEFAULT_TOKEN}"
    assert call.params["channel"] == "C0123"
    assert call.params["unfurl_links"] is False
    assert call.params["unfurl_media"] is False
    assert call.params["blocks"] == list(msg.blocks)
    assert call.params["text"] == msg.text
    assert "thread_ts" not in call.params
    stored = slack_api.message("C0123", ts)
    assert stored is not None and stored["blocks"][0]["type"] == "header"


async def test_posts_to_one_channel_are_paced_and_other_channels_are_not(slack_api: FakeSlackApi) -> None:
    """Burst 2, then one per 0.2 s: five posts to one channel take at least 0.6 s, in order; a post
    to another channel meanwhile is not held back by them."""
    sink = SlackSink(_client(slack_api), ChannelPacer(interval=0.2, burst=2))
    started = time.monotonic()
    paced = asyncio.gather(*(sink.post("C0BUSY", _message()) for _ in range(5)))
    await sink.post("C0QUIET", _message())
    quiet_after = time.monotonic() - started
    await paced
    assert time.monotonic() - started >= 0.6
    assert quiet_after < 0.6
    assert [c.params["channel"] for c in slack_api.calls_to("chat.postMessage")].count("C0BUSY") == 5


async def test_post_in_thread_and_ts_are_unique(slack_api: FakeSlackApi) -> None:
    sink = _sink(slack_api)
    parent = await sink.post("C0123", _message())
    reply = await sink.post("C0123", _message(), thread_ts=parent)
    assert reply != parent
    assert slack_api.calls_to("chat.postMessage")[1].params["thread_ts"] == parent


async def test_update_edits_the_posted_message(slack_api: FakeSlackApi) -> None:
    sink = _sink(slack_api)
    ts = await sink.post("C0123", _message())
    edited = SlackMessage(
        text="edited", blocks=({"type": "section", "text": {"type": "mrkdwn", "text": "x"}},)
    )
    await sink.update("C0123", ts, edited)
    [call] = slack_api.calls_to("chat.update")
    assert call.params["ts"] == ts and call.params["blocks"] == list(edited.blocks)
    stored = slack_api.message("C0123", ts)
    assert stored is not None and stored["text"] == "edited" and stored["edits"] == 1


async def test_update_of_unknown_message_is_permanent(slack_api: FakeSlackApi) -> None:
    with pytest.raises(DeliveryError) as err:
        await _sink(slack_api).update("C0123", "1.000001", _message())
    assert err.value.retryable is False
    assert "C0123" in err.value.reason


async def test_rate_limit_is_retried_after_retry_after(slack_api: FakeSlackApi) -> None:
    slack_api.fail_next("chat.postMessage", 1, status=429, retry_after=1)
    started = time.monotonic()
    ts = await _sink(slack_api).post("C0123", _message())
    assert ts
    assert len(slack_api.calls_to("chat.postMessage")) == 2
    # The SDK must wait what Slack asked before retrying (a correctness check, not a speed one).
    assert time.monotonic() - started >= 1.0


async def test_rate_limit_exhausted_is_retryable(slack_api: FakeSlackApi) -> None:
    client = make_web_client(DEFAULT_TOKEN, slack_api.url, timeout=5, max_retries=1, backoff=FAST)
    slack_api.fail_next("chat.postMessage", 2, status=429, retry_after=0)
    with pytest.raises(DeliveryError) as err:
        await SlackSink(client).post("C0123", _message())
    assert err.value.retryable is True
    assert "rate-limited" in err.value.reason


async def test_a_server_error_is_retried_for_an_edit_but_never_blindly_for_a_post(
    slack_api: FakeSlackApi,
) -> None:
    ts = await _sink(slack_api).post("C0123", _message())
    slack_api.fail_next("chat.update", 1, status=500)
    await _sink(slack_api).update("C0123", ts, _message())  # an edit is safe to repeat
    assert len(slack_api.calls_to("chat.update")) == 2
    # A post may have been stored before the 5xx: the outbox asks Slack instead of repeating it.
    slack_api.fail_next("chat.postMessage", 1, status=503)
    with pytest.raises(DeliveryError) as err:
        await _sink(slack_api).post("C0123", _message(), key="7:1")
    assert err.value.retryable and err.value.uncertain
    assert len(slack_api.calls_to("chat.postMessage")) == 2  # the first post, and this one once


async def test_a_dropped_connection_after_the_post_is_uncertain_and_find_sees_the_post(
    slack_api: FakeSlackApi,
) -> None:
    sink = _sink(slack_api)
    slack_api.lose_answer("chat.postMessage", "reset")
    with pytest.raises(DeliveryError) as err:
        await sink.post("C0123", _message(), key="42:1700000000")
    assert err.value.uncertain and len(slack_api.messages_in("C0123")) == 1
    since = datetime(2023, 11, 14, tzinfo=UTC)
    assert (
        await sink.find("C0123", "42:1700000000", thread_ts=None, since=since)
        == slack_api.messages_in("C0123")[0]["ts"]
    )
    assert await sink.find("C0123", "43:1700000000", thread_ts=None, since=since) is None


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("channel_not_found", "channel C0123 not found — invite the bot or fix the watchlist's channel"),
        ("not_in_channel", "not in channel C0123"),
        ("is_archived", "C0123 is archived"),
        ("msg_too_long", "too long"),
        ("invalid_blocks", "blocks"),
        ("some_new_error", "some_new_error"),
    ],
)
async def test_slack_errors_are_permanent(slack_api: FakeSlackApi, code: str, expected: str) -> None:
    slack_api.fail_next("chat.postMessage", 1, error=code)
    with pytest.raises(DeliveryError) as err:
        await _sink(slack_api).post("C0123", _message())
    assert err.value.retryable is False
    assert expected in err.value.reason
    assert len(slack_api.calls_to("chat.postMessage")) == 1


async def test_unknown_channel_on_the_fake_maps_to_channel_not_found() -> None:
    server = await FakeSlackApi(channels={"CKNOWN"}).start()
    try:
        with pytest.raises(DeliveryError, match="channel CNOPE not found") as err:
            await _sink(server).post("CNOPE", _message())
        assert err.value.retryable is False
        assert await _sink(server).post("CKNOWN", _message())
    finally:
        await server.close()


async def test_wrong_token_is_permanent_and_never_shown(slack_api: FakeSlackApi) -> None:
    secret = "xoxb-0000-very-secret-token"
    with pytest.raises(DeliveryError) as err:
        await _sink(slack_api, token=secret).post("C0123", _message())
    assert err.value.retryable is False
    assert "invalid_auth" in err.value.reason
    assert secret not in str(err.value) and secret not in repr(err.value)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


async def test_connection_refused_is_retryable_and_hides_token() -> None:
    secret = "xoxb-1111-hidden"
    client = make_web_client(secret, f"http://127.0.0.1:{_closed_port()}/api/", timeout=2, backoff=FAST)
    with pytest.raises(DeliveryError) as err:
        await SlackSink(client).post("C0123", _message())
    assert err.value.retryable is True
    assert "could not reach Slack" in err.value.reason
    assert secret not in str(err.value)
    assert err.value.__cause__ is not None


async def test_timeout_is_retryable() -> None:
    # A listening socket nobody serves: the connection opens, the response never comes.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        client = make_web_client(DEFAULT_TOKEN, f"http://127.0.0.1:{port}/api/", timeout=1, backoff=FAST)
        with pytest.raises(DeliveryError, match="timed out") as err:
            await SlackSink(client).update("C0123", "1.000001", _message())
    assert err.value.retryable is True


async def test_make_web_client_adds_trailing_slash(slack_api: FakeSlackApi) -> None:
    client = make_web_client(DEFAULT_TOKEN, slack_api.url.rstrip("/"), backoff=FAST)
    response = await client.auth_test()
    assert response["user_id"] == "U0SITREP"


# The fake server itself: other suites drive bolt handlers against it, so its contract is pinned here.


async def test_fake_records_users_views_and_response_urls(slack_api: FakeSlackApi) -> None:
    import aiohttp

    slack_api.add_user("UADMIN", name="ada", is_admin=True)
    client = AsyncWebClient(token=DEFAULT_TOKEN, base_url=slack_api.url)
    user = await client.users_info(user="UADMIN")
    assert user["user"]["is_admin"] is True and user["user"]["is_owner"] is False
    opened = await client.views_open(
        trigger_id="t1", view={"type": "modal", "title": {"type": "plain_text", "text": "W"}}
    )
    view_id = opened["view"]["id"]
    await client.views_update(
        view_id=view_id, view={"type": "modal", "title": {"type": "plain_text", "text": "X"}}
    )
    assert slack_api.views[view_id]["title"]["text"] == "X"
    await client.views_publish(user_id="UADMIN", view={"type": "home", "blocks": []})
    assert slack_api.home_views["UADMIN"]["type"] == "home"
    eph = await client.chat_postEphemeral(channel="C1", user="UADMIN", text="only you")
    assert eph["message_ts"]
    posted = await client.chat_postMessage(channel="C1", text="hi")
    link = await client.chat_getPermalink(channel="C1", message_ts=posted["ts"])
    assert link["permalink"].endswith(posted["ts"].replace(".", ""))
    async with aiohttp.ClientSession() as http:
        await http.post(slack_api.response_url("r1"), json={"text": "done", "response_type": "ephemeral"})
    assert slack_api.responses["r1"] == [{"text": "done", "response_type": "ephemeral"}]
    assert [c.method for c in slack_api.calls][:2] == ["users.info", "views.open"]


def test_signing_matches_slack_verification() -> None:
    body = b"command=%2Fsitrep&text=list&user_id=U1"
    ts = 1_700_000_000
    headers = sign("shh", body, ts)
    expected = "v0=" + hmac.new(b"shh", b"v0:1700000000:" + body, hashlib.sha256).hexdigest()
    assert headers == {"X-Slack-Request-Timestamp": "1700000000", "X-Slack-Signature": expected}
    verifier = SignatureVerifier("shh", clock=_FixedClock(ts + 10))
    assert verifier.is_valid_request(body, headers)
    assert not verifier.is_valid_request(body + b"x", headers)


class _FixedClock(Clock):
    def __init__(self, now: float) -> None:
        self._now = now

    def now(self) -> float:
        return self._now


@pytest.mark.parametrize("header", ["0.5", "garbage", "", "-3"])
async def test_any_retry_after_is_waited_out_never_raised(slack_api: FakeSlackApi, header: str) -> None:
    # The SDK's own handler did int("0.5") and the ValueError froze the outbox behind this alert.
    slack_api.fail_next("chat.postMessage", 1, status=429, retry_after=header)
    ts = await _sink(slack_api).post("C0123", _message())
    assert ts and len(slack_api.calls_to("chat.postMessage")) == 2


async def test_an_unexpected_client_error_fails_only_this_alert_and_is_retried_later() -> None:
    class Broken:
        token = DEFAULT_TOKEN

        async def chat_postMessage(self, **_: object) -> None:
            raise ValueError("a reply the client could not read")

    with pytest.raises(DeliveryError) as err:
        await SlackSink(Broken()).post("C0123", _message())  # type: ignore[arg-type]
    assert err.value.retryable is True and "ValueError" in err.value.reason
