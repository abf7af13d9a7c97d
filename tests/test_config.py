"""Configuration loading: the issue's example works, every mistake is one clear line."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.watchlists import Region, Rule
from bot.errors import ConfigError
from config.settings import DEFAULT_CONFIG, database_url, load_settings

EXAMPLE = """
[[feeds]]
url = "https://www.aljazeera.com/xml/rss/all.xml"
name = "Al Jazeera"
interval = 300          # seconds

[[watchlists]]
name = "idlib"
channel = "C0123456789" # Slack channel ID
regions = ["Idlib"]
keywords = ["ceasefire", "truce", "displaced", "airstrike"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sitrep.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_issue_example_loads(tmp_path: Path) -> None:
    s = load_settings(str(write(tmp_path, EXAMPLE)), {})
    assert [f.feed_id for f in s.file.feeds] == ["al-jazeera"]
    (w,) = s.watchlists
    assert w.name == "idlib" and w.channels == ("C0123456789",)
    assert w.regions == (Region("Idlib"),) and w.rule is Rule.REGION_AND_KEYWORD
    assert s.mode == "demo"


def test_bundled_default_config_is_valid() -> None:
    s = load_settings(None, {})
    assert s.config_path == DEFAULT_CONFIG
    assert s.file.feeds and s.file.watchlists


def test_config_path_precedence(tmp_path: Path) -> None:
    a = write(tmp_path, EXAMPLE)
    b = tmp_path / "other.toml"
    b.write_text(EXAMPLE.replace("idlib", "other"), encoding="utf-8")
    assert load_settings(None, {"SITREP_CONFIG": str(b)}).watchlists[0].name == "other"
    assert load_settings(str(a), {"SITREP_CONFIG": str(b)}).watchlists[0].name == "idlib"


@pytest.mark.parametrize(
    ("env", "mode"),
    [
        ({}, "demo"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}, "socket"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}, "http"),
    ],
)
def test_mode_from_tokens(tmp_path: Path, env: dict[str, str], mode: str) -> None:
    assert load_settings(str(write(tmp_path, EXAMPLE)), env).mode == mode


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET"),
        ({"SLACK_APP_TOKEN": "xapp-1"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_APP_TOKEN": "xapp-1", "SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN"),
    ],
)
def test_half_set_slack_variables_are_an_error_never_demo_mode(
    tmp_path: Path, env: dict[str, str], missing: str
) -> None:
    settings = load_settings(str(write(tmp_path, EXAMPLE)), env)
    with pytest.raises(ConfigError, match="half configured") as err:
        settings.mode  # noqa: B018
    assert missing in str(err.value) and "xoxb-1" not in str(err.value)


def test_environment_values(tmp_path: Path) -> None:
    s = load_settings(
        str(write(tmp_path, EXAMPLE)),
        {
            "SLACK_API_URL": "http://127.0.0.1:9999/api",
            "DATABASE_URL": "sqlite+aiosqlite:///x.db",
            "PORT": "8080",
        },
    )
    assert s.slack_api_url == "http://127.0.0.1:9999/api/"
    assert s.database_url == "sqlite+aiosqlite:///x.db" and s.port == 8080


def test_secrets_never_in_repr(tmp_path: Path) -> None:
    s = load_settings(str(write(tmp_path, EXAMPLE)), {"SLACK_BOT_TOKEN": "xoxb-very-secret-token"})
    assert "xoxb-very-secret-token" not in repr(s)


def test_low_interval_accepted_with_politeness_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        s = load_settings(str(write(tmp_path, EXAMPLE.replace("interval = 300", "interval = 5"))), {})
    assert s.file.feeds[0].interval == 5
    assert "impolite" in caplog.text and "al-jazeera" in caplog.text


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            ("interval = 300", "interval = 0"),
            "feeds[0] ('Al Jazeera').interval: Input should be greater than or equal to 1",
        ),
        (("interval = 300", 'interval = "often"'), "feeds[0] ('Al Jazeera').interval:"),
        (
            ('url = "https://www.aljazeera.com/xml/rss/all.xml"', 'url = "ftp://x/y"'),
            "feeds[0] ('Al Jazeera').url: must be an http",
        ),
        (
            ('channel = "C0123456789"', 'channel = "#general"'),
            "watchlists[0] ('idlib').channels[0]: '#general' is not a Slack channel ID",
        ),
        (
            ('channel = "C0123456789"', ""),
            "watchlists[0] ('idlib').channels: needs at least one Slack channel ID",
        ),
        (
            ('regions = ["Idlib"]', ""),
            "watchlists[0] ('idlib').regions: rule 'region_and_keyword' needs at least one region",
        ),
        (
            ('name = "idlib"', 'name = "idlib"\nrule = "sometimes"'),
            "watchlists[0] ('idlib').rule: Input should be",
        ),
        (('name = "idlib"', 'name = "idlib"\nmin_killed = -1'), "watchlists[0] ('idlib').min_killed:"),
        (
            ('name = "idlib"', 'name = "idlib"\nkeywrds = ["x"]'),
            "watchlists[0] ('idlib').keywrds: unknown key",
        ),
        (('name = "Al Jazeera"', ""), "feeds[0].name: required key is missing"),
        (
            ('"airstrike"]', '"airstrike"]\nexclude = ["truce"]'),
            "('idlib').exclude: 'truce' is both a keyword",
        ),
        (('"airstrike"]', '"airstrike", "Truce"]'), "('idlib').keywords[4]: 'Truce' is listed twice"),
        (
            ('regions = ["Idlib"]', 'regions = [{ name = "Idlib", alias = ["Idleb"] }]'),
            ".regions[0].alias: unknown key",
        ),
        (("[[feeds]]", "colour = 'red'\n[[feeds]]"), "colour: unknown key"),
    ],
)
def test_invalid_config_is_one_clear_line(tmp_path: Path, edit: tuple[str, str], expected: str) -> None:
    path = write(tmp_path, EXAMPLE.replace(*edit, 1))
    with pytest.raises(ConfigError) as err:
        load_settings(str(path), {})
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    assert expected in message


