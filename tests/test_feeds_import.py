"""/feeds import end to end: really signed slash commands to the bolt app, OPML files shared on the
fake Slack server (files.list, files.info, bearer-checked downloads), the SSRF guard answered by a
fake resolver, feeds and audit rows read back from the store, announcements read from the fake
admin channel. Every OPML document here is written for these tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.adapters.slack_files import token_may_go_to
from bot.adapters.store import Store
from bot.core.gazetteer import Gazetteer
from bot.core.opml import OpmlFeed
from bot.engine import Engine
from handlers.context import Services
from handlers.feeds import Outcome, file_id, format_import
from tests.fakes.bolt_server import bot_settings, serve_app, slack_runtime
from tests.fakes.dns import names_resolver
from tests.fakes.feed_server import FakeFeedServer
from tests.fakes.slack_api import DEFAULT_TOKEN, FakeSlackApi
from tests.fakes.slack_requests import ask

SECRET = "test-signing-secret-0123456789"
NOW = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
CONFIG_ADMIN = "U0CFGADMIN"
WORKSPACE_ADMIN = "U0WSADMIN"
MEMBER = "U0MEMBER"
ADMIN_CHANNEL = "C0ADMINS"
HERE = "C0IDLIB0001"  # the channel slash_body sends commands from
ELSEWHERE = "C0OTHER0001"
REPLY_WITHIN = 3.0
PUBLIC = "93.184.216.34"


def opml(*outlines: str) -> bytes:
    body = "\n".join(outlines)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">\n'
        f"<head><title>Desk feeds</title></head>\n<body>\n{body}\n</body>\n</opml>\n"
    ).encode()


def feed(title: str, url: str) -> str:
    return f'<outline type="rss" text="{title}" xmlUrl="{url}"/>'


@dataclass
class Bot:
    server: TestServer
    slack: FakeSlackApi
    store: Store
    config_feed: str
    config_url: str
    scheduled: list[str]
    rids: int = 0

    async def feeds(self, text: str, user: str = CONFIG_ADMIN) -> str:
        """Send ``/feeds text`` as ``user`` from channel HERE; returns the ephemeral reply's text."""
        self.rids += 1
        return await ask(
            self.server,
            self.slack,
            SECRET,
            "/feeds",
            text,
            rid=f"r{self.rids}",
            user=user,
            within=REPLY_WITHIN,
        )

    async def slack_feeds(self) -> dict[str, str]:
        """id → URL of the feeds added from Slack."""
        return {f.spec.id: f.spec.url for f in await self.store.feeds() if f.spec.origin == "slack"}


@pytest.fixture
async def bot(
    tmp_path: Path,
    feed_server: FakeFeedServer,
    slack_api: FakeSlackApi,
    database_url: str,
    gazetteer: Gazetteer,
) -> AsyncIterator[Bot]:
    settings = bot_settings(tmp_path / "sitrep.toml", feed_server.url("feed.xml"), SECRET)
    slack_api.add_user(WORKSPACE_ADMIN, is_admin=True)
    slack_api.add_user(MEMBER)
    async with slack_runtime(settings, slack_api.url, database_url, gazetteer, clock=lambda: NOW) as bot_rt:
        rt, client, specs = bot_rt.runtime, bot_rt.client, bot_rt.specs
        assert isinstance(rt.engine, Engine)
        names = {
            "news.example": [PUBLIC],
            "wire.example": [PUBLIC],
            "gaza.example": [PUBLIC, "2606:2800:220:1::1"],
            "sneaky.example": ["10.0.0.7"],
        }
        names.update({f"f{i}.example": [PUBLIC] for i in range(30)})
        scheduled: list[str] = []
        services = Services(
            store=rt.store,
            engine=rt.engine,
            clock=lambda: NOW,
            admins=frozenset({CONFIG_ADMIN}),
            admin_channel=ADMIN_CHANNEL,
            resolver=names_resolver(names),
            on_feed_added=lambda f: scheduled.append(f.spec.id),
        )
        async with serve_app(client, services, SECRET) as server:
            yield Bot(server, slack_api, rt.store, specs[0].id, specs[0].url, scheduled)


@pytest.fixture
async def foreign() -> AsyncIterator[tuple[TestServer, list[dict[str, str]]]]:
    """A server that is not Slack and records the headers of every request it gets."""
    seen: list[dict[str, str]] = []

    async def steal(request: web.Request) -> web.StreamResponse:
        seen.append(dict(request.headers))
        return web.Response(body=opml(feed("Bait", "https://news.example/rss")), content_type="text/xml")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", steal)
    server = TestServer(app)
    await server.start_server()
    yield server, seen
    await server.close()


