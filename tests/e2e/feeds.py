"""Feed documents for end-to-end tests, written by the Sitrep team (not real articles)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.adapters.feed_server import RssItem, render_rss

# Relative to the wall clock: the bot treats items older than max_item_age_hours as old news, and
# these tests run the real process with the real clock.
T0 = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=10)

IDLIB_FIRST = RssItem(
    guid="lw-1001",
    title="Government air raids kill 9 civilians in Idlib city market",
    description=(
        "IDLIB - Air raids on a crowded vegetable market in Idlib city killed at least nine civilians "
        "on Tuesday and wounded at least 20 others despite a truce announced last week, a monitoring "
        "group said. Strikes in the province have killed some 1,000 civilians in four months, and the "
        "war has killed more than 380,000 people since 2011."
    ),
    link="https://levantwire.example/2026/11/24/idlib-market-raids",
    published=T0,
)
IDLIB_SECOND_OUTLET = RssItem(
    guid="gd-77",
    title="Nine civilians dead as jets strike Idlib market despite truce",
    description=(
        "Warplanes hit a busy market and repair shops in Idlib city, killing nine civilians and "
        "wounding 20, rescuers said, days after a truce took effect."
    ),
    link="https://globaldesk.example/idlib-market-strike",
    published=T0 + timedelta(hours=1),
)
IDLIB_TOLL_UPDATE = RssItem(
    guid="lw-1002",
    title="Death toll from Idlib market air raids rises to 12",
    description=(
        "The number of civilians killed in Tuesday's air raids on a market in Idlib city has risen to "
        "12, with 25 wounded, rescuers said."
    ),
    link="https://levantwire.example/2026/11/24/idlib-toll-rises",
    published=T0 + timedelta(hours=7),
)
UNRELATED = RssItem(
    guid="lw-1003",
    title="Central bank holds interest rates steady",
    description="Policymakers kept borrowing costs unchanged for a third meeting in a row.",
    link="https://levantwire.example/2026/11/24/rates",
    published=T0 + timedelta(minutes=30),
)


def rss(*items: RssItem) -> bytes:
    return render_rss("Levant Wire", "https://levantwire.example/", list(items))


def config_toml(feed_url: str, channel: str = "C0IDLIB0001") -> str:
    return f"""
[[feeds]]
url = "{feed_url}"
name = "Levant Wire"
interval = 300

[[watchlists]]
name = "idlib"
channel = "{channel}"
regions = ["Idlib"]
keywords = ["ceasefire", "truce", "displaced", "airstrike", "air raid", "strike", "killed"]
"""
