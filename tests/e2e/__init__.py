"""End-to-end tests: real processes, real local feed and Slack servers."""
