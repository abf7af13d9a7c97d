"""The SSRF guard: feed URLs from untrusted admins must not reach internal addresses.

A feed URL added from Slack makes the bot send a GET from inside our network. Without a guard, an
admin (or a redirect from their feed) could point it at ``127.0.0.1``, the office LAN or a cloud
metadata service. This module decides which addresses are acceptable and enforces it in two places:

* ``check_url`` — up front, when a URL is added, with a reason the admin can act on;
* ``GuardedResolver`` — at connection time, inside aiohttp: its ``resolve`` refuses a hostname if
  *any* of its addresses is internal (so DNS rebinding between check and fetch does not help), and its
  ``open_socket`` (the connector's ``socket_factory``) refuses every internal address aiohttp is about
  to connect to, including literal IPs, which aiohttp never passes to a resolver. Every redirect hop
  opens its connections through both, so redirects are checked too.

Internal means loopback, private, link-local, multicast, reserved, unspecified, shared (100.64/10)
or non-global for any other reason, judged on the IPv4 address inside IPv4-mapped, 6to4, Teredo and
NAT64 IPv6 addresses as well. ``SsrfPolicy`` lets intranet feeds through by host name or network;
cloud metadata addresses are never allowed.

Config-file feeds are trusted and fetched without this guard.
"""

from __future__ import annotations

import errno
import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from aiohttp import ThreadedResolver
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from bot.errors import FetchError, UnsafeUrlError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# AWS/GCP/Azure/OpenStack/DigitalOcean, AWS over IPv6, Alibaba Cloud, Oracle Cloud.
METADATA_ADDRESSES: frozenset[IPAddress] = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200", "192.0.0.192")
)
_SHARED = ipaddress.IPv4Network("100.64.0.0/10")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"
)
# The characters of the legacy IPv4 spellings inet_aton accepts: 2130706433, 0x7f.1, 0177.0.0.1, 127.1.
_LEGACY_IPV4 = re.compile(r"^[0-9][0-9a-fx.]*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class SsrfPolicy:
    """What the guard lets through besides public addresses: intranet hosts by name or network.

    A listed host may resolve to anything but a metadata address; a listed network lets its
    addresses through whatever name led there.
    """

    allow_hosts: frozenset[str] = frozenset()
    allow_networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> SsrfPolicy:
        """Build a policy from strings like ``"intranet.example"``, ``"10.20.0.0/16"``, ``"fd00::1"``.

        Raises ``ValueError`` naming the bad entry and what is wrong with it.
        """
        hosts: set[str] = set()
        networks: list[IPNetwork] = []
        for entry in entries:
            parsed = parse_allow_entry(entry)
            if isinstance(parsed, str):
                hosts.add(parsed)
            else:
                networks.append(parsed)
        return cls(allow_hosts=frozenset(hosts), allow_networks=tuple(networks))

    def allows_host(self, host: str) -> bool:
        return _normal_host(host) in self.allow_hosts

    def allows_address(self, address: IPAddress) -> bool:
        candidates = [address]
        embedded = embedded_ipv4(address)
        if embedded is not None:
            candidates.append(embedded)
        return any(a in net for a in candidates for net in self.allow_networks)

    def refusal(self, address: IPAddress, host: str | None = None) -> str | None:
        """Why ``address`` (reached through ``host``, if a name) is refused, or None if it is fine."""
        category = classify(address)
        if category is None:
            return None
        if category == "cloud metadata":
            return category
        if (host is not None and self.allows_host(host)) or self.allows_address(address):
            return None
        return category


def parse_allow_entry(entry: str) -> str | IPNetwork:
    """One ``fetch.allow`` entry as a lower-case host name or an IP network; ``ValueError`` if neither."""
    text = entry.strip()
    if not text:
        raise ValueError(
            "empty entry; write a host name like 'intranet.example' or a network like '10.20.0.0/16'"
        )
    try:
        network = ipaddress.ip_network(text, strict=True)
    except ValueError as e:
        if _looks_like_ip(text):
            raise ValueError(f"{entry!r} is not a valid IP address or network: {e}") from e
    else:
        if network.prefixlen == 0:
            raise ValueError(f"{entry!r} allows every address, which turns the guard off")
        if network.num_addresses == 1 and network.network_address in METADATA_ADDRESSES:
            raise ValueError(f"{entry!r} is a cloud metadata address and can never be allowed")
        return network
    host = _normal_host(text)
    if not _HOSTNAME.match(host) or _legacy_ipv4(host) is not None:
        raise ValueError(
            f"{entry!r} is not a host name or network; write just the host, like 'intranet.example', "
            "or a network, like '10.20.0.0/16' (no scheme, port, path or wildcard)"
        )
    return host


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one is a wrapper for (mapped, 6to4, Teredo client, NAT64), if any."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def classify(address: IPAddress) -> str | None:
    """The kind of internal address this is (``"loopback"``, ``"private"``…), or None if public."""
    if address in METADATA_ADDRESSES:
        return "cloud metadata"
    embedded = embedded_ipv4(address)
    if embedded is not None:
        return classify(embedded)
    checks: tuple[tuple[str, bool], ...] = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("shared (carrier-grade NAT)", isinstance(address, ipaddress.IPv4Address) and address in _SHARED),
        ("private", address.is_private and not address.is_reserved),
        ("reserved", address.is_reserved),
    )
    for name, hit in checks:
        if hit:
            return name
    return None if address.is_global else "non-public"


