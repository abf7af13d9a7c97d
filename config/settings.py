"""Load Sitrep's settings: one TOML file for what is watched, the environment for secrets.

Modelled on starlette's ``config.py``: the environment is injected (a plain mapping), so tests and
``python run.py check`` see exactly what they are given, and every problem is reported as one line
naming the file, the key and what is wrong.
"""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.adapters.ssrf import SsrfPolicy, parse_allow_entry
from bot.core.feed_health import DEFAULT_PAUSE_AFTER
from bot.core.watchlist_validation import validate_watchlist
from bot.core.watchlists import Region, Rule, Watchlist
from bot.errors import ConfigError

log = logging.getLogger(__name__)

CONFIG_DIR = Path(__file__).resolve().parent
DEFAULT_CONFIG = CONFIG_DIR / "sitrep.toml"
SAMPLES_DIR = CONFIG_DIR / "samples"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///var/sitrep.db"
POLITE_INTERVAL = 60
_FIELD_MARK = "\x1f"  # separates a semantic error's field from its message (see _describe)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _http_url(v: str) -> str:
    if not re.match(r"^https?://[^\s/]+", v, re.IGNORECASE):
        raise ValueError(f"must be an http:// or https:// URL (got {v!r})")
    return v


HttpUrl = Annotated[str, Field(min_length=1), AfterValidator(_http_url)]


class FeedConfig(_Strict):
    url: HttpUrl
    name: Annotated[str, Field(min_length=1, max_length=200)]
    interval: Annotated[int, Field(ge=1)] = 300
    id: str | None = None

    @property
    def feed_id(self) -> str:
        return self.id or slugify(self.name)


class RegionConfig(_Strict):
    name: Annotated[str, Field(min_length=1)]
    aliases: list[str] = []


