"""parse_feed: feedparser's many quirks, normalised into FeedItems (all fixture XML written here)."""

# The imported pytest fixture is "redefined" by every test parameter that receives it.
# ruff: noqa: F811

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.feed_parsing import MAX_SUMMARY_CHARS, MAX_TITLE_CHARS, ParsedFeed, canonical_link, parse_feed
from bot.core.items import FeedItem
from bot.core.text import clean_text
from bot.errors import ParseError
from tests.conftest import shared_path
from tests.fakes.feed_server import FakeFeedServer, feed_server  # noqa: F401

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
BASE = "https://wire.example/news/feed.xml"


def parse(
    body: bytes | str, *, content_type: str | None = "application/rss+xml", now: datetime = NOW
) -> ParsedFeed:
    data = body.encode("utf-8") if isinstance(body, str) else body
    return parse_feed("wire", data, base_url=BASE, content_type=content_type, now=now)


def rss(*items: str, title: str = "Levant Wire") -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>{title}</title><link>https://wire.example/</link><description>d</description>"
        + "".join(f"<item>{i}</item>" for i in items)
        + "</channel></rss>"
    )


def only(parsed: ParsedFeed) -> FeedItem:
    assert len(parsed.items) == 1, parsed
    return parsed.items[0]


# --- RSS 2.0 basics ---------------------------------------------------------------------------


def test_rss2_item_is_normalised() -> None:
    parsed = parse(
        rss(
            "<title>Airstrikes hit Idlib</title>"
            "<link>https://wire.example/idlib?id=7</link>"
            "<description>Nine civilians were killed.</description>"
            '<guid isPermaLink="false">wire-7</guid>'
            "<pubDate>Mon, 09 Mar 2026 14:30:00 +0200</pubDate>"
        )
    )
    assert parsed.title == "Levant Wire"
    assert parsed.link == "https://wire.example/"
    assert parsed.skipped == ()
    assert only(parsed) == FeedItem(
        feed_id="wire",
        id="wire-7",
        title="Airstrikes hit Idlib",
        summary="Nine civilians were killed.",
        link="https://wire.example/idlib?id=7",
        published=datetime(2026, 3, 9, 12, 30, tzinfo=UTC),
        published_estimated=False,
    )


def test_missing_guid_uses_canonical_link() -> None:
    item = only(
        parse(
            rss(
                "<title>T</title><link>HTTPS://Wire.Example/a/b?utm_source=rss&amp;x=1&amp;utm_medium=feed#top</link>"
            )
        )
    )
    assert item.id == "https://wire.example/a/b?x=1"
    assert item.link == "https://Wire.Example/a/b?utm_source=rss&x=1&utm_medium=feed#top"  # shown as given


def test_canonical_link() -> None:
    assert canonical_link("https://x.example/p?utm_campaign=a&fbclid=b&q=2#frag") == "https://x.example/p?q=2"
    assert canonical_link("https://X.example") == "https://x.example/"


def test_no_guid_no_link_uses_a_hash_that_is_stable_across_polls() -> None:
    body = rss("<title>Shelling in Kharkiv</title><description>Two hurt.</description>")
    first, later = only(parse(body)), only(parse(body, now=NOW + timedelta(hours=5)))
    assert first.id.startswith("sha256:")
    assert first.id == later.id
    assert first.published_estimated and later.published_estimated
    other = only(parse(rss("<title>Shelling in Odesa</title><description>Two hurt.</description>")))
    assert other.id != first.id


def test_guid_whitespace_is_ignored_and_huge_guids_are_hashed() -> None:
    assert only(parse(rss("<title>T</title><guid>\n  wire-8  \n</guid>"))).id == "wire-8"
    huge = only(parse(rss(f"<title>T</title><guid>{'g' * 5000}</guid>"))).id
    assert huge.startswith("sha256:") and len(huge) < 100


def test_ids_do_not_depend_on_the_feed_url() -> None:
    # A permalink-by-default guid that is not a URL must not be "resolved" against the feed URL.
    body = rss("<title>T</title><guid>12345</guid>").encode()
    here = parse_feed("wire", body, base_url=BASE, content_type=None, now=NOW)
    moved = parse_feed("wire", body, base_url="https://cdn.example/x/rss", content_type=None, now=NOW)
    assert only(here).id == only(moved).id == "12345"
    assert only(here).link is None  # and "12345" is not a link either


def test_permalink_guid_is_the_link() -> None:
    item = only(parse(rss("<title>T</title><guid>https://wire.example/story/9</guid>")))
    assert item.id == item.link == "https://wire.example/story/9"


