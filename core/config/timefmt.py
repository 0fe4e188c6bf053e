"""Parsing and formatting of the time values written in the configuration file.

Everything here is pure and strict: a value that is not exactly one of the documented forms
raises ``ValueError`` with a message fit to show a manager next to the file and line.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MINUTES_PER_DAY = 24 * 60

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
_LOCAL_DT = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})$")
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_clock(value: object, *, allow_24: bool = True) -> int:
    """Parse ``"HH:MM"`` into minutes after midnight (0..1440).

    ``"24:00"`` is the end of the day (1440) and is accepted only where ``allow_24`` is true.
    Hours above 24, minutes above 59 and anything but the colon form (``9am``, ``0900``, an
    integer) are errors.
    """
    if not isinstance(value, str):
        raise ValueError(f'expected a time as a quoted "HH:MM" string, got {value!r}')
    m = _CLOCK.match(value.strip())
    if not m:
        raise ValueError(f'expected a time "HH:MM", got {value!r}')
    hours, minutes = int(m.group(1)), int(m.group(2))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes != 0):
        raise ValueError(f"{value!r} is not a time of day")
    if hours == 24 and not allow_24:
        raise ValueError('"24:00" is allowed only as the end of a window')
    return hours * 60 + minutes


def format_clock(minutes: int) -> str:
    """Render minutes after midnight as ``"HH:MM"`` (1440 becomes ``"24:00"``)."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_span(value: object) -> tuple[int, int]:
    """Parse an ``available`` entry ``"HH:MM-HH:MM"`` into (from, to) minutes.

    ``to`` at or before ``from`` crosses midnight; ``from == to`` is the whole day.
    """
    if not isinstance(value, str) or value.count("-") != 1:
        raise ValueError(f'expected hours as "HH:MM-HH:MM", got {value!r}')
    start, end = (part.strip() for part in value.split("-"))
    return parse_clock(start, allow_24=False), parse_clock(end)


def format_span(span: tuple[int, int]) -> str:
    """Render (from, to) minutes as ``"HH:MM-HH:MM"``."""
    return f"{format_clock(span[0])}-{format_clock(span[1])}"


def parse_local_datetime(value: object) -> datetime:
    """Parse a wall-clock ``"YYYY-MM-DD HH:MM"`` (a ``T`` may stand for the space).

    The result is naive: it is a reading of the clock in the schedule's zone, which may not
    exist (spring forward) or exist twice (fall back); the schedule code decides which instant
    it means. Dates that do not exist on any calendar (``2026-02-30``) are errors, and so are
    years before :data:`MIN_YEAR` or after :data:`MAX_YEAR` (``9999-12-31 23:59``).
    """
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise ValueError("write the start as local wall-clock time without an offset")
        return _in_range(value.replace(second=0, microsecond=0), value)
    if not isinstance(value, str):
        raise ValueError(f'expected "YYYY-MM-DD HH:MM", got {value!r}')
    m = _LOCAL_DT.match(value.strip())
    if not m:
        raise ValueError(f'expected "YYYY-MM-DD HH:MM", got {value!r}')
    year, month, day, hour, minute = (int(g) for g in m.groups())
    try:
        reading = datetime(year, month, day, hour, minute)  # noqa: DTZ001 - wall-clock reading
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a real date and time: {exc}") from None
    return _in_range(reading, value)


MIN_YEAR, MAX_YEAR = 1900, 9000
"""The years a wall-clock reading may name: the schedule engine works a year or more around
its dates, which near ``datetime``'s limits (year 1, year 9999) would overflow."""


def _in_range(reading: datetime, value: object) -> datetime:
    if not MIN_YEAR <= reading.year <= MAX_YEAR:
        raise ValueError(
            f"{value!r} is out of range: write a year from {MIN_YEAR} to {MAX_YEAR} "
            "(leave `until` out for a layer that never ends)"
        )
    return reading


def format_local_datetime(value: datetime) -> str:
    """Render a naive wall-clock datetime as ``"YYYY-MM-DD HH:MM"``."""
    return value.strftime("%Y-%m-%d %H:%M")


def parse_duration(value: object) -> timedelta:
    """Parse ``"30s"``, ``"5m"``, ``"1h30m"``, ``"2d"`` into a positive timedelta.

    A bare number is refused because its unit would be a guess; zero is refused because an
    escalation that fires at once is better written as one tier.
    """
    if isinstance(value, bool) or not isinstance(value, str):
        raise ValueError(f'expected a duration with a unit such as "5m" or "1h30m", got {value!r}')
    text = value.strip()
    m = _DURATION.match(text)
    if not text or not m or not any(m.groups()):
        raise ValueError(f'expected a duration such as "30s", "5m", "1h30m", got {value!r}')
    days, hours, minutes, seconds = (int(g) if g else 0 for g in m.groups())
    delta = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    if delta <= timedelta(0):
        raise ValueError("a duration must be longer than zero")
    return delta


def format_duration(delta: timedelta) -> str:
    """Render a timedelta in the shortest unit form (``timedelta(minutes=90)`` -> ``"1h30m"``)."""
    total = int(delta.total_seconds())
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if total >= size:
            parts.append(f"{total // size}{unit}")
            total %= size
    return "".join(parts) or "0s"


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    """Return the IANA zone ``name``; ``ValueError`` when it is not known (a name too long
    for a file name, which makes ``ZoneInfo`` raise ``OSError``, included).

    Cached: ZoneInfo objects are immutable and comparing them by identity is cheap.
    """
    if not isinstance(name, str) or not name or name != name.strip():
        raise ValueError(f"{name!r} is not an IANA time zone name")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(
            f"unknown time zone {name!r}; use an IANA name such as Europe/Berlin"
        ) from None


_FULL = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def parse_weekday(value: object) -> int:
    """Parse ``mon``..``sun`` (any case, or the full English name) into 0..6 (Monday is 0)."""
    key = value.strip().lower() if isinstance(value, str) else None
    if key in WEEKDAYS:
        return WEEKDAYS.index(key)
    if key in _FULL:
        return _FULL.index(key)
    raise ValueError(f"{value!r} is not a day; use mon, tue, wed, thu, fri, sat or sun")
