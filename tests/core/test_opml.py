"""parse_opml: feeds out of nested outlines, a sentence for everything it skips, and hostile files
(entity declarations, oversized input, garbage) refused without ever raising."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.opml import MAX_BYTES, MAX_FEEDS, OpmlFeed, OpmlResult, parse_opml


def opml(body: str, *, head: str = "<head><title>Desk subscriptions</title></head>") -> bytes:
    prolog = '<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">'
    return f"{prolog}\n{head}\n<body>\n{body}\n</body>\n</opml>\n".encode()


def test_feeds_come_out_of_nested_categories_in_document_order() -> None:
    got = parse_opml(
        opml(
            """<outline text="Middle East">
  <outline text="Syria">
    <outline type="rss" text="Levant Wire" title="Levant Wire — Syria" xmlUrl="https://levantwire.example/syria.rss"/>
    <outline text="Idlib desk" xmlurl="https://idlibdesk.example/feed"/>
  </outline>
  <outline text="  Gaza \n  Today " XMLURL="http://gaza-today.example/rss.xml"/>
</outline>
<outline type="rss" xmlUrl="https://untitled.example/atom"/>"""
        )
    )
    assert got == OpmlResult(
        feeds=(
            OpmlFeed("https://levantwire.example/syria.rss", "Levant Wire — Syria"),
            OpmlFeed("https://idlibdesk.example/feed", "Idlib desk"),
            OpmlFeed("http://gaza-today.example/rss.xml", "Gaza Today"),
            OpmlFeed("https://untitled.example/atom", ""),
        ),
        problems=(),
    )


def test_outlines_without_a_feed_url_are_named_but_categories_are_not() -> None:
    got = parse_opml(
        opml(
            """<outline text="Sudan">
  <outline text="Darfur notes" htmlUrl="https://darfur.example/"/>
  <outline text="Khartoum Post" xmlUrl="https://khartoumpost.example/rss"/>
</outline>
<outline text="Empty folder"/>
<outline/>"""
        )
    )
    assert got.feeds == (OpmlFeed("https://khartoumpost.example/rss", "Khartoum Post"),)
    assert got.problems == (
        "outline 2 (line 6) “Darfur notes” has no xmlUrl",
        "outline 4 (line 9) “Empty folder” has no xmlUrl",
        "outline 5 (line 10) has no xmlUrl",
    )


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        (
            "ftp://files.example/feed.xml",
            "its xmlUrl ftp://files.example/feed.xml is not an http:// or https:// URL",
        ),
        ("javascript:alert(1)", "its xmlUrl javascript:alert(1) is not an http:// or https:// URL"),
        ("file:///etc/passwd", "its xmlUrl file:///etc/passwd is not an http:// or https:// URL"),
        ("feeds.example/rss", "its xmlUrl feeds.example/rss is not an http:// or https:// URL"),
        ("", "its xmlUrl is empty"),
        ("   ", "its xmlUrl is empty"),
        ("http:///rss", "its xmlUrl http:///rss has no host"),
        ("http://[::1/rss", "its xmlUrl http://[::1/rss is not a valid URL"),
        ("https://a.example/a b", "its xmlUrl 'https://a.example/a b' contains spaces or control characters"),
        ("https://a.example/" + "x" * 290, "its xmlUrl is 308 characters; at most 300"),
    ],
)
def test_urls_that_cannot_be_feeds_are_skipped_with_the_reason(url: str, problem: str) -> None:
    got = parse_opml(
        opml(
            f'<outline text="Bad" xmlUrl="{url}"/>\n<outline text="Good" xmlUrl="https://good.example/rss"/>'
        )
    )
    assert got.feeds == (OpmlFeed("https://good.example/rss", "Good"),)
    assert got.problems == (f"outline 1 (line 5): {problem}",)


def test_a_url_listed_twice_is_imported_once_and_reported_once() -> None:
    got = parse_opml(
        opml(
            """<outline text="World"><outline text="Wire" xmlUrl="https://wire.example/rss"/></outline>
<outline text="Wire again" xmlUrl=" https://wire.example/rss "/>
<outline text="Other" xmlUrl="https://other.example/rss"/>
<outline text="Wire, third time" xmlUrl="https://wire.example/rss"/>"""
        )
    )
    assert got.feeds == (
        OpmlFeed("https://wire.example/rss", "Wire"),
        OpmlFeed("https://other.example/rss", "Other"),
    )
    assert got.problems == ("https://wire.example/rss is listed 3 times; it is imported once",)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE opml [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<opml version="2.0"><body><outline text="&lol9;" xmlUrl="https://laughs.example/rss"/></body></opml>
"""


@pytest.mark.parametrize(
    "doc",
    [
        pytest.param(BILLION_LAUGHS, id="billion-laughs"),
        pytest.param(
            b'<?xml version="1.0"?>\n<!DOCTYPE opml [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
            b'<opml><body><outline text="&secret;" xmlUrl="https://x.example/"/></body></opml>',
            id="external-file-entity",
        ),
        pytest.param(
            b'<?xml version="1.0"?>\n<!DOCTYPE opml SYSTEM "http://127.0.0.1:9/evil.dtd">\n<opml/>',
            id="external-dtd",
        ),
        pytest.param(
            b'<?xml version="1.0"?>\n<!DOCTYPE opml [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p">%p;]>\n<opml/>',
            id="parameter-entity",
        ),
        pytest.param(b'<?xml version="1.0"?>\n<!DOCTYPE opml>\n<opml/>', id="harmless-doctype"),
    ],
)
def test_any_doctype_is_refused_before_an_entity_can_expand_or_load(doc: bytes) -> None:
    started = time.monotonic()
    got = parse_opml(doc)
    assert time.monotonic() - started < 1.0
    assert got.feeds == ()
    (problem,) = got.problems
    assert problem.startswith("line 2: the file declares a DOCTYPE; OPML files do not need one")


