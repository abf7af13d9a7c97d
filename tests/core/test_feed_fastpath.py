"""The RSS fast path: the same FeedItems as feedparser (the reference), or no answer at all.

Every document here is written by us. Each is parsed twice, ``parse_feed`` as the bot runs it and
with ``fast_path=False`` (feedparser only), and the results must be equal; the tests also check which
documents the fast path takes, so a silent fallback cannot make them pass.
"""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import islice
from xml.sax.saxutils import escape, quoteattr

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.adapters.feed_server import RssItem, render_rss
from bot.core.feed_fastpath import fast_entries
from bot.core.feed_parsing import ParsedFeed, parse_feed
from bot.errors import ParseError
from tests.conftest import shared_path

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
BASE = "https://wire.example/news/feed.xml"
RSS_TYPE = "application/rss+xml; charset=utf-8"


def both(body: bytes, content_type: str | None = RSS_TYPE) -> tuple[ParsedFeed, ParsedFeed]:
    fast = parse_feed("wire", body, base_url=BASE, content_type=content_type, now=NOW)
    reference = parse_feed("wire", body, base_url=BASE, content_type=content_type, now=NOW, fast_path=False)
    return fast, reference


def rss(*items: str, channel: str = "<title>Levant Wire</title><link>https://wire.example/</link>") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        + channel
        + "<description>d</description>"
        + "".join(f"<item>{i}</item>" for i in items)
        + "</channel></rss>"
    ).encode()


TAKEN = {
    "plain": rss(
        "<title>Airstrikes hit Idlib</title><link>https://wire.example/idlib?id=7</link>"
        "<description>Nine civilians were killed.</description>"
        '<guid isPermaLink="false">wire-7</guid><pubDate>Mon, 09 Mar 2026 14:30:00 +0200</pubDate>'
    ),
    "entities and markup": rss(
        "<title>Gaza &amp; the West Bank: &#8216;calm&#8217;</title>"
        "<description>&lt;p&gt;Shelling &lt;b&gt;resumed&lt;/b&gt;&lt;script&gt;alert(1)&lt;/script&gt;"
        "&lt;a href='/x'&gt;more&lt;/a&gt;&lt;/p&gt;</description><link>/relative/7</link>"
    ),
    "cdata html": rss(
        "<title>Quake</title><description><![CDATA[<div><img src='a.png'/>Rescuers <i>dig</i><br>"
        "on &amp; on<style>p{}</style></div>]]></description><guid>https://wire.example/q</guid>"
    ),
    "title that looks like html": rss("<title>Talks &lt;b&gt;stall&lt;/b&gt; &amp;amp; resume</title>"),
    "title with an unknown entity-like word": rss("<title>AT&amp;T &amp;foo; deal</title>"),
    "permalink guid before link": rss(
        "<guid>https://wire.example/a</guid><link>https://wire.example/b</link><title>t</title>"
    ),
    "permalink guid after link": rss(
        "<link>https://wire.example/b</link><guid>https://wire.example/a</guid><title>t</title>"
    ),
    "guid that is no link": rss("<guid>12345</guid><title>t</title>"),
    "guid isPermaLink True": rss('<guid isPermaLink="True">12345</guid><title>t</title>'),
    "link query mangled": rss("<title>t</title><link>https://wire.example/?a=1&amp;amp;b=2&amp;c;=3</link>"),
    "c1 controls and mojibake": rss(
        "<title>\u0093Quoted\u0094 Caf\u00c3\u00a9</title><description>x</description>"
    ),
    "dates": rss(
        "<title>a</title><pubDate>2026-03-09T10:00:00Z</pubDate>",
        "<title>b</title><pubDate>not a date</pubDate>",
        "<title>c</title><pubDate>Tue, 10 Mar 2099 10:00:00 GMT</pubDate>",
        "<title>d</title>",
    ),
    "empty and blank": rss("<title></title><description>  </description><link>https://wire.example/e</link>"),
    "ignored children": rss(
        "<title>t</title><category>World</category><author>a@b</author><comments>https://c/</comments>"
        '<enclosure url="https://wire.example/a.mp3" length="1" type="audio/mpeg"/>'
        '<dc:creator xmlns:dc="http://purl.org/dc/elements/1.1/">Reporter</dc:creator>'
    ),
    "channel with image and self link": rss(
        "<title>t</title>",
        channel="<image><title>Logo</title><url>https://wire.example/l.png</url><link>https://x/</link></image>"
        '<atom:link xmlns:atom="http://www.w3.org/2005/Atom" href="https://wire.example/rss" rel="self"/>'
        "<title>Levant &amp; Wire</title><link>https://wire.example/?a=1&amp;b=2</link>",
    ),
    "duplicate ids": rss(
        '<title>a</title><guid isPermaLink="false">x</guid>',
        '<title>b</title><guid isPermaLink="false">x</guid>',
    ),
    "no declaration, no content type": b'<rss version="2.0"><channel><item><title>t</title></item>'
    b"</channel></rss>",
}


