"""Adapters: HTTP fetching, storage, Slack delivery, scheduling. They call the core, never the reverse."""
