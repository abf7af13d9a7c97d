"""``python run.py export``: the database's feeds and watchlists written back as a config file that
loads into exactly the same values, the config file's other settings kept, atomic ``--output``,
and one-line errors that leave no file behind."""

from __future__ import annotations

import asyncio
import io
import os
import stat
import tomllib
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import run
from bot.adapters.store import FeedSpec, Store, StoredWatchlist
from bot.core.normalize import normalize
from bot.core.watchlists import Region, Rule, Watchlist
from bot.export import export_toml
from config.settings import Settings, load_settings, parse_file_config

NOW = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)

CONFIG = """\
admins = ["U0ADMIN01", "U0ADMIN02"]
admin_channel = "C0ADMIN0001"
contact = "mailto:desk@example.org"
incident_window_hours = 24
max_item_age_hours = 12
log_level = "WARNING"

[fetch]
allow = ["intranet.example", "10.20.0.0/16"]

[reader]
url = "http://127.0.0.1:8080/v1"
model = "desk-model"

[[feeds]]
url = "https://wire.example/rss"
name = "Levant Wire"
interval = 120

[[feeds]]
id = "desk"
url = "https://desk.example/feed.xml"
name = "Desk feed"

[[watchlists]]
name = "idlib"
channel = "C0123456789"
regions = [{ name = "Idlib", aliases = ["Idleb"] }]
keywords = ["airstrike", "truce"]
scope = "Idlib governorate and the rebel-held north-west."
digest = ["07:00", "19:00"]
timezone = "Europe/London"
quiet_hours = "22:00-07:00"
max_posts_per_hour = 6

[[watchlists]]
name = "gaza"
channels = ["C0123456790", "C0123456791"]
regions = ["Gaza"]
keywords = ["shelling"]
exclude = ["football"]
min_killed = 3

[[watchlists]]
name = "sudan"
channel = "C0123456792"
regions = ["Sudan"]
rule = "region"
"""

# Text a desk could type into a Slack form; every kind of TOML and comment breakout we can think of.
HOSTILE = (
    'say "hi"',
    "back\\slash \\n not a newline",
    "two\nlines",
    'triple """ quotes',
    "single ''' quotes",
    "# not a comment",
    "[[feeds]]",
    'key = "value"',
    "إدلب",
    "Kyiv — ☢ 🚀",
    "tab\there",
    "right\u202eto-left",
)


def write_config(path: Path, text: str = CONFIG) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def export(config: Path, database_url: str, *extra: str) -> tuple[int, str]:
    out = io.StringIO()
    code = run.main(["--config", str(config), "export", *extra], {"DATABASE_URL": database_url}, out)
    return code, out.getvalue()


async def seeded_store(settings: Settings, database_url: str) -> Store:
    """The database as the bot leaves it after a start on ``settings``."""
    store = await Store.open(database_url)
    await store.sync_feeds(run.feed_specs(settings))
    await store.sync_watchlists(settings.watchlists, now=NOW)
    return store


async def database_state(database_url: str) -> tuple[list[FeedSpec], list[Watchlist]]:
    store = await Store.open(database_url)
    try:
        feeds = [f.spec for f in await store.feeds()]
        return feeds, [s.watchlist for s in await store.stored_watchlists()]
    finally:
        await store.close()


def feed_values(feeds: list[FeedSpec]) -> list[tuple[str, str, str, int]]:
    return [(f.id, f.url, f.name, f.interval) for f in feeds]


def by_name(watchlists: Sequence[Watchlist]) -> dict[str, Watchlist]:
    return {w.name: w for w in watchlists}


def others(toml_text: str) -> dict[str, object]:
    return {k: v for k, v in tomllib.loads(toml_text).items() if k not in ("feeds", "watchlists")}


