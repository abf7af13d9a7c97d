"""Start an aiohttp app on a free port of 127.0.0.1, for the fake servers the tests talk to."""

from __future__ import annotations

import socket

from aiohttp import web


async def serve(app: web.Application) -> tuple[web.AppRunner, int]:
    """The running app's runner (``cleanup()`` stops it) and the port it listens on."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port: int = sock.getsockname()[1]
    await web.SockSite(runner, sock).start()
    return runner, port