async def test_imports_the_newest_opml_file_shared_in_the_channel(bot: Bot) -> None:
    slack = bot.slack
    slack.add_file("F0OLDER001", "old.opml", opml(feed("Old", "https://wire.example/old")), HERE, created=100)
    desk = opml(
        '<outline text="Middle East">',
        feed("Desk &lt;!here&gt; news", "https://news.example/rss"),
        '<outline text="Gaza">',
        feed("Gaza Today", "https://gaza.example/feed.xml"),
        "</outline>",
        '<outline text="Notes only"/>',
        "</outline>",
    )
    slack.add_file("F0NEWEST01", "desk.opml", desk, HERE, created=200)
    slack.add_file("F0PHOTO001", "photo.png", b"\x89PNG\r\n", HERE, created=300, mimetype="image/png")
    other = opml(feed("Other", "https://wire.example/other"))
    slack.add_file("F0OTHERCH1", "other.opml", other, ELSEWHERE, created=400)

    reply = await bot.feeds("import")

    assert reply == (
        "Imported 2 of 2 feeds from *desk.opml*.\n"
        "Added (2):\n"
        "• `desk-here-news` *Desk &lt;!here&gt; news* — https://news.example/rss\n"
        "• `gaza-today` *Gaza Today* — https://gaza.example/feed.xml\n"
        "Not imported from the file (1):\n"
        "• outline 5 (line 10) “Notes only” has no xmlUrl"
    )
    (listing,) = slack.calls_to("files.list")
    assert listing.params["channel"] == HERE
    assert [(d.method, d.auth) for d in slack.downloads] == [
        ("download F0NEWEST01", f"Bearer {DEFAULT_TOKEN}")
    ]

    assert await bot.slack_feeds() == {
        "desk-here-news": "https://news.example/rss",
        "gaza-today": "https://gaza.example/feed.xml",
    }
    assert bot.scheduled == ["desk-here-news", "gaza-today"]
    audit = await bot.store.audit_log()
    assert sorted((e.action, e.subject, e.user_id, e.at) for e in audit) == [
        ("feed.add", "feed:desk-here-news", CONFIG_ADMIN, NOW),
        ("feed.add", "feed:gaza-today", CONFIG_ADMIN, NOW),
    ]
    assert {e.after["url"] for e in audit if e.after} == {
        "https://news.example/rss",
        "https://gaza.example/feed.xml",
    }

    (note,) = await slack.wait_messages(ADMIN_CHANNEL)
    assert note["text"] == (
        f"<@{CONFIG_ADMIN}> imported 2 feeds from *desk.opml*:\n"
        "• `desk-here-news` *Desk &lt;!here&gt; news* — https://news.example/rss\n"
        "• `gaza-today` *Gaza Today* — https://gaza.example/feed.xml"
    )


async def test_import_a_file_by_id_or_by_its_slack_link(bot: Bot) -> None:
    slack = bot.slack
    slack.add_file(
        "F0SHARED02", "World.OPML", opml(feed("World wire", "https://wire.example/world")), ELSEWHERE
    )

    first = await bot.feeds("import F0SHARED02", WORKSPACE_ADMIN)
    assert first == (
        "Imported 1 of 1 feed from *World.OPML*.\nAdded (1):\n• `world-wire` *World wire* — https://wire.example/world"
    )
    link = "<https://sitrep-test.slack.com/files/U0UPLOADER/F0SHARED02/World.OPML>"
    again = await bot.feeds(f"import {link}", WORKSPACE_ADMIN)
    assert again == (
        "Imported 0 of 1 feed from *World.OPML*.\n"
        "Skipped, already watched (1):\n"
        "• https://wire.example/world — as `world-wire`"
    )
    assert [c.params["file"] for c in slack.calls_to("files.info")] == ["F0SHARED02", "F0SHARED02"]
    assert slack.calls_to("files.list") == []
    assert [e.subject for e in await bot.store.audit_log()] == ["feed:world-wire"]

    missing = await bot.feeds("import F0MISSING9")
    assert missing == (
        "Not imported: there is no such file, or Sitrep cannot see it"
        " (invite Sitrep to the channel it was shared in)."
    )
    not_a_file = await bot.feeds("import news.opml")
    assert "“news.opml” is not a Slack file ID (F…) or a link to a Slack file" in not_a_file
    assert "Usage: " in not_a_file
    two = await bot.feeds("import F0SHARED02 F0SHARED03")
    assert "`import` takes at most one file" in two and "Usage: " in two

    (note,) = await slack.wait_messages(ADMIN_CHANNEL)  # only the import that added something
    assert note["text"].startswith(f"<@{WORKSPACE_ADMIN}> imported 1 feed from *World.OPML*:")
    assert len(slack.messages_in(ADMIN_CHANNEL)) == 1


