"""Files shared in Slack: finding one (``files.list``, ``files.info``) and downloading its bytes.

Used by ``/feeds import`` to read an OPML file someone shared in a channel. A shared file is only
readable with the bot token (``Authorization: Bearer xoxb-…`` on its ``url_private``), which makes
the download the one place where the bot hands its token to a URL it was *given* rather than one it
chose. The URL comes from Slack's answer, but a file's metadata is not ours to trust blindly (a
Slack-compatible server configured by ``SLACK_API_URL``, a future Slack change, a bug), and a token
sent once to a foreign host is exfiltrated for good: whoever holds it can read every channel the bot
is in and post as the bot. So ``token_may_go_to`` decides every hop, redirects included, and the
token only goes to the Web API's own origin or to Slack's own domains over HTTPS.

The body is read in chunks and dropped at ``max_bytes`` whatever Content-Length or the metadata
said, under a total time limit. Failures are ``Unavailable`` values with a reason for the admin;
nothing here raises for Slack's or the network's trouble.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient
from yarl import URL

from bot.adapters.slack_errors import slack_error_code
from bot.core.opml import too_large

LISTED = 20
"""How many of the channel's newest files ``newest_opml`` looks through."""
DOWNLOAD_SECONDS = 20.0
MAX_REDIRECTS = 3
SLACK_DOMAINS = ("slack.com", "slack-files.com")
_OPML_SUFFIXES = (".opml", ".xml")
_OPML_TYPES = frozenset({"opml", "xml"})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 16 * 1024
# What Slack's error codes mean for someone trying to import a file.
_SLACK_ERRORS = {
    "missing_scope": "the Sitrep app lacks the files:read scope; reinstall it with the current manifest",
    "not_in_channel": "Sitrep cannot see this channel's files; invite it with /invite @Sitrep",
    "channel_not_found": "Sitrep cannot see this channel's files; invite it with /invite @Sitrep",
    "file_not_found": (
        "there is no such file, or Sitrep cannot see it (invite Sitrep to the channel it was shared in)"
    ),
    "file_deleted": "that file has been deleted",
    "invalid_auth": "Slack rejected the bot token (invalid_auth)",
    "ratelimited": "Slack is rate-limiting Sitrep; try again in a minute",
}


@dataclass(frozen=True, slots=True)
class SlackFile:
    id: str
    name: str
    url: str
    """Where its bytes are: ``url_private_download``, else ``url_private``."""
    size: int | None
    created: int


@dataclass(frozen=True, slots=True)
class Unavailable:
    """Why a file could not be found or read, for the admin who asked."""

    reason: str


def token_may_go_to(url: str, api_base: str) -> bool:
    """Whether the bot token may be sent to ``url``: the Web API's own scheme, host and port
    (``api_base``, the client's ``base_url``; in tests a local fake), or HTTPS on slack.com,
    slack-files.com or a subdomain of them. Nothing else, not even with credentials in the URL."""
    try:
        target, api = URL(url), URL(api_base)
    except (ValueError, TypeError):
        return False
    if not target.is_absolute() or target.user is not None or target.password is not None:
        return False
    scheme, host = target.scheme.lower(), (target.host or "").lower().rstrip(".")
    if scheme not in ("http", "https") or not host:
        return False
    if (scheme, host, target.port) == (api.scheme.lower(), (api.host or "").lower(), api.port):
        return True
    return scheme == "https" and any(host == d or host.endswith(f".{d}") for d in SLACK_DOMAINS)


def is_opml(file: Mapping[str, Any]) -> bool:
    name = str(file.get("name") or "").lower()
    return name.endswith(_OPML_SUFFIXES) or str(file.get("filetype") or "").lower() in _OPML_TYPES


async def newest_opml(client: AsyncWebClient, channel: str) -> SlackFile | Unavailable | None:
    """The newest OPML (or .xml) file among the last ``LISTED`` files shared in ``channel``; None
    when there is none."""
    try:
        response = await client.files_list(channel=channel, count=LISTED)
    except SlackApiError as e:
        return _slack_refusal("list this channel's files", e)
    except (SlackClientError, aiohttp.ClientError, TimeoutError) as e:
        return Unavailable(f"could not reach Slack to list this channel's files ({e.__class__.__name__})")
    files = [f for f in response.get("files") or [] if isinstance(f, dict) and is_opml(f)]
    if not files:
        return None
    return _file(max(files, key=lambda f: _int(f.get("created")) or 0))


