"""Wall-clock readings in a zone turned into instants, and wall-clock calendar arithmetic.

CONFIG.md: time is wall-clock in the schedule's zone. A reading that does not exist (inside a
spring-forward gap) means the first instant that exists after the gap; a reading that exists
twice (fall back) means the first of the two.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache

from core.schedule.model import Rotation

_SECOND = timedelta(seconds=1)


def to_local(moment: datetime, zone: tzinfo) -> datetime:
    """The naive wall-clock reading of aware ``moment`` in ``zone``.

    Edge cases: during a fall-back hour two instants give the same reading (the returned value
    carries ``fold`` but naive comparisons ignore it).
    """
    return moment.astimezone(zone).replace(tzinfo=None)


@lru_cache(maxsize=1 << 16)
def to_instant(local: datetime, zone: tzinfo) -> datetime:
    """The UTC instant that the naive wall-clock reading ``local`` in ``zone`` stands for.

    Edge cases (CONFIG.md's DST rule):
    - a reading inside a spring-forward gap gives the instant the gap ends, e.g. 02:30 on
      2020-03-08 in America/Chicago gives 03:00 CDT (08:00 UTC); a 30-minute gap
      (Australia/Lord_Howe) works the same way;
    - an ambiguous reading (fall back) gives the first of its two instants (``fold=0``), e.g.
      01:30 on 2020-11-01 in America/Chicago gives 01:30 CDT (06:30 UTC).
    The function is monotonic: later readings never give earlier instants.
    """
    if local.tzinfo is not None:
        raise ValueError("to_instant takes a naive wall-clock reading")
    local = local.replace(fold=0)
    before = local.replace(tzinfo=zone).utcoffset()
    after = local.replace(tzinfo=zone, fold=1).utcoffset()
    if before is None or after is None:
        raise ValueError(f"zone {zone!r} gives no UTC offset")
    if before >= after:  # an ordinary reading, or the first of an ambiguous pair
        return (local - before).replace(tzinfo=UTC)
    return _gap_end(local, before, after, zone)


def _gap_end(local: datetime, before: timedelta, after: timedelta, zone: tzinfo) -> datetime:
    """The transition instant that ends the gap ``local`` falls in (bisection over seconds).

    With ``before`` / ``after`` the offsets around the transition T, the gap's readings are
    ``[T + before, T + after)``, so T lies in ``(local - after, local - before]``; T is the
    first instant whose reading is later than ``local``.
    """
    lo = (local - after).replace(tzinfo=UTC)  # reads earlier than local
    hi = (local - before).replace(tzinfo=UTC)  # reads later than local
    while hi - lo > _SECOND:
        mid = lo + ((hi - lo) // 2 // _SECOND) * _SECOND
        if to_local(mid, zone) > local:
            hi = mid
        else:
            lo = mid
    return hi


def add_units(start: datetime, rotation: Rotation, count: int) -> datetime:
    """``start`` moved by ``count`` rotation units in wall-clock terms (naive in, naive out).

    Hours, days and weeks are counted on the wall clock (so an hourly turn can map to an
    instant of zero length across spring forward). Months keep ``start``'s day of month,
    clamped to the month's last day, always computed from ``start`` itself: Jan 31 + 1 month is
    Feb 28/29, + 2 months is Mar 31. ``count`` may be negative.
    """
    if rotation == "hourly":
        return start + timedelta(hours=count)
    if rotation == "daily":
        return start + timedelta(days=count)
    if rotation == "weekly":
        return start + timedelta(weeks=count)
    months = start.year * 12 + (start.month - 1) + count
    year, month = divmod(months, 12)
    month += 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return start.replace(year=year, month=month, day=day)


def units_between(start: datetime, later: datetime, rotation: Rotation) -> int:
    """Whole rotation units from wall-clock ``start`` to ``later`` (floor; an estimate).

    Used to guess a turn index without iterating; callers correct the guess by comparing
    turn boundaries, since DST makes instants and readings drift by an hour or so.
    """
    if rotation == "monthly":
        return (later.year - start.year) * 12 + (later.month - start.month)
    unit = {"hourly": timedelta(hours=1), "daily": timedelta(days=1)}.get(
        rotation, timedelta(weeks=1)
    )
    return (later - start) // unit
