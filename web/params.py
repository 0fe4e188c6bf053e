"""Parameters every area reads the same way: the API's ``tz`` and small integers on pages."""

from __future__ import annotations

from datetime import UTC, tzinfo

from web.problems import ApiError
from web.render import zone_or_none


def zone_param(name: str | None) -> tzinfo:
    """The API's ``tz`` parameter: UTC without one; a 400 problem for a name that is not an
    IANA zone (a folder such as ``America``, a path, an empty string)."""
    if name is None:
        return UTC
    found = zone_or_none(name)
    if found is None:
        raise ApiError(400, f"unknown time zone {name!r}")
    return found


def small_int(raw: str | None, lo: int, hi: int) -> int | None:
    """A page's integer parameter in ``[lo, hi]``, or None when it is not one.

    Only ASCII digits count (``'²'.isdigit()`` is True but ``int('²')`` fails), and at most
    nine of them (Python refuses to read integers of more than 4,300 digits)."""
    if raw is None or not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        return None
    value = int(raw)
    return value if lo <= value <= hi else None