async def test_export_after_slack_changes_loads_back_as_the_database(
    database_url: str, tmp_path: Path
) -> None:
    config = write_config(tmp_path / "sitrep.toml")
    store = await seeded_store(load_settings(str(config), {}), database_url)
    try:
        idlib = (await store.watchlist("idlib")).watchlist  # type: ignore[union-attr]
        edited = replace(
            idlib,
            keywords=(*idlib.keywords, *HOSTILE[:6]),
            exclude=("football",),
            min_killed=5,
            min_wounded=10,
            thresholds_any=False,
            muted=True,
            muted_until=datetime(2026, 11, 26, 20, 30, 15, tzinfo=timezone(timedelta(hours=3))),
        )
        assert await store.change_watchlist(edited, action="watch.edit", user_id="U0DESK", now=NOW) is None
        created = Watchlist(
            name="kyiv-desk",
            channels=("C0KYIV0001", "C0KYIV0002"),
            regions=(Region("Kyiv", aliases=HOSTILE[6:9]), Region("Kharkiv")),
            keywords=HOSTILE[9:],
            rule=Rule.ANY,
            min_displaced=1000,
        )
        assert (
            await store.change_watchlist(created, action="watch.add", user_id="U0DESK", now=NOW, create=True)
            is None
        )
        assert await store.remove_watchlist("sudan", user_id="U0DESK", now=NOW) is None
        slack_feed = FeedSpec(
            id="quotes",
            url='https://q.example/rss?x="1"&y=\\',
            name='Desk "Q" """ feed',
            interval=900,
            origin="slack",
        )
        assert await store.add_feed(slack_feed, user_id="U0ADMIN01", now=NOW) is None
    finally:
        await store.close()
    # The file changes too: its idlib no longer counts (Slack owns it now), its gaza does.
    write_config(config, CONFIG.replace('keywords = ["shelling"]', 'keywords = ["shelling", "sniper"]'))

    exported = tmp_path / "exported.toml"
    code, _ = await asyncio.to_thread(export, config, database_url, "--output", str(exported))

    assert code == 0
    feeds, watchlists = await database_state(database_url)
    loaded = load_settings(str(exported), {})
    assert loaded.watchlists == tuple(watchlists)
    assert feed_values(run.feed_specs(loaded)) == feed_values(feeds)
    by_name = {w.name: w for w in loaded.watchlists}
    assert set(by_name) == {"gaza", "idlib", "kyiv-desk"}  # sudan was removed from Slack
    assert by_name["idlib"] == edited and by_name["kyiv-desk"] == created
    assert by_name["gaza"].keywords == ("shelling", "sniper")
    assert "quotes" in {f.id for f in feeds}
    text = exported.read_text(encoding="utf-8")
    assert others(text) == others(config.read_text(encoding="utf-8"))
    assert loaded.file.fetch.allow == ["intranet.example", "10.20.0.0/16"]
    assert "[[feeds]]" in text and "[[watchlists]]" in text


async def test_export_to_stdout_seeds_an_empty_database_from_the_file(
    database_url: str, tmp_path: Path
) -> None:
    config = write_config(tmp_path / "sitrep.toml")

    code, text = await asyncio.to_thread(export, config, database_url)

    assert code == 0
    header = text.split("\n\n", 1)[0].splitlines()
    assert header and all(line.startswith("# ") for line in header)
    assert str(config) in text and "feeds and watchlists are the database's" in text.lower()
    exported = parse_file_config(tomllib.loads(text), source="stdout")
    assert others(text) == others(CONFIG)
    feeds, watchlists = await database_state(database_url)
    assert [w.to_watchlist() for w in exported.watchlists] == watchlists
    assert by_name(watchlists) == by_name(load_settings(str(config), {}).watchlists)
    exported_feeds = [FeedSpec(f.feed_id, f.url, f.name, f.interval) for f in exported.feeds]
    assert feed_values(exported_feeds) == feed_values(feeds)
    assert {f.id for f in feeds} == {"desk", "levant-wire"}


def test_output_replaces_the_file_atomically_and_keeps_its_mode(tmp_path: Path) -> None:
    config = write_config(tmp_path / "sitrep.toml")
    target = tmp_path / "out" / "sitrep.toml"
    target.parent.mkdir()
    target.write_text("old = true\n", encoding="utf-8")
    target.chmod(0o640)
    database_url = f"sqlite+aiosqlite:///{tmp_path}/sitrep.db"

    code, out = export(config, database_url, "--output", str(target))

    assert code == 0 and str(target) in out and "3 watchlists" in out
    assert "old" not in tomllib.loads(target.read_text(encoding="utf-8"))
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in target.parent.iterdir()] == ["sitrep.toml"]  # no temporary file left


def test_output_over_the_config_file_itself_makes_it_the_new_config(tmp_path: Path) -> None:
    config = write_config(tmp_path / "sitrep.toml")
    before = load_settings(str(config), {})
    database_url = f"sqlite+aiosqlite:///{tmp_path}/sitrep.db"

    code, _ = export(config, database_url, "--output", str(config))

    assert code == 0
    after = load_settings(str(config), {})
    assert config.read_text(encoding="utf-8").startswith("# Sitrep configuration exported at ")
    assert by_name(after.watchlists) == by_name(before.watchlists) and after.file.admins == before.file.admins
    assert sorted(feed_values(run.feed_specs(after))) == sorted(feed_values(run.feed_specs(before)))


async def test_an_export_the_bot_could_not_start_on_is_refused_and_the_old_file_kept(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path / "sitrep.toml")
    store = await Store.open(database_url)
    try:
        # Stored by an older version (or edited in the database by hand), but the config file needs
        # an interval of at least one second. Both databases accept the row.
        zero = FeedSpec(id="zero", url="https://zero.example/rss", name="Zero", interval=0, origin="slack")
        assert await store.add_feed(zero, user_id="U0ADMIN01", now=NOW) is None
    finally:
        await store.close()
    target = tmp_path / "current.toml"
    target.write_text(CONFIG, encoding="utf-8")

    code, _ = await asyncio.to_thread(export, config, database_url, "--output", str(target))

    err = capsys.readouterr().err.strip()
    assert code == 2 and err.count("\n") == 0
    assert "not exported" in err and "feeds[" in err and "interval" in err
    assert target.read_text(encoding="utf-8") == CONFIG
    assert [name for name in os.listdir(tmp_path) if name.endswith(".tmp")] == []


