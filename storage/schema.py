"""Every table, registered on one metadata (what Alembic compares migrations against)."""

from storage import incident_tables, tables

metadata = tables.metadata

__all__ = ["incident_tables", "metadata", "tables"]
