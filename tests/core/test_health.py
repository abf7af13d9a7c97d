"""What /healthz says, and when it says degraded."""

from __future__ import annotations

from bot.core.health import FeedHealth, health_report

OK, FAILING, NEW = FeedHealth(True, False), FeedHealth(True, True), FeedHealth(False, False)
PAUSED = FeedHealth(True, True, paused=True)


def test_a_bot_doing_its_job_is_ok() -> None:
    body = health_report(scheduler_running=True, feeds=[OK, OK, FAILING, NEW], outbox={"sent": 3})
    assert body == {"ok": True, "status": "ok", "problems": [], "feeds": 4, "failing_feeds": 1,
                    "paused_feeds": 0, "outbox": {"sent": 3}}  # fmt: skip


def test_most_feeds_failing_is_degraded_even_with_the_process_up() -> None:
    body = health_report(scheduler_running=True, feeds=[FAILING, FAILING, OK, NEW], outbox={})
    assert body["ok"] is False and body["status"] == "degraded"
    assert body["problems"] == ["2 of 3 polled feeds are failing"]


def test_a_stopped_scheduler_or_a_silent_database_is_degraded() -> None:
    stopped = health_report(scheduler_running=False, feeds=[OK], outbox={})
    assert not stopped["ok"] and "scheduler is not running" in stopped["problems"][0]
    no_db = health_report(
        scheduler_running=True, feeds=None, outbox=None, database_error="connection refused"
    )
    assert not no_db["ok"] and no_db["problems"] == ["the database does not answer (connection refused)"]
    assert "feeds" not in no_db and "outbox" not in no_db


def test_no_feeds_polled_yet_is_not_a_failure() -> None:
    assert health_report(scheduler_running=True, feeds=[NEW, NEW], outbox={})["ok"] is True


def test_paused_feeds_count_as_failing_so_pausing_hides_nothing() -> None:
    # Pausing stops the requests, not the problem: mostly paused feeds are still a degraded bot.
    body = health_report(scheduler_running=True, feeds=[PAUSED, PAUSED, FAILING, OK, OK], outbox={})
    assert body["problems"] == ["3 of 5 polled feeds are failing (2 of them paused)"]
    assert (body["failing_feeds"], body["paused_feeds"]) == (3, 2)
    one = health_report(scheduler_running=True, feeds=[PAUSED, OK, OK], outbox={})
    assert one["ok"] is True and one["paused_feeds"] == 1  # shown, but one of three is no outage
    never_polled = FeedHealth(False, False, paused=True)  # paused before this process polled it
    assert health_report(scheduler_running=True, feeds=[never_polled], outbox={})["ok"] is False
