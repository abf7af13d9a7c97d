"""Slack listeners. Each group module has ``register(app, services)``; they only translate Slack
payloads into calls on the engine's services and replies back — no business logic here."""

from __future__ import annotations

from slack_bolt.app.async_app import AsyncApp

from handlers import alert_feedback, commands, feeds, home, incidents, watch
from handlers.admins import AdminCheck
from handlers.context import Services


def register(app: AsyncApp, services: Services) -> None:
    admins = AdminCheck(services.admins)
    app_home = home.Home(services, admins)
    commands.register(app, services, admins)
    incidents.register(app, services)
    alert_feedback.register(app, services)
    watch.register(app, services, admins, app_home.publish)
    home.register(app, app_home)
    feeds.register(app, services, resolver=services.resolver, on_added=services.on_feed_added, admins=admins)
