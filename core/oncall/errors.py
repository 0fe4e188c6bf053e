"""The refusals of the use cases that change who is on call, and the window check they share."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.schedule.model import utc

MAX_WINDOW = timedelta(days=366)


class ScheduleInputError(ValueError):
    """A request that names something unknown or an impossible window; nothing was written."""


class SwapRefused(ScheduleInputError):
    """A swap refused by its rules; ``field`` is the form field it is about (None: all)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def check_window(start: datetime, end: datetime, now: datetime) -> tuple[datetime, datetime]:
    """The window in UTC; refused when empty or inverted, over already, or over a year long."""
    start, end = utc(start), utc(end)
    if end <= start:
        raise ScheduleInputError("--to must be after --from")
    if end <= now:
        raise ScheduleInputError("the window is over already; the past cannot be changed")
    if end - start > MAX_WINDOW:
        raise ScheduleInputError("a window may be a year long at most")
    return start, end