@pytest.mark.parametrize("name", sorted(TAKEN))
def test_fast_path_takes_plain_rss_and_agrees_with_feedparser(name: str) -> None:
    body = TAKEN[name]
    content_type = None if name.startswith("no declaration") else RSS_TYPE
    assert fast_entries(body, content_type) is not None
    fast, reference = both(body, content_type)
    assert fast == reference
    assert fast.items


DECLINED = {
    "internal entity": rss("<title>&a;</title>").replace(
        b"<rss", b'<!DOCTYPE rss [<!ENTITY a "' + b"x" * 100 + b'">]><rss', 1
    ),
    "external dtd": rss("<title>t</title>").replace(
        b"<rss", b'<!DOCTYPE rss SYSTEM "http://127.0.0.1:9/x.dtd"><rss', 1
    ),
    "undeclared html entity": rss("<title>a&nbsp;b</title>"),
    "latin-1 declared": rss("<title>caf\xe9</title>")
    .replace(b"utf-8", b"iso-8859-1")
    .replace(b"caf\xc3\xa9", b"caf\xe9"),
    "utf-16": (
        '<?xml version="1.0" encoding="utf-16"?><rss version="2.0"><channel><item><title>t</title></item>'
        "</channel></rss>"
    ).encode("utf-16"),
    "content:encoded": rss(
        '<title>t</title><content:encoded xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        "<![CDATA[<p>full</p>]]></content:encoded>"
    ),
    "dc:date": rss(
        '<title>t</title><dc:date xmlns:dc="http://purl.org/dc/elements/1.1/">2026-03-09</dc:date>'
    ),
    "xml:base": rss('<title>t</title><link xml:base="https://other.example/">x</link>'),
    "repeated title": rss("<title>a</title><title>b</title>"),
    "title with a type": rss('<title type="html">a</title>'),
    "markup elements in a title": rss("<title>a <b>bold</b> move</title>"),
    "no items": rss(),
    "not well formed": rss("<title>a</title>")[:-10],
    "atom": b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
    b"<entry><title>x</title><id>urn:1</id></entry></feed>",
    "rss 1.0": b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    b'xmlns="http://purl.org/rss/1.0/"><channel><title>t</title></channel><item><title>x</title></item></rdf:RDF>',
    "html page": b"<!DOCTYPE html><html><body>no feed</body></html>",
}


@pytest.mark.parametrize("name", sorted(DECLINED))
def test_fast_path_leaves_everything_else_to_feedparser(name: str) -> None:
    body = DECLINED[name]
    assert fast_entries(body, RSS_TYPE if name != "latin-1 declared" else "application/rss+xml") is None
    try:
        fast, reference = both(body, None)
    except ParseError as e:
        with pytest.raises(ParseError) as again:
            parse_feed("wire", body, base_url=BASE, content_type=None, now=NOW, fast_path=False)
        assert str(again.value) == str(e)
    else:
        assert fast == reference


