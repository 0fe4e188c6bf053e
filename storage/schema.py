"""Every table, registered on one metadata (what Alembic compares migrations against)."""

from storage import chat_tables, conversation_tables, gap_tables, incident_tables, posted, tables

metadata = tables.metadata

__all__ = [
    "chat_tables",
    "conversation_tables",
    "gap_tables",
    "incident_tables",
    "metadata",
    "posted",
    "tables",
]
