"""What the digest can reach, on items and labels written for the test."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.matching import Matcher
from bot.core.watchlists import Region, Watchlist
from bot.corpus import CorpusItem
from bot.geo import Gazetteer
from eval.stream.digest_reach import reach
from eval.stream.windows import ItemLabel

NONE = {"killed": None, "wounded": None, "displaced": None, "missing": None}
AT = datetime(2023, 10, 17, 9, 0, tzinfo=UTC)


def item(link: str, title: str) -> CorpusItem:
    return CorpusItem(title, "", link, AT, "https://feed.example/rss")


def test_digest_items_without_a_watched_place_and_what_a_term_would_add(gazetteer: Gazetteer) -> None:
    gaza = Watchlist("gaza", ("C1",), regions=(Region("Gaza"),), keywords=("strike",))
    items = [
        item("a", "Strike on Gaza City school"),
        item("b", "Leaders meet as Hamas war widens"),
        item("c", "Singer defends producer over Hamas post"),
        item("d", "Markets calm"),
    ]
    labels = {
        "a": ItemLabel("a", "push", "school", NONE),
        "b": ItemLabel("b", "digest", "leaders", NONE),
        "c": ItemLabel("c", "no", None, NONE),
    }
    found = reach(items, labels, Matcher([gaza], gazetteer), ["Hamas"])
    assert (found.digest_items, found.unmatched) == (1, 1)
    assert found.added == {"digest": 1, "no": 1}
    assert reach(items, labels, Matcher([gaza], gazetteer), []).added == {}