@pytest.mark.parametrize(
    "content_type",
    ["text/xml", "text/html", "application/rss+xml; charset=iso-8859-1", "text/xml; charset=windows-1252"],
)
def test_fast_path_declines_a_content_type_that_may_mean_another_encoding(content_type: str) -> None:
    body = TAKEN["plain"]
    assert fast_entries(body, content_type) is None
    fast, reference = both(body, content_type)
    assert fast == reference


def test_fast_path_accepts_an_explicit_utf8_charset() -> None:
    assert fast_entries(TAKEN["plain"], 'text/xml; charset="UTF-8"') is not None


# Text as publishers write it: words, markup, entities (escaped or not), quotes, non-ASCII, C1.
_pieces = st.sampled_from(
    [
        "Idlib",
        "Gaza",
        " ",
        "  \n",
        "&",
        "&amp;",
        "&lt;b&gt;",
        "<b>",
        "</b>",
        "<p>",
        "<br/>",
        "<script>x()</script>",
        "<a href='/r'>",
        "</a>",
        "&#8217;",
        "&#x41;",
        '"',
        "'",
        "é",
        "Ã©",
        "\u0093",
        "Дніпро",
        "إدلب",
        "http://x.example/?a=1&b=2",
        "<![CDATA[",
        "]]>",
        ">",
        "<",
    ]
)
_text = st.lists(
    st.one_of(_pieces, st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=8)),
    max_size=8,
).map("".join)


@st.composite
def _item(draw: st.DrawFn) -> str:
    parts = []
    if draw(st.booleans()):
        parts.append(f"<title>{escape(draw(_text))}</title>")
    if draw(st.booleans()):
        description = draw(_text)
        if draw(st.booleans()) and "]]>" not in description:
            parts.append(f"<description><![CDATA[{description}]]></description>")
        else:
            parts.append(f"<description>{escape(description)}</description>")
    if draw(st.booleans()):
        link = draw(st.sampled_from(["https://wire.example/a?x=1&y=2", "/rel/1", "12", "", "mailto:a@b"]))
        parts.append(f"<link>{escape(link)}</link>")
    if draw(st.booleans()):
        permalink = draw(
            st.sampled_from(["", ' isPermaLink="false"', ' isPermaLink="true"', ' ispermalink="TRUE"'])
        )
        guid = draw(st.sampled_from(["https://wire.example/g", "g-1", "", "/g/2"]))
        parts.append(f"<guid{permalink}>{escape(guid)}</guid>")
    if draw(st.booleans()):
        date = draw(
            st.sampled_from(
                ["Mon, 09 Mar 2026 14:30:00 +0200", "2026-03-09T10:00:00Z", "soon", "Tue, 9 Mar 26 1:2:3 EST"]
            )
        )
        parts.append(f"<pubDate>{date}</pubDate>")
    return "".join(draw(st.permutations(parts)))


@given(items=st.lists(_item(), min_size=1, max_size=4), title=_text)
def test_fast_path_equals_feedparser_on_generated_rss(items: list[str], title: str) -> None:
    body = rss(*items, channel=f"<title>{escape(title)}</title><link>{quoteattr(title)[1:-1]}</link>")
    assert fast_entries(body, RSS_TYPE) is not None
    fast, reference = both(body)
    assert fast == reference


def test_fast_path_equals_feedparser_on_corpus_items() -> None:
    path = shared_path("corpus", "news2023.jsonl.gz")
    if not path.exists():
        pytest.skip("shared corpus not available")
    from bot.corpus import iter_corpus

    raw = list(islice(iter_corpus(path), 2_000))
    for start in range(0, len(raw), 50):
        body = render_rss(
            "corpus",
            "https://corpus.example/",
            [
                RssItem(
                    guid=c.link, title=c.title, description=c.description, link=c.link, published=c.published
                )
                for c in raw[start : start + 50]
            ],
        )
        assert fast_entries(body, RSS_TYPE) is not None
        fast, reference = both(body)
        assert fast == reference