def test_relative_links_are_made_absolute_against_the_feed_url() -> None:
    parsed = parse(
        rss(
            "<title>A</title><link>/world/a.html</link>",
            "<title>B</title><link>b.html</link>",
            "<title>C</title><link>//cdn.example/c</link>",
        )
    )
    assert [i.link for i in parsed.items] == [
        "https://wire.example/world/a.html",
        "https://wire.example/news/b.html",
        "https://cdn.example/c",
    ]


def test_non_web_links_are_dropped() -> None:
    item = only(parse(rss("<title>T</title><link>javascript:alert(1)</link>")))
    assert item.link is None


# --- markup, entities, CDATA ------------------------------------------------------------------


def test_html_in_titles_is_stripped() -> None:
    parsed = parse(
        rss(
            "<title>&lt;b&gt;Breaking:&lt;/b&gt; strike on &lt;i&gt;Saraqib&lt;/i&gt;</title><guid>1</guid>",
            "<title><![CDATA[<em>CDATA</em> title & more]]></title><guid>2</guid>",
        )
    )
    assert [i.title for i in parsed.items] == ["Breaking: strike on Saraqib", "CDATA title & more"]


def test_entities_are_decoded() -> None:
    item = only(parse(rss("<title>AT&amp;T &#8211; caf&#xe9; &amp;amp; co</title><guid>1</guid>")))
    # XML layer (feedparser) then HTML layer (html_to_text): each escaping undone once.
    assert item.title == "AT&T – café & co"


def test_undeclared_html_entity_is_bozo_but_accepted() -> None:
    item = only(parse(rss("<title>Gaza&nbsp;update &eacute;</title><guid>1</guid>")))
    assert item.title.startswith("Gaza")
    assert "update" in item.title


def test_cdata_description_with_markup_and_script() -> None:
    item = only(
        parse(
            rss(
                "<title>T</title><guid>1</guid><description><![CDATA["
                "<p>Nine <b>civilians</b> killed.</p><script>track()</script><p>Twenty wounded.</p>"
                "]]></description>"
            )
        )
    )
    assert item.summary == "Nine civilians killed.\nTwenty wounded."


def test_summary_falls_back_to_content() -> None:
    item = only(
        parse(
            rss(
                "<title>T</title><guid>1</guid>"
                '<content:encoded xmlns:content="http://purl.org/rss/1.0/modules/content/">'
                "<![CDATA[<p>From content.</p>]]></content:encoded>"
            )
        )
    )
    assert item.summary == "From content."


# --- dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize("date", ["<pubDate>sometime last week</pubDate>", "<pubDate></pubDate>", ""])
def test_bad_or_missing_date_is_estimated_as_now(date: str) -> None:
    item = only(parse(rss(f"<title>T</title><guid>1</guid>{date}")))
    assert item.published == NOW
    assert item.published_estimated


def test_far_future_date_is_replaced_by_now() -> None:
    item = only(parse(rss("<title>T</title><guid>1</guid><pubDate>Fri, 01 Jan 2100 00:00:00 GMT</pubDate>")))
    assert (item.published, item.published_estimated) == (NOW, True)


def test_slightly_future_date_is_kept() -> None:
    # Publishers' clocks and timezones are often a few hours off; within two days is believable.
    item = only(parse(rss("<title>T</title><guid>1</guid><pubDate>Wed, 11 Mar 2026 09:00:00 GMT</pubDate>")))
    assert (item.published, item.published_estimated) == (datetime(2026, 3, 11, 9, tzinfo=UTC), False)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        parse(rss(), now=datetime(2026, 3, 10))


# --- other formats ----------------------------------------------------------------------------

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://atom.example/base/">
  <title type="text">Frontline &lt;Atom&gt;</title>
  <link href="https://atom.example/"/>
  <id>urn:frontline</id><updated>2026-03-01T00:00:00Z</updated>
  <entry>
    <id>tag:atom.example,2026:1</id>
    <title type="html">&lt;em&gt;Strike&lt;/em&gt; hits depot</title>
    <link rel="alternate" href="posts/1"/>
    <updated>2026-03-02T08:00:00Z</updated>
    <content type="html">&lt;p&gt;Full &lt;b&gt;body&lt;/b&gt;&lt;/p&gt;</content>
  </entry>
  <entry>
    <id>tag:atom.example,2026:2</id>
    <title type="text">Plain &lt;not a tag&gt;</title>
    <published>2026-03-01T08:00:00+03:00</published>
    <updated>2026-03-03T08:00:00Z</updated>
    <summary type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>X<b>H</b>TML</p></div></summary>
  </entry>
