"""Slack listeners. Each group module has ``register(app, services)``; they only translate Slack
payloads into calls on the engine's services and replies back — no business logic here."""

from __future__ import annotations

from slack_bolt.app.async_app import AsyncApp

from handlers import commands, feeds, incidents, watch
from handlers.context import Services


def register(app: AsyncApp, services: Services) -> None:
    commands.register(app, services)
    incidents.register(app, services)
    watch.register(app, services)
    feeds.register(app, services, resolver=services.resolver, on_added=services.on_feed_added)
