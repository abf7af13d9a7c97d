"""Poller.stop: a post in flight is given time to finish and be recorded; past the grace it is cut
off quietly, left for the outbox's check at the next start."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bot.adapters.feed_server import RssItem
from bot.core.gazetteer import Gazetteer
from bot.scheduler import Poller
from tests.e2e.feeds import rss
from tests.fakes.feed_server import FakeFeedServer
from tests.fakes.slack_api import FakeSlackApi
from tests.test_digests import CHANNEL, DAY, desk

STRIKE = RssItem("a1", "Air strikes on Idlib market kill 9 civilians", "Jets hit a market in Idlib city.",
                 "https://wire.example/1", DAY + timedelta(hours=5))  # fmt: skip
HOUR = 3600.0


@pytest.mark.parametrize(("grace", "left"), [(10.0, {"sent": 1}), (0.2, {"sending": 1})])
async def test_stop_waits_up_to_the_grace_for_a_post_in_flight(
    grace: float,
    left: dict[str, int],
    database_url: str,
    feed_server: FakeFeedServer,
    slack_api: FakeSlackApi,
    gazetteer: Gazetteer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    feed_server.set_feed("wire.xml", rss(STRIKE))
    async with desk(
        database_url, feed_server, slack_api, gazetteer, at=DAY + timedelta(hours=5, minutes=30)
    ) as d:
        slack_api.lose_answer("chat.postMessage", "slow", delay=1.5)  # stored at once, answered late
        poller = Poller(d.engine, d.store, round_every=HOUR, drain_every=HOUR, digests_every=HOUR)
        await poller.start()
        await slack_api.wait_messages(CHANNEL)  # Slack has it; the bot waits for the answer
        with caplog.at_level(logging.WARNING):
            await poller.stop(grace=grace)
        assert not poller.running and not poller.delivering
        # Within the grace the answer is recorded; past it the row stays claimed, and the next
        # start asks Slack before sending it again (docs/OPERATIONS.md, "Delivery").
        assert await d.store.outbox_counts() == left
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(slack_api.messages_in(CHANNEL)) == 1