def test_an_undeclared_entity_is_malformed_not_expanded() -> None:
    got = parse_opml(opml('<outline text="&xxe;" xmlUrl="https://x.example/"/>'))
    assert got == OpmlResult(problems=("line 5: not well-formed XML (undefined entity)",))


def test_size_cap_is_checked_before_parsing() -> None:
    at_cap = opml('<outline text="Wire" xmlUrl="https://wire.example/rss"/>')
    at_cap = at_cap + b" " * (MAX_BYTES - len(at_cap))
    assert len(at_cap) == MAX_BYTES
    assert parse_opml(at_cap).feeds == (OpmlFeed("https://wire.example/rss", "Wire"),)
    over = at_cap + b" "
    assert parse_opml(over) == OpmlResult(
        problems=("the file is larger than 1 MB (1,048,577 bytes); split it and import the parts",)
    )
    assert parse_opml(b"<" * (3 * MAX_BYTES)) == OpmlResult(
        problems=("the file is larger than 1 MB (3,145,728 bytes); split it and import the parts",)
    )


def test_at_most_max_feeds_feeds_per_file() -> None:
    def listing(n: int) -> bytes:
        return opml("\n".join(f'<outline text="F{i}" xmlUrl="https://f{i}.example/rss"/>' for i in range(n)))

    assert len(parse_opml(listing(MAX_FEEDS)).feeds) == MAX_FEEDS
    assert parse_opml(listing(MAX_FEEDS + 1)) == OpmlResult(
        problems=(
            f"the file lists {MAX_FEEDS + 1} feeds; an import takes at most {MAX_FEEDS}"
            " (split the file and import the parts)",
        )
    )


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "the file is empty"),
        (b"  \n\t ", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "line 1: not well-formed XML (invalid token)"),
        (b"Levant Wire,https://levantwire.example/rss\n", "line 1: not well-formed XML (syntax error)"),
        (
            opml('<outline text="Cut off" xmlUrl="https://a.example/"')[:-40],
            "line 5: not well-formed XML (unclosed token)",
        ),
        (
            b'<?xml version="1.0"?>\n<opml><body>\n<outline text="x">\n</body></opml>',
            "line 4: not well-formed XML (mismatched tag)",
        ),
        (
            b'<?xml version="1.0"?><rss version="2.0"><channel><title>A feed</title></channel></rss>',
            "this is not an OPML file (its root element is <rss>, not <opml>)",
        ),
        (
            b'<?xml version="1.0" encoding="utf-32"?><opml/>',
            "the file cannot be read: multi-byte encodings are not supported",
        ),
        (
            b'<?xml version="1.0" encoding="x-no-such"?><opml/>',
            "the file cannot be read: unknown encoding: x-no-such",
        ),
        (
            b'<?xml version="1.0"?><opml version="2.0"><head/><body/></opml>',
            "the file has no <outline> elements",
        ),
    ],
)
def test_files_that_are_not_usable_opml_give_one_sentence(data: bytes, problem: str) -> None:
    assert parse_opml(data) == OpmlResult(problems=(problem,))


def test_encodings_exporters_use() -> None:
    body = '<outline text="Ḥalab “news”" xmlUrl="https://halab.example/rss"/>'
    utf16 = opml(body).decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    assert parse_opml(utf16).feeds == (OpmlFeed("https://halab.example/rss", "Ḥalab “news”"),)
    cp1252 = (
        b'<?xml version="1.0" encoding="windows-1252"?><opml><body>'
        b'<outline text="\x93Caf\xe9\x94" xmlUrl="https://cafe.example/rss"/></body></opml>'
    )
    assert parse_opml(cp1252).feeds == (OpmlFeed("https://cafe.example/rss", "“Café”"),)
    bom = b"\xef\xbb\xbf" + opml('<outline text="BOM" xmlUrl="https://bom.example/"/>')
    assert parse_opml(bom).feeds == (OpmlFeed("https://bom.example/", "BOM"),)


def test_titles_are_bounded_and_invisible_characters_dropped() -> None:
    got = parse_opml(opml(f'<outline title="\u202eevil\u200b {"w" * 400}" xmlUrl="https://t.example/"/>'))
    (feed,) = got.feeds
    assert feed.title.startswith("evil www") and len(feed.title) == 200


_OPML_PIECES = st.sampled_from(
    [
        "<opml>",
        "</opml>",
        "<body>",
        "</body>",
        "<outline",
        "/>",
        ">",
        "</outline>",
        ' text="',
        ' xmlUrl="',
        ' xmlurl="',
        '"',
        "https://a.example/rss",
        "http://",
        "ftp://x",
        "&amp;",
        "&lol;",
        "<!DOCTYPE opml [",
        '<!ENTITY lol "x">',
        "]>",
        "<?xml version='1.0'?>",
        " ",
        "\n",
        "é",
        "\x00",
        "<![CDATA[",
        "]]>",
        "<!--",
        "-->",
    ]
)


@pytest.mark.fuzz
@given(st.binary(max_size=2000))
def test_never_raises_on_arbitrary_bytes(data: bytes) -> None:
    got = parse_opml(data)
    assert got.feeds or got.problems


@pytest.mark.fuzz
@given(st.lists(_OPML_PIECES, max_size=80))
def test_never_raises_on_opml_soup_and_only_lets_unique_http_urls_out(pieces: list[str]) -> None:
    got = parse_opml("".join(pieces).encode())
    urls = [f.url for f in got.feeds]
    assert len(urls) == len(set(urls)) <= MAX_FEEDS
    assert all(u.startswith(("http://", "https://")) for u in urls)
    assert got.feeds or got.problems