def test_duplicate_watchlist_names(tmp_path: Path) -> None:
    text = EXAMPLE + EXAMPLE.split("[[watchlists]]")[1].join(["[[watchlists]]", ""])
    with pytest.raises(ConfigError, match=r"watchlists\[1\]\.name: duplicate name 'idlib'"):
        load_settings(str(write(tmp_path, text)), {})


def test_broken_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_settings(str(write(tmp_path, "[[feeds]\nurl=")), {})
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(str(tmp_path / "nope.toml"), {})


@pytest.mark.parametrize("port", ["http", "0", "70000"])
def test_bad_port(tmp_path: Path, port: str) -> None:
    with pytest.raises(ConfigError, match="PORT must be a TCP port"):
        load_settings(str(write(tmp_path, EXAMPLE)), {"PORT": port})


def test_default_watchlists_are_the_evaluated_ones() -> None:
    """docs/ACCURACY.md reports matching accuracy for these; the shipped config must be the same."""
    from bot.match_evaluation import load_watchlists

    shipped = {w.name: w for w in load_settings(None, {}).watchlists}
    for evaluated in load_watchlists(DEFAULT_CONFIG.parent.parent / "eval" / "matching" / "watchlists.toml"):
        mine = shipped[evaluated.name]
        assert (mine.regions, mine.keywords, mine.exclude, mine.rule, mine.scope) == (
            evaluated.regions,
            evaluated.keywords,
            evaluated.exclude,
            evaluated.rule,
            evaluated.scope,
        )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("postgres://u:p@db/sitrep", "postgresql+asyncpg://u:p@db/sitrep"),
        ("postgresql://u@db/sitrep", "postgresql+asyncpg://u@db/sitrep"),
        ("postgresql+asyncpg://u@db/sitrep", "postgresql+asyncpg://u@db/sitrep"),
        ("sqlite:///var/x.db", "sqlite+aiosqlite:///var/x.db"),
    ],
)
def test_database_url_gets_the_async_driver(tmp_path: Path, raw: str, expected: str) -> None:
    assert load_settings(str(write(tmp_path, EXAMPLE)), {"DATABASE_URL": raw}).database_url == expected


@pytest.mark.parametrize("raw", ["garbage", "mysql://u@db/x", "://nothing"])
def test_bad_database_url_is_one_line(tmp_path: Path, raw: str) -> None:
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        load_settings(str(write(tmp_path, EXAMPLE)), {"DATABASE_URL": raw})


def test_fetch_allow_lists_intranet_hosts_and_networks(tmp_path: Path) -> None:
    fetch = '\n[fetch]\nallow = ["Intranet.Example", "10.20.0.0/16", "fd00:1::/64"]\n'
    s = load_settings(str(write(tmp_path, EXAMPLE + fetch)), {})
    assert s.file.fetch.allow == ["Intranet.Example", "10.20.0.0/16", "fd00:1::/64"]
    policy = s.file.fetch.policy
    assert policy.allow_hosts == frozenset({"intranet.example"})
    assert [str(n) for n in policy.allow_networks] == ["10.20.0.0/16", "fd00:1::/64"]


def test_fetch_table_is_optional_and_allows_nothing(tmp_path: Path) -> None:
    s = load_settings(str(write(tmp_path, EXAMPLE)), {})
    assert s.file.fetch.allow == []
    assert s.file.fetch.policy.allow_hosts == frozenset() and s.file.fetch.policy.allow_networks == ()


