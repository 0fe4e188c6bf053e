"""The one place that reads the wall clock; everything else is handed ``now``."""

from __future__ import annotations

from datetime import UTC, datetime


class SystemClock:
    """Implements :class:`core.ports.Clock` with the machine's clock, in UTC."""

    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""
        return datetime.now(UTC)
