"""The record of coverage gaps the managers were warned about; ``storage/`` implements it.

:func:`core.oncall.gap_warnings.warn_about_gaps` compares the gaps it finds with these rows to
tell a new gap from one already warned about, one that changed, and one that was covered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class GapWarning:
    """A gap of ``service_id`` the team's managers were told about, as it was last seen.

    ``end`` is None when the gap ran past the horizon it was seen with, ``seen_until`` (its end
    is not known yet). ``schedule_id`` is the first-tier schedule an override would close it
    in (None: the service has no schedule in its first tier, e.g. no escalation policy).
    """

    service_id: str
    start: datetime
    end: datetime | None
    team_id: str | None
    schedule_id: str | None
    seen_until: datetime
    warned_at: datetime


class GapWarningRepository(Protocol):
    """One row per warned gap, unique by ``(service_id, start)``."""

    async def all(self) -> list[GapWarning]:
        """Every recorded warning, by service then start."""
        ...

    async def replace(self, remove: Sequence[GapWarning], add: Sequence[GapWarning]) -> bool:
        """Delete ``remove`` (by service and start), then insert ``add``.

        False when a row to remove was gone already or one to add exists already: another
        worker made this very change at the same moment. The caller then writes nothing (it
        leaves the unit without committing), so each change is announced once.
        """
        ...
