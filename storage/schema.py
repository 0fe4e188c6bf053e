"""Every table, registered on one metadata (what Alembic compares migrations against)."""

from storage import (
    chat_tables,
    conversation_tables,
    gap_tables,
    heartbeat_tables,
    incident_tables,
    maintenance_tables,
    metrics_tables,
    posted,
    review_tables,
    tables,
    ticket_tables,
)

metadata = tables.metadata

__all__ = [
    "chat_tables",
    "conversation_tables",
    "gap_tables",
    "heartbeat_tables",
    "incident_tables",
    "maintenance_tables",
    "metadata",
    "metrics_tables",
    "posted",
    "review_tables",
    "tables",
    "ticket_tables",
]
