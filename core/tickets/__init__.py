"""Tickets: one per incident in a tracker (builtin, Jira, GitHub, a webhook), linked both ways."""
