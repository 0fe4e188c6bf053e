"""The small interfaces core use cases are written against; ``storage/`` implements them.

A unit of work is one transaction: use cases enter it, read and write through its
repositories, and call ``commit``; leaving it without a commit rolls everything back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol

from core.config.model import Configuration


class Clock(Protocol):
    """The only way core learns the time: adapters pass ``clock.now()`` down."""

    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...


@dataclass(frozen=True)
class AuditEntry:
    """One line of the append-only audit log: who did what to which subject, when."""

    at: datetime
    actor: str
    action: str
    subject: str
    detail: dict[str, Any] = field(default_factory=dict)


class ConfigRepository(Protocol):
    """The configuration as the database holds it."""

    async def load(self) -> Configuration | None:
        """The stored configuration; None when none was ever applied."""
        ...

    async def save(self, config: Configuration, *, at: datetime, actor: str, source: str) -> int:
        """Make the stored configuration equal ``config``; record a revision; return its id."""
        ...


class AuditLog(Protocol):
    """Append-only: entries are never changed or removed."""

    async def append(self, entry: AuditEntry) -> None:
        """Add ``entry``."""
        ...


class UnitOfWork(Protocol):
    """One transaction over every repository."""

    config: ConfigRepository
    audit: AuditLog

    async def __aenter__(self) -> UnitOfWork: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None:
        """Make every write of this unit durable."""
        ...
