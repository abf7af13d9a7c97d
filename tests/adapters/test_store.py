"""The store on SQLite and (when TEST_DATABASE_URL is set) PostgreSQL: same behaviour on both."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from bot.adapters.fetch import Validators
from bot.adapters.store import HEAD_REVISION, MIGRATIONS, FeedSpec, Store
from bot.core.alerts import SlackMessage
from bot.core.figures import Casualties, Category, Headline
from bot.core.incidents import Incident, Source
from bot.core.items import FeedItem
from bot.core.triage import MessageFacts, OutboxEntry, Plan
from bot.core.watchlists import Region, Rule, Watchlist
from bot.errors import StoreError

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def item(n: int, feed: str = "wire") -> FeedItem:
    return FeedItem(
        feed_id=feed,
        id=f"guid-{n}",
        title=f"Title {n}",
        summary="Body",
        link=f"https://x.example/{n}",
        published=NOW - timedelta(minutes=n),
    )


def incident(key: str = "inc1", killed: int = 9) -> Incident:
    return Incident(
        key=key,
        watchlist="idlib",
        place="Idlib",
        title="Strike",
        summary="Summary",
        casualties=Casualties(
            killed=Headline(Category.KILLED, killed, "at least", "civilians"),
            wounded=Headline(Category.WOUNDED, 20, "at least"),
        ),
        terms=("Idlib", "airstrikes"),
        sources=(Source("wire", "guid-1", "Levant Wire", "https://x.example/1", NOW),),
        tokens=frozenset({"idlib", "market"}),
        first_seen=NOW,
        updated=NOW,
        alerted=True,
    )


def msg(text: str) -> SlackMessage:
    return SlackMessage(text=text, blocks=({"type": "section", "text": {"type": "mrkdwn", "text": text}},))


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    s = await Store.open(database_url)
    await s.sync_feeds([FeedSpec("wire", "https://wire.example/rss", "Levant Wire", 300)])
    yield s
    await s.close()


async def test_migrations_are_idempotent(database_url: str) -> None:
    for _ in range(2):
        s = await Store.open(database_url)
        await s.close()


def test_the_head_revision_the_store_skips_alembic_at_is_alembics_head() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(cfg).get_heads() == [HEAD_REVISION]


async def test_bad_database_url_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="cannot open database"):
        await Store.open("postgresql+asyncpg://nobody@127.0.0.1:1/none")


async def test_sync_feeds_keeps_state(store: Store) -> None:
    await store.record_poll("wire", now=NOW, validators=Validators(etag='"v1"', body_sha256="ab"))
    await store.sync_feeds([FeedSpec("wire", "https://wire.example/rss2", "Levant Wire 2", 600)])
    feed = await store.feed("wire")
    assert feed is not None
    assert feed.spec.url.endswith("rss2") and feed.spec.interval == 600
    assert feed.validators.etag == '"v1"' and feed.last_success == NOW


async def test_sync_feeds_writes_only_what_the_file_changed(store: Store) -> None:
    updates: list[str] = []
    event.listen(
        store._engine.sync_engine,
        "before_cursor_execute",
        lambda _c, _cur, statement, *_: updates.append(statement) if statement.startswith("UPDATE") else None,
    )
    feed = await store.feed("wire")
    assert feed is not None
    await store.sync_feeds([feed.spec])  # a restart with the same file: nothing to write
    assert updates == []
    await store.sync_feeds([replace(feed.spec, name="Levant Wire (EN)")])
    assert len(updates) == 1
    renamed = await store.feed("wire")
    assert renamed is not None and renamed.spec.name == "Levant Wire (EN)"


async def test_record_poll_is_one_transaction(store: Store) -> None:
    plan = Plan(
        seen=(item(1), item(2)),
        incidents=(incident(),),
        links=(("inc1", "wire", "guid-1"),),
        outbox=(OutboxEntry("inc1", "post", "C0123456789", msg("first")),),
    )
    await store.record_poll("wire", now=NOW, validators=Validators(etag='"e"'), plan=plan)
    assert await store.unseen("wire", ["guid-1", "guid-2", "guid-3"]) == {"guid-3"}
    (row,) = await store.due_outbox(NOW)
    assert row.kind == "post" and row.message.text == "first"
    (inc,) = await store.open_incidents(NOW - timedelta(hours=1))
    assert inc == incident()
    feed = await store.feed("wire")
    assert feed is not None and feed.items_seen == 2 and feed.validators.etag == '"e"'


async def test_a_figures_confidence_is_stored_with_its_incident(store: Store) -> None:
    unsure = Headline(Category.WOUNDED, 20, "at least", confidence=0.41, uncertain=True)
    sure = Headline(Category.KILLED, 9, "at least", "civilians", confidence=0.93)
    stored = replace(incident(), casualties=Casualties(killed=sure, wounded=unsure))
    await store.record_poll("wire", now=NOW, validators=Validators(), plan=Plan(incidents=(stored,)))
    (inc,) = await store.open_incidents(NOW - timedelta(hours=1))
    assert inc.casualties.killed is not None and inc.casualties.wounded is not None
    assert (inc.casualties.killed.confidence, inc.casualties.killed.uncertain) == (0.93, False)
    assert (inc.casualties.wounded.confidence, inc.casualties.wounded.uncertain) == (0.41, True)
    assert inc.casualties.wounded.describe() == "at least 20 wounded (uncertain)"


async def test_failed_transaction_marks_nothing_seen(store: Store) -> None:
    bad = Plan(seen=(item(1), item(1)), incidents=(incident(),))  # duplicate key: the insert fails
    with pytest.raises(Exception):  # noqa: B017 - the database's own integrity error
        await store.record_poll("wire", now=NOW, validators=Validators(etag='"new"'), plan=bad)
    assert await store.unseen("wire", ["guid-1"]) == {"guid-1"}
    assert await store.open_incidents(NOW - timedelta(days=1)) == []
    feed = await store.feed("wire")
    assert feed is not None and feed.validators.etag is None


async def test_unseen_by_feed_answers_each_feed_of_a_round_for_its_own_items(store: Store) -> None:
    await store.record_poll("wire", now=NOW, plan=Plan(seen=(item(1), item(2))))
    # "guid-1" is seen on "wire" only: the same id on another feed is another item.
    assert await store.unseen_by_feed({"wire": ["guid-1", "guid-3"], "other": ["guid-1"]}) == {
        "wire": {"guid-3"},
        "other": {"guid-1"},
    }
    assert await store.unseen_by_feed({}) == {}


async def test_record_items_records_only_the_new_and_answers_which(store: Store) -> None:
    await store.record_poll("wire", now=NOW, plan=Plan(seen=(item(1),)))
    changed = replace(item(1), title="Title 1, edited")
    new = await store.record_items(
        [(changed, "story-1"), (item(2), "story-2"), (item(2, feed="web"), "story-2")], now=NOW
    )
    assert new == {("wire", "guid-2"), ("web", "guid-2")}
    stored, _ = await store.items_since(NOW - timedelta(days=1), limit=10)
    assert {(i.feed_id, i.id): i.title for i in stored} == {
        ("wire", "guid-1"): "Title 1",  # an item seen before is left as it was
        ("wire", "guid-2"): "Title 2",
        ("web", "guid-2"): "Title 2",
    }
    assert await store.record_items([(item(2), "story-2")], now=NOW) == set()
    assert await store.record_items([], now=NOW) == set()


async def test_record_items_in_pages_of_any_length(store: Store) -> None:
    # Pages of RETURNING rows: a count that is no multiple of the page, and more than one batch.
    many = [(item(n), f"s{n}") for n in range(2_077)]
    assert len(await store.record_items(many, now=NOW)) == 2_077
    assert await store.unseen("wire", ["guid-0", "guid-2076", "guid-2077"]) == {"guid-2077"}


async def test_stories_seen_gives_each_recorded_copy_with_its_date(store: Store) -> None:
    await store.record_items([(item(1), "story-a"), (item(2, feed="web"), "story-a")], now=NOW)
    await store.record_items([(item(3), "story-b")], now=NOW)
    found = await store.stories_seen(["story-a", "story-c"])
    assert sorted((r.feed_id, r.id, r.published, r.story) for r in found) == [
        ("web", "guid-2", NOW - timedelta(minutes=2), "story-a"),
        ("wire", "guid-1", NOW - timedelta(minutes=1), "story-a"),
    ]
    assert await store.stories_seen([]) == []


async def test_edits_coalesce_into_a_pending_post(store: Store) -> None:
    await store.record_poll(
        "wire",
        now=NOW,
        plan=Plan(incidents=(incident(),), outbox=(OutboxEntry("inc1", "post", "C0123456789", msg("v1")),)),
    )
    await store.record_poll(
        "wire",
        now=NOW,
        plan=Plan(
            outbox=(
                OutboxEntry("inc1", "reply", "C0123456789", msg("toll rose")),
                OutboxEntry("inc1", "edit", "C0123456789", msg("v2")),
            )
        ),
    )
    rows = await store.due_outbox(NOW)
    assert [(r.kind, r.message.text) for r in rows] == [("post", "v2")]


async def test_coalesced_messages_keep_every_item_they_report(store: Store) -> None:
    def facts(*links: str, killed: int | None = None) -> MessageFacts:
        figures = None if killed is None else (("killed", killed), ("wounded", None))
        return MessageFacts("idlib", figures, links)

    post = OutboxEntry("inc1", "post", "C0123456789", msg("v1"), facts=facts("https://a.example/1", killed=9))
    await store.record_poll("wire", now=NOW, plan=Plan(incidents=(incident(),), outbox=(post,)))
    later = (
        OutboxEntry(
            "inc1", "reply", "C0123456789", msg("toll"), facts=facts("https://b.example/2", killed=12)
        ),
        OutboxEntry("inc1", "edit", "C0123456789", msg("v2"), facts=facts("https://b.example/2", killed=12)),
    )
    await store.record_poll("wire", now=NOW, plan=Plan(outbox=later))
    (row,) = await store.due_outbox(NOW)
    assert row.facts.links == ("https://a.example/1", "https://b.example/2")
    assert row.facts.figures == (("killed", 12), ("wounded", None)) and row.facts.watchlist == "idlib"
    await store.mark_sent(row.id, ts="1700000000.000100", now=NOW)
    edits = tuple(
        OutboxEntry("inc1", "edit", "C0123456789", msg(f"v{n}"), facts=facts(f"https://c.example/{n}"))
        for n in (3, 4)
    )
    await store.record_poll("wire", now=NOW, plan=Plan(outbox=edits))
    (edit,) = await store.due_outbox(NOW)
    assert edit.facts.links == ("https://c.example/3", "https://c.example/4")


async def test_outbox_lifecycle(store: Store) -> None:
    await store.record_poll(
        "wire",
        now=NOW,
        plan=Plan(incidents=(incident(),), outbox=(OutboxEntry("inc1", "post", "C0123456789", msg("v1")),)),
    )
    (row,) = await store.due_outbox(NOW)
    assert await store.posted_ts("inc1", "C0123456789") == ("pending", None)
    await store.mark_retry(row.id, error="HTTP 503", next_attempt_at=NOW + timedelta(seconds=30))
    assert await store.due_outbox(NOW) == []
    (again,) = await store.due_outbox(NOW + timedelta(seconds=31))
    assert again.attempts == 1
    await store.mark_sent(row.id, ts="1700000000.000100", now=NOW)
    assert await store.posted_ts("inc1", "C0123456789") == ("sent", "1700000000.000100")
    await store.record_poll(
        "wire",
        now=NOW,
        plan=Plan(
            outbox=(
                OutboxEntry("inc1", "edit", "C0123456789", msg("v2")),
                OutboxEntry("inc1", "edit", "C0123456789", msg("v3")),
            )
        ),
    )
    rows = await store.due_outbox(NOW)
    assert [(r.kind, r.message.text) for r in rows] == [("edit", "v3")]
    assert await store.outbox_counts() == {"sent": 1, "pending": 1}


async def test_errors_are_recorded_per_feed(store: Store) -> None:
    await store.record_poll("wire", now=NOW, error="HTTP 500 Internal Server Error")
    await store.record_poll("wire", now=NOW, error="timed out")
    feed = await store.feed("wire")
    assert feed is not None and feed.last_error == "timed out" and feed.consecutive_failures == 2
    await store.record_poll("wire", now=NOW)
    feed = await store.feed("wire")
    assert feed is not None and feed.last_error is None and feed.consecutive_failures == 0


IDLIB_WATCH = Watchlist(
    name="idlib",
    channels=("C0IDLIB0001",),
    regions=(Region("Idlib", ("north-west Syria",)),),
    keywords=("airstrike", "truce"),
    min_killed=3,
)


async def test_watchlists_round_trip(store: Store) -> None:
    await store.sync_watchlists([IDLIB_WATCH], now=NOW)
    assert await store.watchlists() == [IDLIB_WATCH]


async def test_config_sync_updates_and_drops_its_own_but_keeps_slack_ones(store: Store) -> None:
    gaza = Watchlist("gaza", ("C0GAZA00001",), (Region("Gaza"),), ("strike",))
    sudan = Watchlist(
        "sudan", ("C0SUDAN0001",), (Region("Sudan"),), ("fighting",), rule=Rule.REGION_AND_KEYWORD
    )
    await store.sync_watchlists([IDLIB_WATCH, gaza], now=NOW)
    await store.save_watchlist(sudan, origin="slack", now=NOW)
    changed = replace(IDLIB_WATCH, keywords=("airstrike", "truce", "shelling"))
    await store.sync_watchlists([changed], now=NOW)  # gaza removed from the file
    assert {w.name: w for w in await store.watchlists()} == {"idlib": changed, "sudan": sudan}


# -- search_incidents (/incidents) ---------------------------------------------------------------


def found(
    n: int, *, place: str | None, title: str, killed: int | None, wounded: int | None, **kw: object
) -> Incident:
    base = incident(f"s{n:02d}")
    heads = Casualties(
        killed=None if killed is None else Headline(Category.KILLED, killed),
        wounded=None if wounded is None else Headline(Category.WOUNDED, wounded),
    )
    return replace(base, place=place, title=title, casualties=heads, updated=NOW - timedelta(hours=n), **kw)  # type: ignore[arg-type]


@pytest.fixture
async def searchable(store: Store) -> Store:
    rows = (
        found(1, place="Idlib", title="Air raids on Idlib market", killed=9, wounded=20),
        found(2, place="Maʿarrat al-Nuʿman", title="Shelling", killed=3, wounded=None, terms=("airstrikes",)),
        found(
            3,
            place="Saraqib",
            title="100% of 50_50 houses hit",
            killed=None,
            wounded=12,
            terms=("ÉVACUATION",),
        ),
        found(5, place=None, title="Truce talks", killed=None, wounded=None, watchlist="gaza", terms=()),
        found(30, place="Idlib", title="Old news", killed=40, wounded=None, terms=()),
    )
    await store.record_poll("wire", now=NOW, plan=Plan(incidents=rows))
    return store


async def keys(store: Store, **kw: object) -> tuple[list[str], int]:
    args: dict[str, object] = {"since": NOW - timedelta(hours=24), "limit": 10, **kw}
    found = await store.search_incidents(**args)  # type: ignore[arg-type]
    return [r.key for r in found.incidents], found.total


async def test_search_filters_newest_first(searchable: Store) -> None:
    assert await keys(searchable) == (["s01", "s02", "s03", "s05"], 4)
    assert await keys(searchable, since=NOW - timedelta(days=2)) == (["s01", "s02", "s03", "s05", "s30"], 5)
    assert await keys(searchable, watchlist="gaza") == (["s05"], 1)
    assert await keys(searchable, min_killed=5) == (["s01"], 1)
    assert await keys(searchable, min_killed=3) == (["s01", "s02"], 2)
    assert await keys(searchable, min_wounded=12) == (["s01", "s03"], 2)
    assert await keys(searchable, min_killed=1, min_wounded=1) == (["s01"], 1)


async def test_search_pages_with_the_total(searchable: Store) -> None:
    # ``total`` counts from the page's first row on; an offset (an old "More" button) walks there.
    assert await keys(searchable, limit=2) == (["s01", "s02"], 4)
    assert await keys(searchable, limit=2, offset=2) == (["s03", "s05"], 2)
    assert await keys(searchable, limit=2, offset=4) == ([], 0)
    assert await keys(searchable, text="market", limit=1, offset=1, since=NOW - timedelta(days=2)) == ([], 0)
    assert await keys(searchable, text="idlib", limit=1, offset=3, since=NOW - timedelta(days=2)) == (
        ["s30"],
        1,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("IDLIB", ["s01", "s02", "s03"]),  # any case; Maarat al-Numan and Saraqib lie in Idlib
        ("idleb", ["s01", "s02", "s03"]),  # another spelling of the place, through the gazetteer
        ("إدلب", ["s01", "s02", "s03"]),  # and another script
        ("سراقب", ["s03"]),
        ("syria", ["s01", "s02", "s03"]),  # the country around them
        ("idl", []),  # whole words, not parts of them
        ("market", ["s01"]),  # title only
        ("airstrikes", ["s01", "s02"]),  # the incident's matched terms (JSON column)
        ("al numan", ["s02"]),  # accents, ʿ and hyphens folded as watchlist matching does
        ("MAARRAT", ["s02"]),
        ("evacuation", ["s03"]),  # non-ASCII case and accent in a JSON term
        ("100%", ["s03"]),  # LIKE wildcards are plain characters here
        ("50_50", ["s03"]),
        ("%", ["s01", "s02", "s03", "s05"]),  # nothing to search for: no text filter
        (("idlib", "market"), ["s01"]),
        (("idlib", "saraqib"), ["s03"]),  # Saraqib, inside Idlib
        (("saraqib", "market"), []),
    ],
)
async def test_search_text(searchable: Store, text: str | tuple[str, ...], expected: list[str]) -> None:
    assert await keys(searchable, text=text) == (expected, len(expected))


async def test_search_returns_whole_incidents(searchable: Store) -> None:
    (first,) = (
        await searchable.search_incidents(since=NOW - timedelta(hours=2), text="market", limit=10)
    ).incidents
    assert first.casualties.value(Category.KILLED) == 9 and first.sources[0].name == "Levant Wire"


async def test_feeds_added_and_removed_from_slack_are_audited(store: Store) -> None:
    await store.sync_feeds([FeedSpec("wire", "https://wire.example/rss", "Wire", 300)])
    spec = FeedSpec("desk", "https://desk.example/rss", "Desk", 600, origin="slack")
    assert await store.add_feed(spec, user_id="UADMIN", now=NOW) is None
    assert (await store.feed("desk")) is not None
    assert (await store.feed("desk")).spec == spec  # type: ignore[union-attr]

    same_url = replace(spec, id="other")
    assert (
        await store.add_feed(same_url, user_id="UADMIN", now=NOW)
        == "that URL is already watched as feed desk"
    )
    same_id = replace(spec, url="https://elsewhere.example/rss")
    assert await store.add_feed(same_id, user_id="UADMIN", now=NOW) == "the id desk is already taken"

    assert await store.remove_feed("nope", user_id="UADMIN", now=NOW) == "there is no feed nope"
    later = NOW + timedelta(minutes=5)
    assert await store.remove_feed("desk", user_id="UOTHER", now=later) is None
    assert [f.spec.id for f in await store.feeds()] == ["wire"]

    log = await store.audit_log()
    assert [(e.action, e.user_id, e.subject, e.at) for e in log] == [
        ("feed.remove", "UOTHER", "feed:desk", later),
        ("feed.add", "UADMIN", "feed:desk", NOW),
    ]
    added = {
        "id": "desk",
        "url": "https://desk.example/rss",
        "name": "Desk",
        "interval": 600,
        "origin": "slack",
    }
    assert (log[1].before, log[1].after) == (None, added)
    assert (log[0].before, log[0].after) == (added, None)


async def test_audit_log_filters_by_subject_and_limits(store: Store) -> None:
    for n in range(5):
        await store.audit(
            user_id="U1",
            action="watch.edit",
            subject=f"watchlist:{'idlib' if n % 2 else 'gaza'}",
            before={"n": n - 1},
            after={"n": n, "note": "<!channel> é"},
            now=NOW + timedelta(minutes=n),
        )
    idlib = await store.audit_log("watchlist:idlib")
    assert [e.after for e in idlib] == [{"n": 3, "note": "<!channel> é"}, {"n": 1, "note": "<!channel> é"}]
    assert [e.before for e in await store.audit_log(limit=2)] == [{"n": 3}, {"n": 2}]
    assert await store.audit_log("watchlist:none") == []


# -- watchlists changed from Slack ----------------------------------------------------------------


async def test_change_watchlist_creates_edits_and_audits_before_and_after(store: Store) -> None:
    assert (
        await store.change_watchlist(IDLIB_WATCH, action="watch.add", user_id="U1", now=NOW, create=True)
        is None
    )
    again = await store.change_watchlist(IDLIB_WATCH, action="watch.add", user_id="U1", now=NOW, create=True)
    assert again is not None and "already exists" in again
    stored = await store.watchlist("idlib")
    assert stored is not None and stored.origin == "slack" and stored.watchlist == IDLIB_WATCH
    edited = replace(IDLIB_WATCH, keywords=("airstrike",))
    later = NOW + timedelta(minutes=5)
    assert await store.change_watchlist(edited, action="watch.edit", user_id="U2", now=later) is None
    (edit, add) = await store.audit_log("watchlist:idlib")
    assert (add.action, add.user_id, add.before) == ("watch.add", "U1", None)
    assert add.after is not None and add.after["keywords"] == ["airstrike", "truce"]
    assert (edit.action, edit.user_id, edit.at) == ("watch.edit", "U2", later)
    assert edit.before == add.after and edit.after is not None and edit.after["keywords"] == ["airstrike"]


async def test_change_watchlist_refuses_an_unknown_one_and_a_stale_form(store: Store) -> None:
    missing = await store.change_watchlist(IDLIB_WATCH, action="watch.edit", user_id="U1", now=NOW)
    assert missing == "there is no watchlist named idlib"
    await store.sync_watchlists([IDLIB_WATCH], now=NOW)
    opened = await store.watchlist("idlib")
    assert opened is not None
    first = replace(IDLIB_WATCH, keywords=("truce",))
    ok = await store.change_watchlist(
        first, action="watch.edit", user_id="U1", now=NOW, expected_version=opened.version
    )
    assert ok is None
    second = replace(IDLIB_WATCH, keywords=("shelling",))
    stale = await store.change_watchlist(
        second, action="watch.edit", user_id="U2", now=NOW, expected_version=opened.version
    )
    assert stale is not None and "changed by someone else" in stale
    assert await store.watchlists() == [first]
    assert len(await store.audit_log("watchlist:idlib")) == 1


async def test_a_slack_edit_is_not_overwritten_by_the_config_file(store: Store) -> None:
    await store.sync_watchlists([IDLIB_WATCH], now=NOW)
    edited = replace(IDLIB_WATCH, exclude=("football",))
    assert await store.change_watchlist(edited, action="watch.edit", user_id="U1", now=NOW) is None
    await store.sync_watchlists([IDLIB_WATCH], now=NOW)  # a restart with the old file
    assert await store.watchlists() == [edited]


async def test_a_removed_watchlist_stays_removed_across_restarts_until_added_again(store: Store) -> None:
    await store.sync_watchlists([IDLIB_WATCH], now=NOW)
    assert await store.remove_watchlist("idlib", user_id="U1", now=NOW) is None
    assert await store.watchlists() == [] and await store.watchlist("idlib") is None
    assert await store.remove_watchlist("idlib", user_id="U1", now=NOW) == "there is no watchlist named idlib"
    await store.sync_watchlists([IDLIB_WATCH], now=NOW)  # the file still lists it
    assert await store.watchlists() == []
    (removal,) = await store.audit_log("watchlist:idlib")
    assert (removal.action, removal.after) == ("watch.remove", None)
    assert removal.before is not None and removal.before["name"] == "idlib"
    back = await store.change_watchlist(IDLIB_WATCH, action="watch.add", user_id="U1", now=NOW, create=True)
    assert back is None and await store.watchlists() == [IDLIB_WATCH]


async def test_timed_mute_survives_the_round_trip(store: Store) -> None:
    muted = replace(IDLIB_WATCH, muted=True, muted_until=NOW + timedelta(hours=6))
    await store.change_watchlist(muted, action="watch.mute", user_id="U1", now=NOW, create=True)
    (back,) = await store.watchlists()
    assert back == muted and back.is_muted(NOW) and not back.is_muted(NOW + timedelta(hours=6))


async def test_an_invalid_watchlist_is_refused_not_stored_to_vanish(store: Store) -> None:
    twice = replace(IDLIB_WATCH, keywords=("truce", "Truce"))
    refused = await store.change_watchlist(twice, action="watch.add", user_id="U1", now=NOW, create=True)
    assert refused is not None and "invalid: keywords[1]: 'Truce' is listed twice" in refused
    assert await store.watchlists() == [] and await store.audit_log() == []


async def test_a_config_feed_removed_from_slack_stays_removed_until_added_again(store: Store) -> None:
    wire = FeedSpec("wire", "https://wire.example/rss", "Wire", 300)
    await store.sync_feeds([wire])
    assert await store.remove_feed("wire", user_id="UADMIN", now=NOW) is None
    assert await store.feed("wire") is None and "wire" not in [f.spec.id for f in await store.feeds()]
    assert await store.remove_feed("wire", user_id="UADMIN", now=NOW) == "there is no feed wire"
    await store.sync_feeds([wire])  # a restart with the same config file
    assert await store.feed("wire") is None
    again = replace(wire, name="Wire again", origin="slack")
    assert await store.add_feed(again, user_id="UADMIN", now=NOW) is None  # the tombstone gives way
    assert (await store.feed("wire")).spec == again  # type: ignore[union-attr]
    actions = [e.action for e in await store.audit_log("feed:wire")]
    assert actions == ["feed.add", "feed.remove"]


async def test_config_never_overwrites_a_slack_feed_nor_clashes_with_its_url(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    desk = FeedSpec("desk", "https://desk.example/rss", "Desk", 600, origin="slack")
    assert await store.add_feed(desk, user_id="UADMIN", now=NOW) is None
    # The operator later lists the same URL in the file, under another id, and reuses the id "desk".
    await store.sync_feeds(
        [
            FeedSpec("desk-wire", "https://desk.example/rss", "Desk wire", 300),
            FeedSpec("desk", "https://other.example/rss", "Other", 300),
        ]
    )
    assert await store.feed("desk-wire") is None
    assert (await store.feed("desk")).spec == desk  # type: ignore[union-attr]
    assert "https://desk.example/rss is already polled as desk; skipped" in caplog.text
    twice = [
        FeedSpec("a", "https://same.example/rss", "A", 300),
        FeedSpec("b", "https://same.example/rss", "B", 300),
    ]
    await store.sync_feeds(twice)  # the file lists one URL twice: the first wins, the start goes on
    assert (await store.feed("a")) is not None and await store.feed("b") is None


async def test_search_follows_an_incident_whose_words_change(searchable: Store) -> None:
    """The stored search text (indexed by pg_trgm on PostgreSQL) follows an update: the new title is found,
    the old one no longer is."""
    first = found(1, place="Idlib", title="Toll rises after Saraqib bombardment", killed=12, wounded=20)
    await searchable.record_poll("wire", now=NOW, plan=Plan(incidents=(first,)))
    assert await keys(searchable, text="saraqib bombardment") == (["s01"], 1)
    assert await keys(searchable, text="market") == ([], 0)
