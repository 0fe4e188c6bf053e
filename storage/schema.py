"""Every table, registered on one metadata (what Alembic compares migrations against)."""

from storage import chat_tables, conversation_tables, gap_tables, incident_tables, posted, tables
from storage import metrics_tables
from storage import review_tables
from storage import ticket_tables

metadata = tables.metadata

__all__ = [
    "chat_tables",
    "conversation_tables",
    "gap_tables",
    "incident_tables",
    "metadata",
    "metrics_tables",
    "posted",
    "review_tables",
    "tables",
    "ticket_tables",
]
