"""Times typed by people (CLI flags, chat commands) into instants.

Accepted: ISO 8601 with an offset or ``Z`` (``2026-03-01T09:00+01:00``); a local date-time
without offset (``2026-03-01 09:00``) or a date (``2026-03-01``, meaning its midnight) only
when a zone is given to read it in; ``now``. A local time that does not exist in the zone
(skipped by a daylight-saving change) is refused rather than guessed; one that happens twice
is read as the first.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, tzinfo


class TimeInputError(ValueError):
    """The text is not a time we can read without guessing; the message says what to write."""


def parse_instant(text: str, *, zone: tzinfo | None, now: datetime, what: str = "time") -> datetime:
    """Read ``text`` as an instant (timezone-aware, in UTC)."""
    raw = text.strip()
    if raw.lower() == "now":
        return now.astimezone(UTC)
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise TimeInputError(
            f"{what} {text!r} is not a date or time; write 2026-03-01T09:00+01:00 or 2026-03-01"
        ) from None
    is_date_only = len(raw) <= 10 and isinstance(parsed, datetime) and parsed.time() == time(0)
    if parsed.tzinfo is not None:
        return parsed.astimezone(UTC)
    if zone is None:
        raise TimeInputError(
            f"{what} {text!r} has no UTC offset; add one (2026-03-01T09:00+01:00) or pass --tz"
        )
    local = datetime.combine(parsed.date(), time(0)) if is_date_only else parsed
    return localize(local, zone, what=what)


def localize(local: datetime, zone: tzinfo, *, what: str = "time") -> datetime:
    """Attach ``zone`` to a naive wall-clock reading; refuse one that does not exist there."""
    first = local.replace(tzinfo=zone, fold=0)
    back = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if back != local:
        raise TimeInputError(
            f"{what} {local:%Y-%m-%d %H:%M} does not exist in {zone} (the clocks skip it)"
        )
    return first.astimezone(UTC)


def parse_day(text: str, *, what: str = "date") -> date:
    """Read ``YYYY-MM-DD``."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise TimeInputError(f"{what} {text!r} is not a date; write 2026-03-01") from None
