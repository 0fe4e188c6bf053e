"""Statements of the hot paths, built once and run with parameters.

The alert path runs the same few statements for every delivery and every escalation. Built
once with bind parameters, each is compiled once and found in SQLAlchemy's cache by a cheap
key afterwards; building them afresh (``.values(...)``, ``.where(...)`` per call) costs more
than SQLite takes to run them. Statements that differ by dialect (``ON CONFLICT`` is spelled
by the dialect's own ``insert``) are kept per dialect name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.incident_tables import (
    AlertRow,
    InboxRow,
    IncidentEventRow,
    IncidentRow,
    OutboxRow,
    PendingStepRow,
)

INCIDENTS: Table = IncidentRow.__table__  # type: ignore[attr-defined]
ALERTS: Table = AlertRow.__table__  # type: ignore[attr-defined]
EVENTS: Table = IncidentEventRow.__table__  # type: ignore[attr-defined]
STEPS: Table = PendingStepRow.__table__  # type: ignore[attr-defined]
OUTBOX: Table = OutboxRow.__table__  # type: ignore[attr-defined]
INBOX: Table = InboxRow.__table__  # type: ignore[attr-defined]

_BUILT: dict[tuple[str, str], Any] = {}


def dialect_name(session: AsyncSession) -> str:
    """``sqlite`` or ``postgresql``."""
    return str(session.bind.dialect.name)


def insert_for(dialect: str, table: Table) -> Any:
    """The dialect's INSERT, which knows ``ON CONFLICT``."""
    return (postgresql_insert if dialect == "postgresql" else sqlite_insert)(table)


def per_dialect(session: AsyncSession, name: str, build: Callable[[str], Any]) -> Any:
    """The statement ``name`` for the session's dialect, built by ``build(dialect)`` once."""
    dialect = dialect_name(session)
    key = (name, dialect)
    statement = _BUILT.get(key)
    if statement is None:
        statement = _BUILT[key] = build(dialect)
    return statement