async def test_non_admins_cannot_import(bot: Bot) -> None:
    bot.slack.add_file("F0NEWEST01", "desk.opml", opml(feed("News", "https://news.example/rss")), HERE)
    for text in ("import", "import F0NEWEST01"):
        reply = await bot.feeds(text, MEMBER)
        assert reply == (
            "Sorry, only Sitrep admins can import feeds: users listed in the config file's `admins`,"
            " and workspace admins and owners. Ask one of them."
        )
    assert bot.slack.calls_to("files.list") == [] and bot.slack.calls_to("files.info") == []
    assert bot.slack.downloads == []
    assert await bot.slack_feeds() == {} and await bot.store.audit_log() == []


async def test_no_opml_file_in_the_channel_says_what_to_do(bot: Bot) -> None:
    bot.slack.add_file("F0PHOTO001", "photo.png", b"\x89PNG\r\n", HERE, mimetype="image/png")
    bot.slack.add_file("F0OTHERCH1", "feeds.opml", opml(feed("News", "https://news.example/rss")), ELSEWHERE)
    reply = await bot.feeds("import")
    assert reply == (
        "No OPML file among the last 20 files shared in this channel. Share the .opml file here"
        " (Sitrep must be in the channel), then run `/feeds import` again, or name the file:"
        " `/feeds import F0123ABCD`."
    )
    bot.slack.fail_next("files.list", error="missing_scope")
    assert await bot.feeds("import") == (
        "Not imported: the Sitrep app lacks the files:read scope; reinstall it with the current manifest."
    )
    bot.slack.fail_next("files.list", error="not_in_channel")
    assert await bot.feeds("import") == (
        "Not imported: Sitrep cannot see this channel's files; invite it with /invite @Sitrep."
    )
    assert bot.slack.downloads == [] and await bot.slack_feeds() == {}


async def test_each_feed_gets_its_own_outcome(bot: Bot) -> None:
    assert (await bot.feeds("add https://wire.example/world Wire")).startswith("Added feed `wire`")
    listing = opml(
        feed("Levant Wire again", bot.config_url),
        feed("Wire", "https://wire.example/world"),
        feed("Loopback", "http://127.0.0.1:8080/rss"),
        feed("Sneaky", "https://sneaky.example/rss"),
        feed("Nowhere", "https://nowhere.example/rss"),
        feed("News", "https://news.example/rss"),
        feed("News again", "https://news.example/rss"),
        '<outline text="Old FTP" xmlUrl="ftp://news.example/rss"/>',
    )
    bot.slack.add_file("F0MIXED001", "mixed.opml", listing, HERE)

    reply = await bot.feeds("import", WORKSPACE_ADMIN)

    lines = reply.split("\n")
    assert lines[:7] == [
        "Imported 1 of 6 feeds from *mixed.opml*.",
        "Added (1):",
        "• `news` *News* — https://news.example/rss",
        "Skipped, already watched (2):",
        f"• {bot.config_url} — as `{bot.config_feed}`",
        "• https://wire.example/world — as `wire`",
        "Refused (3):",
    ]
    loopback, private, unknown = lines[7:10]
    assert loopback.startswith("• http://127.0.0.1:8080/rss — refused: ") and "loopback" in loopback
    assert private.startswith("• https://sneaky.example/rss — refused: ") and "10.0.0.7" in private
    assert unknown == "• https://nowhere.example/rss — DNS lookup failed for nowhere.example"
    assert lines[10:] == [
        "Not imported from the file (2):",
        "• outline 8 (line 12): its xmlUrl ftp://news.example/rss is not an http:// or https:// URL",
        "• https://news.example/rss is listed 2 times; it is imported once",
    ]
    assert await bot.slack_feeds() == {
        "wire": "https://wire.example/world",
        "news": "https://news.example/rss",
    }
    assert [(e.subject, e.user_id) for e in await bot.store.audit_log()] == [
        ("feed:news", WORKSPACE_ADMIN),
        ("feed:wire", CONFIG_ADMIN),
    ]
    notes = await bot.slack.wait_messages(ADMIN_CHANNEL, 2)
    assert notes[1]["text"] == (
        f"<@{WORKSPACE_ADMIN}> imported 1 feed from *mixed.opml*:\n• `news` *News* — https://news.example/rss"
    )