class WatchlistConfig(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[a-z0-9][a-z0-9_-]*$")]
    channel: str | None = None
    channels: list[str] = []
    regions: list[str | RegionConfig] = []
    keywords: list[Annotated[str, Field(min_length=1)]] = []
    exclude: list[Annotated[str, Field(min_length=1)]] = []
    rule: Rule = Rule.REGION_AND_KEYWORD
    min_killed: Annotated[int, Field(ge=0)] | None = None
    min_wounded: Annotated[int, Field(ge=0)] | None = None
    min_displaced: Annotated[int, Field(ge=0)] | None = None
    min_missing: Annotated[int, Field(ge=0)] | None = None
    muted: bool = False
    muted_until: AwareDatetime | None = None
    thresholds_any: bool = True
    scope: Annotated[str, Field(min_length=1)] | None = None
    digest: list[str] = []
    timezone: str = "UTC"
    quiet_hours: str | None = None
    max_posts_per_hour: Annotated[int, Field(ge=1)] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> WatchlistConfig:
        # The semantic rules (channel IDs, what each rule needs, duplicate terms…) live in one
        # place, shared with watchlists edited from Slack.
        problems = validate_watchlist(self.to_watchlist())
        if problems:
            field, message = problems[0]
            raise ValueError(f"{_FIELD_MARK}{field}{_FIELD_MARK}{message}")
        return self

    @property
    def all_channels(self) -> tuple[str, ...]:
        seen = dict.fromkeys([*([self.channel] if self.channel else []), *self.channels])
        return tuple(seen)

    def to_watchlist(self) -> Watchlist:
        regions = tuple(
            Region(name=r, aliases=())
            if isinstance(r, str)
            else Region(name=r.name, aliases=tuple(r.aliases))
            for r in self.regions
        )
        return Watchlist(
            name=self.name,
            channels=self.all_channels,
            regions=regions,
            keywords=tuple(self.keywords),
            exclude=tuple(self.exclude),
            rule=self.rule,
            min_killed=self.min_killed,
            min_wounded=self.min_wounded,
            min_displaced=self.min_displaced,
            min_missing=self.min_missing,
            muted=self.muted,
            muted_until=self.muted_until,
            thresholds_any=self.thresholds_any,
            scope=self.scope,
            digest=tuple(self.digest),
            timezone=self.timezone,
            quiet_hours=self.quiet_hours,
            max_posts_per_hour=self.max_posts_per_hour,
        )


def _allow_entry(entry: str) -> str:
    parse_allow_entry(entry)  # ValueError says what is wrong with it
    return entry


class FetchConfig(_Strict):
    """``[fetch]``: how feeds added from Slack are guarded (config-file feeds are trusted)."""

    allow: list[Annotated[str, AfterValidator(_allow_entry)]] = []
    """Intranet hosts and networks the SSRF guard lets through, e.g. "intranet.example", "10.20.0.0/16"."""

    @property
    def policy(self) -> SsrfPolicy:
        return SsrfPolicy.parse(self.allow)


class ReaderConfig(_Strict):
    """``[reader]``: the optional language-model check of every match (``bot.core.reader``).

    Any OpenAI-compatible chat endpoint; its key, if it needs one, comes from the environment
    (``SITREP_READER_API_KEY``), never from this file."""

    url: HttpUrl
    """The API base, like "http://127.0.0.1:8080/v1"; Sitrep posts to {url}/chat/completions."""
    model: Annotated[str, Field(min_length=1, max_length=200)]
    timeout_seconds: Annotated[float, Field(gt=0, le=120)] = 20
    max_concurrency: Annotated[int, Field(ge=1, le=32)] = 4


class FileConfig(_Strict):
    feeds: list[FeedConfig] = []
    watchlists: list[WatchlistConfig] = []
    admins: list[str] = []
    contact: Annotated[str, Field(max_length=200, pattern=r"^[^\s()]+$")] | None = None
    """URL or mailto: for feed publishers, sent in the User-Agent."""
    admin_channel: str | None = None
    feed_pause_after: Annotated[int, Field(ge=1)] = DEFAULT_PAUSE_AFTER
    """Consecutive failures after which a feed is paused (and admin_channel told) until resumed."""
    incident_window_hours: Annotated[int, Field(ge=1, le=24 * 14)] = 36
    max_item_age_hours: Annotated[int, Field(ge=1)] = 48
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    fetch: FetchConfig = FetchConfig()
    reader: ReaderConfig | None = None

    @model_validator(mode="after")
    def _unique(self) -> FileConfig:
        _no_duplicates("watchlists", [w.name for w in self.watchlists], "name")
        _no_duplicates("feeds", [f.feed_id for f in self.feeds], "id")
        _no_duplicates("feeds", [f.url for f in self.feeds], "url")
        return self


def _no_duplicates(section: str, values: list[str], key: str) -> None:
    seen: set[str] = set()
    for i, v in enumerate(values):
        if v in seen:
            raise ValueError(f"{section}[{i}].{key}: duplicate {key} {v!r}")
        seen.add(v)


@dataclass(frozen=True, slots=True)
class Secrets:
    """Values that only ever come from the environment. ``repr`` never shows tokens."""

    slack_bot_token: str | None
    slack_app_token: str | None
    slack_signing_secret: str | None
    reader_api_key: str | None = None

    def __repr__(self) -> str:
        def shown(v: str | None) -> str:
            return "unset" if v is None else "set"

        return (
            f"Secrets(bot_token={shown(self.slack_bot_token)}, app_token={shown(self.slack_app_token)}, "
            f"signing_secret={shown(self.slack_signing_secret)}, reader_api_key={shown(self.reader_api_key)})"
        )


@dataclass(frozen=True, slots=True)
class Settings:
    config_path: Path
    file: FileConfig
    secrets: Secrets
    database_url: str
    slack_api_url: str
    port: int
    metrics_port: int | None = None
    """``METRICS_PORT``: a listener for GET /metrics and GET /healthz alone, in any mode (unset: none;
    HTTP mode serves both on ``PORT`` anyway)."""

    @property
    def watchlists(self) -> tuple[Watchlist, ...]:
        return tuple(w.to_watchlist() for w in self.file.watchlists)

    @property
    def mode(self) -> Literal["socket", "http", "demo"]:
        """Socket Mode with a bot and an app token, HTTP mode with a bot token and a signing secret,
        demo mode with no Slack variable at all. Anything in between is a mistake to report, never a
        reason to start a demo on a production host."""
        s = self.secrets
        if s.slack_bot_token and s.slack_app_token:
            return "socket"
        if s.slack_bot_token and s.slack_signing_secret:
            return "http"
        given = [
            name
            for name, value in (
                ("SLACK_BOT_TOKEN", s.slack_bot_token),
                ("SLACK_APP_TOKEN", s.slack_app_token),
                ("SLACK_SIGNING_SECRET", s.slack_signing_secret),
            )
            if value
        ]
        if not given:
            return "demo"
        if not s.slack_bot_token:
            missing = "SLACK_BOT_TOKEN (the xoxb- token)"
        else:
            missing = "SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)"
        raise ConfigError(
            f"Slack is half configured: {' and '.join(given)} set, {missing} missing. Set the rest,"
            " or unset every SLACK_ variable for demo mode (or run `python run.py demo`)."
        )


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug or "feed"


def resolve_config_path(cli_path: str | None, environ: Mapping[str, str]) -> Path:
    """``--config`` wins over ``SITREP_CONFIG``, which wins over the bundled default."""
    if cli_path:
        return Path(cli_path)
    if environ.get("SITREP_CONFIG"):
        return Path(environ["SITREP_CONFIG"])
    return DEFAULT_CONFIG


def load_file_config(path: Path) -> FileConfig:
    try:
        raw = path.read_bytes()
    except FileNotFoundError as e:
        raise ConfigError(f"{path}: config file not found") from e
    except OSError as e:
        raise ConfigError(f"{path}: cannot read config file: {e.strerror}") from e
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from e
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: invalid TOML: {e}") from e
    return parse_file_config(data, source=str(path))


def parse_file_config(data: Mapping[str, Any], *, source: str) -> FileConfig:
    try:
        cfg = FileConfig.model_validate(data)
    except ValidationError as e:
        raise ConfigError(f"{source}: {_describe(e, data)}") from e
    for f in cfg.feeds:
        if f.interval < POLITE_INTERVAL:
            log.warning(
                "%s: feed %r polls every %d s; below %d s is impolite to publishers",
                source,
                f.feed_id,
                f.interval,
                POLITE_INTERVAL,
            )
    return cfg


def _describe(error: ValidationError, data: Mapping[str, Any]) -> str:
    """The first problem as 'key: what is wrong', with list positions written like TOML tables."""
    errors = error.errors()
    # A value that fits none of a union's branches (a region as a string or as a table) yields
    # one error per branch; the deepest one is about the branch the user meant.
    first = max((e for e in errors if e["loc"][:3] == errors[0]["loc"][:3]), key=lambda e: len(e["loc"]))
    loc = [p for p in first["loc"] if not (isinstance(p, str) and p in _UNION_TAGS)]
    name = _entry_name(data, loc)
    key = ""
    for i, part in enumerate(loc):
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
        if i == 1 and name:
            key += name
    msg = first["msg"].removeprefix("Value error, ")
    if msg.startswith(_FIELD_MARK):
        _, field, msg = msg.split(_FIELD_MARK, 2)
        key += f".{field}"
    if first["type"] == "extra_forbidden":
        msg = "unknown key (check the spelling)"
    elif first["type"] == "missing":
        msg = "required key is missing"
    more = f" (and {error.error_count() - 1} more problem(s))" if error.error_count() > 1 else ""
    where = key or "(top level)"
    return f"{where}: {msg}{more}"


_UNION_TAGS = {"str", "RegionConfig", "int", "constrained-str", "function-after[_http_url(), str]"}


def _entry_name(data: Mapping[str, Any], loc: list[Any]) -> str:
    if len(loc) >= 2 and isinstance(loc[1], int):
        entries = data.get(str(loc[0]))
        if isinstance(entries, list) and loc[1] < len(entries) and isinstance(entries[loc[1]], dict):
            name = entries[loc[1]].get("name")
            if isinstance(name, str):
                return f" ({name!r})"
    return ""


_ASYNC_DRIVERS = {
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "sqlite": "sqlite+aiosqlite",
}


def database_url(raw: str) -> str:
    """``DATABASE_URL`` as SQLAlchemy's async engine needs it.

    Hosting platforms hand out ``postgres://`` or ``postgresql://`` URLs; we run on the async
    drivers, so a URL without a driver gets the one we install.
    """
    scheme, sep, rest = raw.partition("://")
    if not sep or not scheme or not rest:
        raise ConfigError(
            "environment: DATABASE_URL must look like sqlite+aiosqlite:///var/sitrep.db or "
            "postgresql+asyncpg://user:password@host/db"
        )
    scheme = _ASYNC_DRIVERS.get(scheme, scheme)
    if scheme not in ("postgresql+asyncpg", "sqlite+aiosqlite"):
        raise ConfigError(
            f"environment: DATABASE_URL scheme {raw.partition('://')[0]!r} is not supported "
            "(use sqlite+aiosqlite:// or postgresql+asyncpg://)"
        )
    authority = rest.split("/", 1)[0]
    if authority.count("@") > 1:
        raise ConfigError(
            "environment: DATABASE_URL has more than one '@' before the host: percent-encode an '@'"
            " in the user name or password as %40 (with compose: POSTGRES_PASSWORD must not contain"
            " '@', ':', '/' or '%')"
        )
    url = f"{scheme}://{rest}"
    try:
        make_url(url).port  # noqa: B018 - parsing the port is the check
    except (ValueError, ArgumentError):
        # The parser's own message can quote the password: it is never shown.
        raise ConfigError(
            "environment: DATABASE_URL cannot be read: is the port a number, and are ':', '/' and"
            " '%' in the password percent-encoded?"
        ) from None
    return url


def load_settings(cli_path: str | None, environ: Mapping[str, str]) -> Settings:
    path = resolve_config_path(cli_path, environ)
    file = load_file_config(path)
    port = _port(environ, "PORT", "3000")
    metrics_port = _port(environ, "METRICS_PORT", "") if environ.get("METRICS_PORT") else None
    api_url = environ.get("SLACK_API_URL") or DEFAULT_SLACK_API_URL
    if not re.match(r"^https?://", api_url):
        raise ConfigError(f"environment: SLACK_API_URL must be an http(s) URL (got {api_url!r})")
    if not api_url.endswith("/"):
        api_url += "/"  # slack_sdk joins base_url + method name
    return Settings(
        config_path=path,
        file=file,
        secrets=Secrets(
            slack_bot_token=environ.get("SLACK_BOT_TOKEN") or None,
            slack_app_token=environ.get("SLACK_APP_TOKEN") or None,
            slack_signing_secret=environ.get("SLACK_SIGNING_SECRET") or None,
            reader_api_key=environ.get("SITREP_READER_API_KEY") or None,
        ),
        database_url=database_url(environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL),
        slack_api_url=api_url,
        port=port,
        metrics_port=metrics_port,
    )


def _port(environ: Mapping[str, str], name: str, default: str) -> int:
    raw = environ.get(name, default)
    try:
        port = int(raw)
        if not 0 < port < 65536:
            raise ValueError(raw)
    except ValueError as e:
        raise ConfigError(f"environment: {name} must be a TCP port number (got {raw!r})") from e
    return port