</feed>
"""


def test_atom() -> None:
    parsed = parse(ATOM, content_type="application/atom+xml")
    assert parsed.title == "Frontline <Atom>"
    first, second = parsed.items
    assert (first.id, first.title, first.summary) == (
        "tag:atom.example,2026:1",
        "Strike hits depot",
        "Full body",
    )
    assert first.link == "https://atom.example/base/posts/1"  # xml:base wins over the feed URL
    assert first.published == datetime(2026, 3, 2, 8, tzinfo=UTC)  # only <updated>: used as the date
    assert second.title == "Plain <not a tag>"  # type="text": angle brackets are text, not markup
    assert second.summary == "XHTML"
    assert second.published == datetime(2026, 3, 1, 5, tzinfo=UTC)  # <published> beats <updated>


RSS1 = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://rdf.example/"><title>RDF desk</title><link>https://rdf.example/</link>
    <description>d</description></channel>
  <item rdf:about="https://rdf.example/r1"><title>Convoy shelled</title><link>https://rdf.example/r1</link>
    <description>Three drivers wounded.</description><dc:date>2026-03-01T10:00:00+01:00</dc:date></item>
</rdf:RDF>
"""


def test_rss1_rdf() -> None:
    parsed = parse(RSS1, content_type="application/rdf+xml")
    item = only(parsed)
    assert parsed.title == "RDF desk"
    assert (item.title, item.summary, item.link) == (
        "Convoy shelled",
        "Three drivers wounded.",
        "https://rdf.example/r1",
    )
    assert item.published == datetime(2026, 3, 1, 9, tzinfo=UTC)


RSS091 = (
    b'<?xml version="1.0" encoding="ISO-8859-1"?>\n'
    b'<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
    b'"http://my.netscape.com/publish/formats/rss-0.91.dtd">\n'
    b'<rss version="0.91"><channel><title>Vieille \xe9cole</title><link>http://old.example/</link>'
    b"<description>d</description><language>fr</language>"
    b"<item><title>Convoi attaqu\xe9</title><link>http://old.example/1</link>"
    b"<description>Deux bless\xe9s.</description></item></channel></rss>"
)


def test_rss091_latin1_with_netscape_doctype() -> None:
    parsed = parse(RSS091, content_type="text/xml")
    item = only(parsed)
    assert parsed.title == "Vieille école"
    assert (item.id, item.title, item.summary) == ("http://old.example/1", "Convoi attaqué", "Deux blessés.")
    assert item.published_estimated  # RSS 0.91 items have no dates


# --- entries and feeds that are wrong ---------------------------------------------------------


def test_duplicate_guids_keep_the_first() -> None:
    parsed = parse(
        rss(
            "<title>First</title><guid>same</guid>",
            "<title>Second</title><guid>same</guid>",
            "<title>Third</title><guid>other</guid>",
        )
    )
    assert [i.title for i in parsed.items] == ["First", "Third"]
    assert parsed.skipped == ("entry 2: duplicate id 'same'",)


def test_entry_without_title_summary_or_link_is_skipped() -> None:
    empty = '<guid isPermaLink="false">empty-1</guid><pubDate>Mon, 09 Mar 2026 10:00:00 GMT</pubDate>'
    parsed = parse(rss(empty, "<title>Kept</title>"))
    assert [i.title for i in parsed.items] == ["Kept"]
    assert parsed.skipped == ("entry 1: no title, summary or link",)


def test_entry_with_only_a_link_is_kept() -> None:
    item = only(parse(rss("<link>https://wire.example/x</link>")))
    assert (item.title, item.summary, item.link) == ("", "", "https://wire.example/x")


def test_wrong_declared_charset_is_accepted() -> None:
    # Declared UTF-8, actually Windows-1252: feedparser notices, falls back, and we keep the item.
    body = rss("<title>Café bombé – “hit”</title><guid>1</guid>").encode("cp1252")
    assert only(parse(body)).title == "Café bombé – “hit”"


def test_header_charset_contradicting_the_body() -> None:
    body = rss("<title>Café</title><guid>1</guid>").encode("utf-8")
    assert only(parse(body, content_type="application/rss+xml; charset=iso-8859-1")).title == "Café"


def test_empty_feed_is_not_an_error() -> None:
    parsed = parse(rss())
    assert parsed.items == ()
    assert parsed.title == "Levant Wire"