async def test_the_token_goes_to_slack_only(
    bot: Bot, foreign: tuple[TestServer, list[dict[str, str]]]
) -> None:
    server, seen = foreign
    elsewhere = str(server.make_url("/files-pri/T0FAKE-F0FOREIGN1/evil.opml"))
    refusal = (
        f"the file's download address is on 127.0.0.1:{server.port}, not Slack;"
        " Sitrep sends its token only to Slack"
    )
    bot.slack.add_file("F0FOREIGN1", "evil.opml", b"", HERE, url=elsewhere, size=100)
    assert await bot.feeds("import") == f"Not imported: *evil.opml* — {refusal}."

    # Slack's own download answering with a redirect elsewhere is refused the same way.
    bot.slack.add_file("F0REDIRECT", "hop.opml", b"", HERE)
    bot.slack.redirect_file("F0REDIRECT", elsewhere)
    assert await bot.feeds("import F0REDIRECT") == f"Not imported: *hop.opml* — {refusal}."
    assert seen == []
    assert [d.method for d in bot.slack.downloads] == ["download F0REDIRECT"]

    # A redirect that stays on Slack is followed, token and all.
    bot.slack.add_file("F0TARGET01", "target.opml", opml(feed("News", "https://news.example/rss")), ELSEWHERE)
    bot.slack.add_file("F0HOPPING1", "hopping.opml", b"", HERE)
    bot.slack.redirect_file("F0HOPPING1", bot.slack.files["F0TARGET01"]["url_private"])
    reply = await bot.feeds("import F0HOPPING1")
    assert reply.startswith("Imported 1 of 1 feed from *hopping.opml*.\nAdded (1):\n• `news` *News*")
    assert [(d.method, d.auth) for d in bot.slack.downloads[1:]] == [
        ("download F0HOPPING1", f"Bearer {DEFAULT_TOKEN}"),
        ("download F0TARGET01", f"Bearer {DEFAULT_TOKEN}"),
    ]
    assert seen == []


@pytest.mark.parametrize(
    ("url", "api", "allowed"),
    [
        ("https://files.slack.com/files-pri/T0-F0/a.opml", "https://slack.com/api/", True),
        ("https://slack.com/files/x", "https://slack.com/api/", True),
        ("https://files-edge.slack-files.com/a", "https://slack.com/api/", True),
        ("http://files.slack.com/files-pri/T0-F0/a.opml", "https://slack.com/api/", False),  # not HTTPS
        ("https://files.slack.com.evil.example/a", "https://slack.com/api/", False),
        ("https://evilslack.com/a", "https://slack.com/api/", False),
        ("https://files.slack.com@evil.example/a", "https://slack.com/api/", False),
        ("https://user:pw@files.slack.com/a", "https://slack.com/api/", False),
        ("https://files.slack.com:8443/a", "https://slack.com/api/", True),
        ("ftp://files.slack.com/a", "https://slack.com/api/", False),
        ("/files-pri/T0-F0/a.opml", "https://slack.com/api/", False),
        ("http://127.0.0.1:4001/files/F0/a.opml", "http://127.0.0.1:4001/api/", True),  # the API's origin
        ("http://127.0.0.1:4002/files/F0/a.opml", "http://127.0.0.1:4001/api/", False),
        ("https://127.0.0.1:4001/files/F0/a.opml", "http://127.0.0.1:4001/api/", False),
        ("http://[::1/a", "http://127.0.0.1:4001/api/", False),
    ],
)
def test_which_hosts_may_receive_the_token(url: str, api: str, allowed: bool) -> None:
    assert token_may_go_to(url, api) is allowed


async def test_a_malformed_or_hostile_file_is_named_and_nothing_is_added(bot: Bot) -> None:
    broken = b'<?xml version="1.0"?>\n<opml><body>\n<outline text="x" xmlUrl="https://news.example/rss">\n</body></opml>\n'
    bot.slack.add_file("F0BROKEN01", "broken.opml", broken, HERE)
    assert await bot.feeds("import F0BROKEN01") == (
        "Nothing imported from *broken.opml*: it lists no feed Sitrep could use.\n"
        "• line 4: not well-formed XML (mismatched tag)"
    )
    laughs = (
        b'<?xml version="1.0"?>\n<!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>\n'
        b'<opml><body><outline text="&b;" xmlUrl="https://news.example/rss"/></body></opml>'
    )
    bot.slack.add_file("F0LAUGHS01", "laughs.opml", laughs, HERE)
    reply = await bot.feeds("import F0LAUGHS01")
    assert reply.startswith(
        "Nothing imported from *laughs.opml*: it lists no feed Sitrep could use.\n"
        "• line 2: the file declares a DOCTYPE"
    )
    rss = b'<?xml version="1.0"?><rss version="2.0"><channel><title>News</title></channel></rss>'
    bot.slack.add_file("F0RSSFEED1", "feed.xml", rss, HERE)
    assert await bot.feeds("import") == (
        "Nothing imported from *feed.xml*: it lists no feed Sitrep could use.\n"
        "• this is not an OPML file (its root element is <rss>, not <opml>)".replace("<", "&lt;").replace(
            ">", "&gt;"
        )
    )
    assert await bot.slack_feeds() == {} and await bot.store.audit_log() == []
    assert bot.slack.messages_in(ADMIN_CHANNEL) == []