async def check_url(
    url: str, policy: SsrfPolicy, resolver: AbstractResolver, *, feed_id: str = "new"
) -> None:
    """Refuse ``url`` unless it is http(s) and every address its host resolves to is acceptable.

    Raises ``UnsafeUrlError`` (a ``FetchError``) with a reason for the admin; a host that does not
    resolve at all is a plain ``FetchError``. Returns None when the URL may be fetched.
    """
    host = check_url_form(url, policy, feed_id=feed_id)
    if host is None:
        return
    try:
        results = await resolver.resolve(host, 0, family=socket.AF_UNSPEC)
    except OSError as e:
        raise FetchError(feed_id, f"DNS lookup failed for {host}") from e
    reason = _resolved_refusal(host, results, policy)
    if reason is not None:
        raise UnsafeUrlError(feed_id, reason)


def check_url_form(url: str, policy: SsrfPolicy, *, feed_id: str = "new") -> str | None:
    """The checks that need no DNS: scheme, host, literal and oddly spelled IPs.

    Returns the host name still to be resolved, or None if the host is an acceptable IP literal.
    """
    try:
        parsed = URL(url)
    except ValueError as e:
        raise UnsafeUrlError(feed_id, f"refused: {url!r} is not a valid URL ({e})") from e
    scheme = parsed.scheme.lower()
    if scheme not in ("http", "https"):
        shown = f"{scheme!r}" if scheme else "none"
        raise UnsafeUrlError(
            feed_id, f"refused: only http:// and https:// feed URLs are allowed (scheme {shown})"
        )
    host = parsed.host
    if not host:
        raise UnsafeUrlError(feed_id, f"refused: {url!r} has no host")
    reason = literal_refusal(host, policy)
    if reason is not None:
        raise UnsafeUrlError(feed_id, reason)
    return None if _parse_ip(host) is not None else host


def literal_refusal(host: str, policy: SsrfPolicy) -> str | None:
    """Why a host written as an IP (in any spelling) is refused; None if it is fine or a name."""
    literal = _parse_ip(host)
    if literal is not None:
        category = policy.refusal(literal)
        return None if category is None else _refused(_shown(literal), category, hint=str(literal))
    legacy = _legacy_ipv4(host)
    if legacy is not None:
        # getaddrinfo would connect to it, aiohttp refuses it, no real feed is written like this.
        category = classify(legacy)
        what = f", a {category} address" if category else ""
        return f"refused: {host} is a non-standard spelling of {legacy}{what}; write the address as {legacy}"
    return None