async def test_what_would_read_back_differently_is_named(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path / "sitrep.toml")
    store = await Store.open(database_url)
    try:
        padded = FeedSpec(
            id="padded", url="https://p.example/rss", name=" Padded ", interval=300, origin="slack"
        )
        assert await store.add_feed(padded, user_id="U0ADMIN01", now=NOW) is None
    finally:
        await store.close()

    code, text = await asyncio.to_thread(export, config, database_url)

    err = capsys.readouterr().err
    assert code == 0 and 'name = " Padded "' in text
    assert "warning: feed 'padded' reads back as different name" in err


@pytest.mark.parametrize(
    ("url", "shows"),
    [
        ("mysql://user:hunter22@db.example/sitrep", "not supported"),
        ("postgresql+asyncpg://user:hunter22@127.0.0.1:1/sitrep", "cannot open database"),
        ("sqlite+aiosqlite:////proc/no-such-dir/sitrep.db", "cannot open database"),
    ],
)
def test_a_bad_database_url_is_one_line_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], url: str, shows: str
) -> None:
    config = write_config(tmp_path / "sitrep.toml")
    target = tmp_path / "exported.toml"

    code, out = export(config, url, "--output", str(target))

    err = capsys.readouterr().err.strip()
    assert code == 2 and out == ""
    assert err.startswith("sitrep: ") and err.count("\n") == 0 and shows in err
    assert "hunter22" not in err
    assert not target.exists() and [p.name for p in tmp_path.iterdir()] == ["sitrep.toml"]


def test_an_unwritable_output_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path / "sitrep.toml")
    database_url = f"sqlite+aiosqlite:///{tmp_path}/sitrep.db"

    code, _ = export(config, database_url, "--output", str(tmp_path / "missing-dir" / "out.toml"))

    err = capsys.readouterr().err.strip()
    assert code == 2 and err.count("\n") == 0 and "cannot write" in err


def test_the_header_cannot_be_broken_out_of_and_hides_the_password() -> None:
    text = export_toml(
        {"admins": ["U0ADMIN01"]},
        [],
        [],
        now=NOW,
        source="postgresql+asyncpg://sitrep:s3cr3t-pw@db.example/sitrep\n[[feeds]]\nurl = 'x'",
        config_path="/etc/sitrep\r\nadmins = ['evil']\u2028[fetch]\x00.toml",
    )

    assert tomllib.loads(text) == {"admins": ["U0ADMIN01"]}
    assert "s3cr3t-pw" not in text and "***" in text
    header = text.split("\n\n", 1)[0].splitlines()
    assert all(line.startswith("# ") for line in header)
    assert "\\r\\nadmins = ['evil']\\u2028[fetch]\\x00.toml" in text


def _term() -> st.SearchStrategy[str]:
    # What the config file accepts for a term: text with letters or digits, no outer whitespace
    # (the loader trims it).
    return st.text(min_size=1, max_size=30).filter(lambda s: s == s.strip() and bool(normalize(s)))


def _distinct(terms: list[str]) -> bool:
    return len({normalize(t) for t in terms}) == len(terms)


@given(
    keywords=st.lists(_term(), min_size=1, max_size=5).filter(_distinct),
    region=_term(),
    aliases=st.lists(_term(), max_size=3).filter(_distinct),
    name=_term(),
    scope=st.one_of(st.none(), _term()),
    digest=st.lists(st.sampled_from(["06:00", "07:30", "19:00", "23:59"]), max_size=3, unique=True),
    quiet=st.one_of(st.none(), st.sampled_from(["22:00-07:00", "01:00-05:30"])),
    limit=st.one_of(st.none(), st.integers(1, 50)),
)
def test_any_watchlist_and_feed_text_round_trips(
    keywords: list[str],
    region: str,
    aliases: list[str],
    name: str,
    scope: str | None,
    digest: list[str],
    quiet: str | None,
    limit: int | None,
) -> None:
    watchlist = Watchlist(
        name="w",
        channels=("C0123456789",),
        regions=(Region(region, tuple(aliases)),),
        keywords=tuple(keywords),
        scope=scope,
        digest=tuple(digest),
        timezone="Europe/London" if digest else "UTC",
        quiet_hours=quiet,
        max_posts_per_hour=limit,
    )
    feed = FeedSpec(id="f", url="https://f.example/rss", name=name, interval=300)

    text = export_toml({}, [feed], [StoredWatchlist(watchlist, "slack", NOW)], now=NOW, source="sqlite://")

    loaded = parse_file_config(tomllib.loads(text), source="export")
    assert [w.to_watchlist() for w in loaded.watchlists] == [watchlist]
    assert [(f.feed_id, f.url, f.name, f.interval) for f in loaded.feeds] == [("f", feed.url, name, 300)]