async def file_info(client: AsyncWebClient, file_id: str) -> SlackFile | Unavailable:
    try:
        response = await client.files_info(file=file_id)
    except SlackApiError as e:
        return _slack_refusal(f"read file {file_id}", e)
    except (SlackClientError, aiohttp.ClientError, TimeoutError) as e:
        return Unavailable(f"could not reach Slack to read file {file_id} ({e.__class__.__name__})")
    file = response.get("file")
    if not isinstance(file, dict):
        return Unavailable(f"Slack said nothing about file {file_id}")
    return _file(file)


async def download(
    client: AsyncWebClient,
    file: SlackFile,
    *,
    max_bytes: int,
    within: float = DOWNLOAD_SECONDS,
) -> bytes | Unavailable:
    """The file's bytes, at most ``max_bytes`` of them (more is ``Unavailable`` saying so), all
    within ``within`` seconds."""
    if file.size is not None and file.size > max_bytes:
        return Unavailable(too_large(file.size))
    if not file.url:
        return Unavailable("Slack gave no download address for the file")
    token = client.token
    if not token:
        return Unavailable("Sitrep has no bot token to download the file with")
    url = file.url
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=within)) as session:
            for _ in range(MAX_REDIRECTS + 1):
                if not token_may_go_to(url, client.base_url):
                    return Unavailable(
                        f"the file's download address is on {_host(url)}, not Slack; Sitrep sends its"
                        " token only to Slack"
                    )
                # Redirects are followed here, one checked hop at a time, never by aiohttp.
                async with session.get(
                    url, headers={"Authorization": f"Bearer {token}"}, allow_redirects=False
                ) as resp:
                    if resp.status in _REDIRECTS and "Location" in resp.headers:
                        url = str(resp.url.join(URL(resp.headers["Location"])))
                        continue
                    if resp.status != 200:
                        return Unavailable(f"Slack answered HTTP {resp.status} to the download")
                    if resp.content_type == "text/html":
                        # Slack serves its sign-in page when the token may not read the file.
                        return Unavailable(
                            "Slack sent a web page instead of the file (does the app have files:read?)"
                        )
                    return await _read_capped(resp, max_bytes)
            return Unavailable(f"the download was redirected more than {MAX_REDIRECTS} times")
    except TimeoutError:
        return Unavailable(f"the download took longer than {within:g} s")
    except (aiohttp.ClientError, ValueError) as e:
        return Unavailable(f"the download failed ({e.__class__.__name__})")


async def _read_capped(resp: aiohttp.ClientResponse, max_bytes: int) -> bytes | Unavailable:
    # Count what arrives (after any decompression): Content-Length and Slack's size can be wrong.
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.content.iter_chunked(_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            resp.close()
            return Unavailable(too_large())
        chunks.append(chunk)
    return b"".join(chunks)


def _file(file: Mapping[str, Any]) -> SlackFile:
    return SlackFile(
        id=str(file.get("id") or ""),
        name=str(file.get("name") or file.get("title") or file.get("id") or "the file"),
        url=str(file.get("url_private_download") or file.get("url_private") or ""),
        size=_int(file.get("size")),
        created=_int(file.get("created")) or 0,
    )


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{1,15}", value):
        return int(value)
    return None


def _slack_refusal(doing: str, e: SlackApiError) -> Unavailable:
    error = slack_error_code(e)
    return Unavailable(_SLACK_ERRORS.get(error, f"Slack refused to {doing} ({error})"))


def _host(url: str) -> str:
    try:
        parsed = URL(url)
    except (ValueError, TypeError):
        return "an unreadable address"
    port = f":{parsed.explicit_port}" if parsed.explicit_port is not None else ""
    return f"{parsed.host}{port}" if parsed.host else "no host"