HTML_PAGE = b"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Levant Wire</title></head>
<body><h1>Page not found</h1><p>Try our <a href="/">home page</a>.</p></body></html>"""


@pytest.mark.parametrize("content_type", ["text/html; charset=utf-8", "application/rss+xml", None])
def test_html_page_is_a_parse_error(content_type: str | None) -> None:
    with pytest.raises(ParseError) as caught:
        parse(HTML_PAGE, content_type=content_type)
    assert caught.value.feed_id == "wire"
    assert caught.value.reason == "not a feed: got an HTML page"


def test_binary_junk_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="binary data"):
        parse(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, content_type="application/octet-stream")


@pytest.mark.parametrize("body", [b"", b"   \n  "])
def test_empty_body_is_a_parse_error(body: bytes) -> None:
    with pytest.raises(ParseError, match="empty body"):
        parse(body)


@pytest.mark.parametrize(
    "body",
    [
        b'<rss version="2.0"><channel><title>cut off',
        b"just some words, not XML",
        b'{"items": []}',
        b'<?xml version="1.0"?><inventory><part/></inventory>',
    ],
)
def test_not_a_feed_is_a_parse_error(body: bytes) -> None:
    with pytest.raises(ParseError, match="not a"):
        parse(body)


def test_truncated_feed_keeps_the_entries_it_has() -> None:
    body = rss("<title>Complete</title><guid>1</guid>", "<title>Cut")[
        : -len("</title></item></channel></rss>")
    ]
    assert parse(body).items[0].title == "Complete"


def test_a_body_that_looks_like_a_path_is_not_opened(tmp_path: Path) -> None:
    # feedparser.parse(b"/some/file") would read that file; the body must be treated as content.
    secret = tmp_path / "secret.xml"
    secret.write_text(rss("<title>from the local disk</title><guid>1</guid>"), encoding="utf-8")
    with pytest.raises(ParseError):
        parse(str(secret).encode())


async def test_external_dtd_and_entities_are_never_fetched(feed_server: FakeFeedServer) -> None:
    feed_server.set_feed("evil.dtd", b'<!ENTITY boom "BOOM">', content_type="application/xml-dtd")
    feed_server.set_feed("ext.txt", b"EXTERNAL", content_type="text/plain")
    body = (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE rss SYSTEM "{feed_server.url("evil.dtd")}" [\n'
        f'  <!ENTITY ext SYSTEM "{feed_server.url("ext.txt")}">\n'
        '  <!ENTITY here "inline">\n'
        "]>\n"
        '<rss version="2.0"><channel><title>T</title>'
        "<item><title>a &ext; b &here; c</title><guid>1</guid></item></channel></rss>"
    )
    # In a thread, so a (wrong) blocking fetch could reach the server running on this loop.
    parsed = await asyncio.to_thread(parse, body)
    assert feed_server.requests == []
    title = only(parsed).title
    assert "EXTERNAL" not in title and "BOOM" not in title
    assert title.startswith("a") and title.endswith("c")


# --- size caps --------------------------------------------------------------------------------


def test_huge_title_and_summary_are_capped() -> None:
    item = only(parse(rss(f"<title>{'word ' * 1_000_000}</title><description>{'x' * 50_000}</description>")))
    assert len(item.title) == MAX_TITLE_CHARS and item.title.endswith("…")
    assert len(item.summary) == MAX_SUMMARY_CHARS and item.summary.endswith("…")


def test_reference_story_as_a_feed_item() -> None:
    story = shared_path("examples", "idlib-airstrikes.txt").read_text(encoding="utf-8")
    headline, _, rest = story.strip().partition("\n")
    item = only(
        parse(
            rss(f"<title>{escape(headline)}</title><description>{escape(rest)}</description><guid>1</guid>")
        )
    )
    assert item.title == clean_text(headline)
    assert item.summary == clean_text(rest)[:MAX_SUMMARY_CHARS]
    assert "9" in item.summary or "nine" in item.summary.lower()


# --- properties -------------------------------------------------------------------------------


@given(st.binary(max_size=2_000))
def test_arbitrary_bytes_give_a_feed_or_a_parse_error(body: bytes) -> None:
    try:
        parsed = parse(body, content_type=None)
    except ParseError:
        return
    for item in parsed.items:
        assert item.published.tzinfo is not None
        assert len(item.title) <= MAX_TITLE_CHARS


@given(st.text(max_size=600), st.text(max_size=300))
def test_any_escaped_title_round_trips_as_clean_text(title: str, guid: str) -> None:
    xml_safe = "".join(ch for ch in title if ch.isprintable() and ch not in "\ufffe\uffff")
    parsed = parse(rss(f"<title>{escape(xml_safe)}</title><guid>{escape(guid)}x</guid>"))
    for item in parsed.items:
        assert len(item.title) <= MAX_TITLE_CHARS
        assert item.title == item.title.strip()
