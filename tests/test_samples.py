"""The bundled demo feeds in ``config/samples``: well-formed, dated in the demo window, on ``.example``.

Demo mode replays these files through the real pipeline, so a typo here shows up as a broken demo.
The raw-XML checks need nothing but the standard library; the last group runs the files through
``bot.core.feed_parsing`` when that module is present.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from tests.conftest import shared_path

SAMPLES = Path(__file__).resolve().parent.parent / "config" / "samples"
ATOM = "{http://www.w3.org/2005/Atom}"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"

EXPECTED_ITEMS = {
    "wire-east.xml": 10,
    "global-desk.xml": 10,
    "frontline-atom.xml": 8,
    "daily-world.xml": 9,
    "africa-watch.xml": 10,
}
WINDOW_START = datetime(2026, 11, 20, tzinfo=UTC)
WINDOW_END = datetime(2026, 11, 25, tzinfo=UTC)
# Demo "now": just after the last sample item, so nothing is in the future and nothing is estimated.
DEMO_NOW = datetime(2026, 11, 24, 23, 0, tzinfo=UTC)


def _root(name: str) -> ET.Element:
    return ET.parse(SAMPLES / name).getroot()


def _is_atom(root: ET.Element) -> bool:
    return root.tag == f"{ATOM}feed"


def _entries(root: ET.Element) -> list[ET.Element]:
    return root.findall(f"{ATOM}entry") if _is_atom(root) else root.findall("./channel/item")


def _child_text(entry: ET.Element, tag: str, atom: bool) -> str:
    node = entry.find(f"{ATOM}{tag}" if atom else tag)
    return "" if node is None or node.text is None else node.text.strip()


def _dates(entry: ET.Element, atom: bool) -> list[datetime]:
    if atom:
        return [datetime.fromisoformat(_child_text(entry, t, atom)) for t in ("published", "updated")]
    return [parsedate_to_datetime(_child_text(entry, "pubDate", atom))]


def _links(root: ET.Element) -> list[str]:
    """Every entry link as a reader resolves it (Atom hrefs against the feed's xml:base)."""
    if _is_atom(root):
        base = root.get(XML_BASE, "")
        return [
            urljoin(base, link.get("href", "")) for e in _entries(root) for link in e.findall(f"{ATOM}link")
        ]
    return [_child_text(item, "link", False) for item in _entries(root)]


def _on_example_domain(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" and (parts.hostname or "").endswith(".example")


def test_the_sample_set_is_the_expected_one() -> None:
    assert sorted(p.name for p in SAMPLES.glob("*.xml")) == sorted(EXPECTED_ITEMS)
    assert 40 <= sum(EXPECTED_ITEMS.values()) <= 50


@pytest.mark.parametrize("name", sorted(EXPECTED_ITEMS))
def test_file_is_well_formed_with_expected_item_count(name: str) -> None:
    assert len(_entries(_root(name))) == EXPECTED_ITEMS[name]


@pytest.mark.parametrize("name", sorted(EXPECTED_ITEMS))
def test_every_item_has_title_description_and_link(name: str) -> None:
    root = _root(name)
    atom = _is_atom(root)
    for entry in _entries(root):
        title = _child_text(entry, "title", atom)
        assert title, f"{name}: item without a title"
        assert _child_text(entry, "summary" if atom else "description", atom), (
            f"{name}: {title!r} has no text"
        )
        if atom:
            assert entry.find(f"{ATOM}link") is not None, f"{name}: {title!r} has no link"
        else:
            assert _child_text(entry, "link", atom), f"{name}: {title!r} has no link"


@pytest.mark.parametrize("name", sorted(EXPECTED_ITEMS))
def test_dates_are_explicit_and_inside_the_demo_window(name: str) -> None:
    root = _root(name)
    atom = _is_atom(root)
    for entry in _entries(root):
        for when in _dates(entry, atom):
            assert when.tzinfo is not None
            assert WINDOW_START <= when.astimezone(UTC) < WINDOW_END, f"{name}: {when} outside the window"


@pytest.mark.parametrize("name", sorted(EXPECTED_ITEMS))
def test_links_stay_on_example_domains(name: str) -> None:
    root = _root(name)
    links = _links(root)
    assert links
    for link in links:
        assert _on_example_domain(link), f"{name}: {link!r} is not an https://*.example link"
    channel_link = root.find(f"{ATOM}link") if _is_atom(root) else root.find("./channel/link")
    assert channel_link is not None


@pytest.mark.parametrize("name", sorted(EXPECTED_ITEMS))
def test_ids_are_unique_within_a_file(name: str) -> None:
    root = _root(name)
    tag = f"{ATOM}id" if _is_atom(root) else "guid"
    ids = [node.text for e in _entries(root) if (node := e.find(tag)) is not None]
    assert len(ids) == len(set(ids))


def test_edge_cases_the_parser_must_meet_are_present() -> None:
    rss_without_guid = [
        _child_text(item, "title", False)
        for name in EXPECTED_ITEMS
        if not _is_atom(root := _root(name))
        for item in _entries(root)
        if item.find("guid") is None
    ]
    assert len(rss_without_guid) == 2, rss_without_guid

    atom = _root("frontline-atom.xml")
    relative = [
        link.get("href", "")
        for e in _entries(atom)
        for link in e.findall(f"{ATOM}link")
        if not urlsplit(link.get("href", "")).scheme
    ]
    assert len(relative) == 1 and relative[0].startswith("/")

    raw = (SAMPLES / "daily-world.xml").read_text(encoding="utf-8")
    assert "&amp;amp;" in raw and "<![CDATA[" in raw and "<b>" in raw


def test_readme_describes_every_file() -> None:
    readme = (SAMPLES / "README.md").read_text(encoding="utf-8")
    for name in EXPECTED_ITEMS:
        assert name in readme


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def test_no_sentence_is_lifted_from_the_reference_story() -> None:
    """Our wording is our own: no run of eight words is shared with the real wire report."""
    n = 8
    reference = _words(shared_path("examples", "idlib-airstrikes.txt").read_text(encoding="utf-8"))
    shingles = {tuple(reference[i : i + n]) for i in range(len(reference) - n + 1)}
    for path in SAMPLES.glob("*.xml"):
        ours = _words(path.read_text(encoding="utf-8"))
        shared = [" ".join(s) for i in range(len(ours) - n + 1) if (s := tuple(ours[i : i + n])) in shingles]
        assert not shared, f"{path.name} repeats the reference story: {shared[:3]}"


# --- Through the real parser -------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(EXPECTED_ITEMS))
def test_parser_reads_every_item(name: str) -> None:
    feed_parsing = pytest.importorskip("bot.core.feed_parsing")
    body = (SAMPLES / name).read_bytes()
    content_type = "application/atom+xml" if name.endswith("atom.xml") else "application/rss+xml"
    parsed = feed_parsing.parse_feed(
        name.removesuffix(".xml"),
        body,
        base_url=f"http://127.0.0.1:8000/samples/{name}",
        content_type=content_type,
        now=DEMO_NOW,
    )
    assert len(parsed.items) == EXPECTED_ITEMS[name], parsed.skipped
    assert parsed.skipped == ()
    for item in parsed.items:
        assert item.title
        assert not item.published_estimated
        assert WINDOW_START <= item.published < WINDOW_END
        assert item.link is not None and _on_example_domain(item.link), item.link


def test_parser_decodes_entities_and_strips_markup() -> None:
    feed_parsing = pytest.importorskip("bot.core.feed_parsing")
    parsed = feed_parsing.parse_feed(
        "daily-world",
        (SAMPLES / "daily-world.xml").read_bytes(),
        base_url="http://127.0.0.1:8000/samples/daily-world.xml",
        content_type="application/rss+xml",
        now=DEMO_NOW,
    )
    for item in parsed.items:
        for text in (item.title, item.summary):
            assert "<" not in text and not re.search(r"&#?\w+;", text), text
    assert any(item.title.startswith("Markets & energy") for item in parsed.items)