async def test_files_over_the_cap_are_refused_and_never_read_past_it(bot: Bot) -> None:
    big = opml(feed("News", "https://news.example/rss")) + b" " * (2 * 1024 * 1024)
    bot.slack.add_file("F0BIGHONEST", "big.opml", big, HERE)
    assert await bot.feeds("import F0BIGHONEST") == (
        f"Not imported: *big.opml* — the file is larger than 1 MB ({len(big):,} bytes);"
        " split it and import the parts."
    )
    assert bot.slack.downloads == []  # Slack's own size was enough to refuse

    bot.slack.add_file("F0BIGLIAR1", "liar.opml", big, HERE, size=2048)
    assert await bot.feeds("import F0BIGLIAR1") == (
        "Not imported: *liar.opml* — the file is larger than 1 MB; split it and import the parts."
    )
    assert [d.method for d in bot.slack.downloads] == ["download F0BIGLIAR1"]
    assert await bot.slack_feeds() == {}


async def test_a_sign_in_page_instead_of_the_file(bot: Bot) -> None:
    page = b"<!DOCTYPE html><html><body>Sign in to Sitrep Test</body></html>"
    bot.slack.add_file("F0SIGNIN01", "desk.opml", page, HERE, mimetype="text/html")
    assert await bot.feeds("import") == (
        "Not imported: *desk.opml* — Slack sent a web page instead of the file"
        " (does the app have files:read?)."
    )


async def test_long_imports_list_the_first_twenty_of_each(bot: Bot) -> None:
    listing = opml(*(feed(f"Feed {i}", f"https://f{i}.example/rss") for i in range(25)))
    bot.slack.add_file("F0MANY0001", "many.opml", listing, HERE)
    reply = await bot.feeds("import")
    lines = reply.split("\n")
    assert lines[:3] == [
        "Imported 25 of 25 feeds from *many.opml*.",
        "Added (25):",
        "• `feed-0` *Feed 0* — https://f0.example/rss",
    ]
    assert lines[21:] == ["• `feed-19` *Feed 19* — https://f19.example/rss", "• … and 5 more"]
    assert len(await bot.slack_feeds()) == 25 and len(await bot.store.audit_log(limit=100)) == 25
    assert len(bot.scheduled) == 25
    (note,) = await bot.slack.wait_messages(ADMIN_CHANNEL)
    assert note["text"].count("\n• ") == 21 and note["text"].endswith("• … and 5 more")


@pytest.mark.parametrize(
    ("arg", "wanted"),
    [
        ("F0123ABCD", "F0123ABCD"),
        ("https://sitrep-test.slack.com/files/U0123/F0123ABCD/desk.opml", "F0123ABCD"),
        ("<https://files.slack.com/files-pri/T0123ABC-F0123ABCD/desk.opml|desk.opml>", "F0123ABCD"),
        ("https://files.slack.com/files-pri/T0123ABC-F0123ABCD/download/desk.opml", "F0123ABCD"),
        ("f0123abcd", None),
        ("desk.opml", None),
        ("https://news.example/rss", None),
        ("F01", None),
    ],
)
def test_file_id_from_an_id_or_a_link(arg: str, wanted: str | None) -> None:
    assert file_id(arg) == wanted


def test_the_summary_escapes_what_the_file_said() -> None:
    evil = OpmlFeed("https://news.example/<!channel>", "<!channel> *bold* <https://evil|BBC>")
    text = format_import(
        "<@U0BOSS>.opml",
        [Outcome(evil, "added", "channel-bold"), Outcome(evil, "refused", "refused: <!here>")],
        ["outline 1 “<!everyone>” has no xmlUrl"],
    )
    assert "<!" not in text and "<@" not in text and "<https" not in text
    assert text.startswith("Imported 1 of 2 feeds from *&lt;@U0BOSS&gt;.opml*.")
