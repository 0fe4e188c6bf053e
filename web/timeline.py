"""Geometry of the dashboard's timelines: tracks of bars over a window, drawn as SVG.

The templates draw with SVG attributes only (the Content-Security-Policy forbids inline
styles): :func:`timeline` turns instants into x positions and widths in a 1000-unit wide
view box, and picks day ticks at the viewer's local midnights (so a DST change moves a tick,
never a bar).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

WIDTH = 1000.0
"""The view box width every timeline is drawn in."""


@dataclass(frozen=True)
class Segment:
    """What a caller gives: a span, its text, and its kind (a CSS class: ``shift``,
    ``override``, ``swap``, ``cover``, ``gap``, ``timeoff``, ``incident`` ...)."""

    start: datetime
    end: datetime
    label: str
    kind: str = "shift"


@dataclass(frozen=True)
class Bar:
    """A segment clipped to the window, with its x and width in view box units (a segment
    shorter than a unit is drawn one unit wide, so it stays visible)."""

    x: float
    width: float
    label: str
    kind: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Track:
    """One row of a timeline."""

    label: str
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class Tick:
    """A local midnight inside the window and its label (``Mon 02``)."""

    x: float
    label: str
    at: datetime


@dataclass(frozen=True)
class Timeline:
    """What ``timeline.html``'s macro draws: rows of bars over ``[start, end)`` with day
    ticks, and the zone the ticks are in."""

    start: datetime
    end: datetime
    zone: str
    tracks: tuple[Track, ...]
    ticks: tuple[Tick, ...]

    @property
    def height(self) -> int:
        """The view box height: 24 units per track plus the tick labels."""
        return 24 * len(self.tracks) + 20


def timeline(
    start: datetime,
    end: datetime,
    zone: str,
    tracks: Iterable[tuple[str, Sequence[Segment]]],
) -> Timeline:
    """Lay ``tracks`` out over ``[start, end)`` (aware datetimes; ``end`` after ``start``).

    Segments outside the window are dropped, those crossing an edge are clipped. Ticks are at
    each local midnight of ``zone`` inside the window; a window shorter than two days gets
    ticks every six hours instead.
    """
    if end <= start:
        raise ValueError("a timeline's end must be after its start")
    span = (end - start).total_seconds()

    def x_of(at: datetime) -> float:
        return round((at - start).total_seconds() / span * WIDTH, 2)

    laid = []
    for label, segments in tracks:
        bars = []
        for seg in sorted(segments, key=lambda s: s.start):
            lo, hi = max(seg.start, start), min(seg.end, end)
            if hi <= lo:
                continue
            x = x_of(lo)
            width = max(round(x_of(hi) - x, 2), 1.0)
            bars.append(Bar(x, width, seg.label, seg.kind, lo, hi))
        laid.append(Track(label, tuple(bars)))
    return Timeline(start, end, zone, tuple(laid), tuple(_ticks(start, end, zone, x_of)))


def _ticks(start: datetime, end: datetime, zone: str, x_of: object) -> list[Tick]:
    where = ZoneInfo(zone)
    local = start.astimezone(where)
    six_hourly = end - start < timedelta(days=2)
    step = timedelta(hours=6) if six_hourly else timedelta(days=1)
    moment = local.replace(hour=0, minute=0, second=0, microsecond=0)
    out: list[Tick] = []
    for _ in range(400):
        # wall-clock steps: add in local time, then normalise (DST keeps ticks at midnight)
        if moment.astimezone(start.tzinfo) >= start:
            at = moment.astimezone(start.tzinfo)
            if at >= end:
                break
            fmt = "%H:%M" if six_hourly else "%a %d"
            out.append(Tick(x_of(at), moment.strftime(fmt), at))  # type: ignore[operator]
        moment = (moment.replace(tzinfo=None) + step).replace(tzinfo=where)
    return out
