"""A stand-in for DNS in tests: aiohttp's resolver interface answering from a table, so the SSRF
guard can be shown a public, private or rebinding name without a real lookup."""

from __future__ import annotations

import socket

from aiohttp.abc import AbstractResolver, ResolveResult


class FakeResolver(AbstractResolver):
    """Answers each name with the next of its listed answers (the last one repeats)."""

    def __init__(self, answers: dict[str, list[list[str]]]) -> None:
        self._answers = answers
        self.lookups: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.lookups.append(host)
        queue = self._answers.get(host)
        if not queue:
            raise socket.gaierror(socket.EAI_NONAME, f"fake resolver does not know {host}")
        addresses = queue.pop(0) if len(queue) > 1 else queue[0]
        return [
            {
                "hostname": host,
                "host": a,
                "port": port,
                "family": socket.AF_INET6 if ":" in a else socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
            for a in addresses
        ]

    async def close(self) -> None:
        pass


def names_resolver(names: dict[str, list[str]]) -> FakeResolver:
    """Each known host name always resolves to its listed addresses."""
    return FakeResolver({host: [addresses] for host, addresses in names.items()})