class RefusedAddress(OSError):
    """Raised inside aiohttp's connector when the guard refuses; ``reason`` is for the admin."""

    def __init__(self, reason: str) -> None:
        super().__init__(errno.EACCES, reason)
        self.reason = reason


class GuardedResolver(AbstractResolver):
    """An aiohttp resolver (and socket factory) that never lets a connection reach a refused address.

    Use both halves on one connector::

        guarded = GuardedResolver(policy)
        aiohttp.TCPConnector(resolver=guarded, socket_factory=guarded.open_socket)

    ``inner`` does the actual lookups (aiohttp's ``ThreadedResolver`` by default, owned and closed by
    this resolver; an injected one is left open). The internal address and port an allowed host name
    resolved to are remembered for this resolver's lifetime so ``open_socket`` can let them through;
    another port on that address is refused, so an intranet feed cannot redirect to its neighbours.
    """

    def __init__(self, policy: SsrfPolicy, inner: AbstractResolver | None = None) -> None:
        self.policy = policy
        self._inner = inner if inner is not None else ThreadedResolver()
        self._owns_inner = inner is None
        self._allowed_by_name: set[tuple[IPAddress, int]] = set()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        reason = literal_refusal(host, self.policy)
        if reason is not None:
            raise RefusedAddress(reason)
        results = await self._inner.resolve(host, port, family)
        reason = _resolved_refusal(host, results, self.policy)
        if reason is not None:
            raise RefusedAddress(reason)
        if self.policy.allows_host(host):
            self._allowed_by_name.update(
                (a, r["port"]) for r in results if (a := _parse_ip(r["host"])) is not None and classify(a)
            )
        return results

    async def close(self) -> None:
        if self._owns_inner:
            await self._inner.close()

    def open_socket(self, addr_info: tuple[int, int, int, str, tuple[Any, ...]]) -> socket.socket:
        """``TCPConnector(socket_factory=...)``: the last check before connecting to an address."""
        family, type_, proto, _, sockaddr = addr_info
        address = _parse_ip(str(sockaddr[0]))
        if address is None:
            raise RefusedAddress(f"refused: cannot tell where {sockaddr[0]!r} is")
        if (address, int(sockaddr[1])) not in self._allowed_by_name:
            category = self.policy.refusal(address)
            if category is not None:
                raise RefusedAddress(_refused(_shown(address), category, hint=str(address)))
        return socket.socket(family, type_, proto)


def _resolved_refusal(host: str, results: list[ResolveResult], policy: SsrfPolicy) -> str | None:
    name = _normal_host(host)
    if not results:
        return f"refused: {name} resolves to no address"
    for r in results:
        address = _parse_ip(r["host"])
        if address is None:
            # A resolver that answers with something other than an address cannot be checked.
            return f"refused: {name} resolves to {r['host']!r}, which is not an IP address"
        category = policy.refusal(address, host)
        if category is not None:
            return _refused(f"{name} resolves to {_shown(address)}", category, hint=name)
    return None


def _refused(what: str, category: str, *, hint: str) -> str:
    article = "an" if category[0] in "aeiou" else "a"
    reason = f"refused: {what}, {article} {category} address"
    if category == "cloud metadata":
        return reason + " (never allowed)"
    return f'{reason} (allow it with fetch.allow = ["{hint}"] if this is an intranet feed)'


def _shown(address: IPAddress) -> str:
    embedded = embedded_ipv4(address)
    return str(address) if embedded is None else f"{address} (IPv4 {embedded})"


def _parse_ip(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _legacy_ipv4(host: str) -> ipaddress.IPv4Address | None:
    if not _LEGACY_IPV4.match(host) or _parse_ip(host) is not None:
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def _looks_like_ip(text: str) -> bool:
    return bool(re.fullmatch(r"[0-9./]+|[0-9a-f.]*:[0-9a-f:./]*", text, re.IGNORECASE))


def _normal_host(host: str) -> str:
    return host.strip().lower().rstrip(".")