@pytest.mark.parametrize(
    ("fetch", "message"),
    [
        (
            'allow = ["intranet.example", "https://intranet.example/"]',
            "fetch.allow[1]: 'https://intranet.example/' is not a host name or network",
        ),
        ('allow = ["10.20.1.0/16"]', "fetch.allow[0]: '10.20.1.0/16' is not a valid IP address or network"),
        (
            'allow = ["0.0.0.0/0"]',
            "fetch.allow[0]: '0.0.0.0/0' allows every address, which turns the guard off",
        ),
        ('allow = ["169.254.169.254"]', "fetch.allow[0]: '169.254.169.254' is a cloud metadata address"),
        ('allow = "intranet.example"', "fetch.allow: Input should be a valid list"),
        ('alow = ["intranet.example"]', "fetch.alow: unknown key"),
    ],
)
def test_bad_fetch_allow_entries_name_the_key(tmp_path: Path, fetch: str, message: str) -> None:
    path = write(tmp_path, EXAMPLE + f"\n[fetch]\n{fetch}\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(str(path), {})
    assert str(caught.value).startswith(f"{path}: {message}")


def test_a_timed_mute_and_threshold_mode_load_from_the_file(tmp_path: Path) -> None:
    text = EXAMPLE + "muted = true\nmuted_until = 2023-10-07T18:00:00Z\nthresholds_any = false\n"
    (w,) = load_settings(str(write(tmp_path, text)), {}).watchlists
    assert w.muted and w.muted_until == datetime(2023, 10, 7, 18, tzinfo=UTC) and not w.thresholds_any
    assert not w.is_muted(datetime(2023, 10, 7, 18, tzinfo=UTC))


def test_the_reader_is_off_unless_configured(tmp_path: Path) -> None:
    assert load_settings(str(write(tmp_path, EXAMPLE)), {}).file.reader is None


def test_the_reader_table_and_its_key_from_the_environment(tmp_path: Path) -> None:
    text = '[reader]\nurl = "http://127.0.0.1:8080/v1"\nmodel = "desk-model"\ntimeout_seconds = 5\n' + EXAMPLE
    s = load_settings(str(write(tmp_path, text)), {"SITREP_READER_API_KEY": "sk-reader-0123456789"})
    assert s.file.reader is not None
    assert (s.file.reader.url, s.file.reader.model, s.file.reader.timeout_seconds) == (
        "http://127.0.0.1:8080/v1",
        "desk-model",
        5,
    )
    assert s.file.reader.max_concurrency == 4
    assert s.secrets.reader_api_key == "sk-reader-0123456789"
    assert "sk-reader" not in repr(s.secrets) and "reader_api_key=set" in repr(s.secrets)


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (
            'url = "localhost:8080"\nmodel = "m"',
            "reader.url: must be an http:// or https:// URL (got 'localhost:8080')",
        ),
        ('url = "http://h/v1"', "reader.model: required key is missing"),
        ('url = "http://h/v1"\nmodel = "m"\ntimeout_seconds = 0', "reader.timeout_seconds:"),
        ('url = "http://h/v1"\nmodel = "m"\napi_key = "sk-x"', "reader.api_key: unknown key"),
    ],
)
def test_a_bad_reader_table_is_one_clear_line(tmp_path: Path, table: str, expected: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(str(write(tmp_path, f"[reader]\n{table}\n" + EXAMPLE)), {})
    assert "\n" not in str(err.value) and expected in str(err.value)


def test_a_watchlist_scope_loads_and_an_overlong_one_is_refused(tmp_path: Path) -> None:
    text = EXAMPLE.replace(
        'name = "idlib"', 'name = "idlib"\nscope = "Idlib province, not the rest of Syria."'
    )
    (w,) = load_settings(str(write(tmp_path, text)), {}).watchlists
    assert w.scope == "Idlib province, not the rest of Syria."
    long = EXAMPLE.replace('name = "idlib"', f'name = "idlib"\nscope = "{"x" * 501}"')
    with pytest.raises(ConfigError, match=r"\('idlib'\)\.scope: is 501 characters; keep it under 500"):
        load_settings(str(write(tmp_path, long)), {})


def test_feed_pause_after_defaults_to_20_and_must_be_positive(tmp_path: Path) -> None:
    assert load_settings(str(write(tmp_path, EXAMPLE)), {}).file.feed_pause_after == 20
    assert (
        load_settings(str(write(tmp_path, "feed_pause_after = 5\n" + EXAMPLE)), {}).file.feed_pause_after == 5
    )
    path = write(tmp_path, "feed_pause_after = 0\n" + EXAMPLE)
    with pytest.raises(ConfigError, match="feed_pause_after"):
        load_settings(str(path), {})


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+asyncpg://sitrep:p@ss@db:5432/sitrep",  # an '@' in the password, not encoded
        "postgresql+asyncpg://sitrep:Xy/9+k@Z#q:1@db:5432/sitrep",  # '/' and ':' in it
        "postgres://user:pw@host:notaport/db",
    ],
)
def test_a_database_url_that_cannot_be_read_is_a_config_error_that_never_shows_the_password(url: str) -> None:
    with pytest.raises(ConfigError) as refused:
        database_url(url)
    message = str(refused.value)
    assert "DATABASE_URL" in message and "p@ss" not in message and "Xy/9" not in message
    assert "%40" in message or "percent-encoded" in message


def test_a_percent_encoded_at_sign_in_the_password_is_fine() -> None:
    assert database_url("postgresql+asyncpg://sitrep:p%40ss@db:5432/s").endswith("@db:5432/s")
