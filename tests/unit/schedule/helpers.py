"""Small builders shared by the schedule tests (no I/O, no clock)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

from core.schedule.layer import layer_turns
from core.schedule.model import (
    FinalSchedule,
    LayerSpec,
    PersonSpec,
    Rotation,
    ScheduleSpec,
    Shift,
    TimeOff,
    WeeklyWindow,
)
from core.schedule.roster import Roster

CHICAGO = ZoneInfo("America/Chicago")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
BERLIN = ZoneInfo("Europe/Berlin")


def at(zone: ZoneInfo, y: int, mo: int, d: int, h: int = 0, mi: int = 0, fold: int = 0) -> datetime:
    """The UTC instant of a wall-clock reading (``fold=1`` for the second of two).

    Converted to UTC on purpose: Python compares and adds aware datetimes of one zone by their
    wall-clock fields, and never finds a fold-dependent time equal to one in another zone.
    """
    return datetime(y, mo, d, h, mi, tzinfo=zone, fold=fold).astimezone(UTC)


def chi(y: int, mo: int, d: int, h: int = 0, mi: int = 0, fold: int = 0) -> datetime:
    """An instant given as America/Chicago wall-clock time."""
    return at(CHICAGO, y, mo, d, h, mi, fold)


def z(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    """An instant given in UTC."""
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


def window(days: Sequence[int], frm: str, to: str) -> WeeklyWindow:
    """A weekly window from "HH:MM" strings."""
    return WeeklyWindow(frozenset(days), minutes(frm), minutes(to))


def minutes(clock: str) -> int:
    """ "HH:MM" as minutes after midnight."""
    h, m = clock.split(":")
    return int(h) * 60 + int(m)


def layer(
    members: Sequence[str] = ("a", "b", "c"),
    rotation: Rotation = "daily",
    start: datetime = datetime(2020, 3, 1, 9, 0),
    *,
    every: int = 1,
    zone: ZoneInfo = CHICAGO,
    active: Sequence[WeeklyWindow] | None = None,
    id: str = "L",
) -> LayerSpec:
    """A layer with sensible defaults (daily 09:00 hand-overs in Chicago from 2020-03-01)."""
    return LayerSpec(
        id=id,
        members=tuple(members),
        rotation=rotation,
        every=every,
        start=start,
        zone=zone,
        active=None if active is None else tuple(active),
    )


def schedule(*layers: LayerSpec, zone: ZoneInfo = CHICAGO) -> ScheduleSpec:
    """A schedule of ``layers`` in listed order."""
    return ScheduleSpec(id="S", zone=zone, layers=tuple(layers))


def rows(shifts: Sequence[Shift], zone: tzinfo = CHICAGO) -> list[tuple[str, str, str, str]]:
    """Shifts as readable (person, local start, local end, source) rows for table asserts."""
    return [(s.person, local(s.start, zone), local(s.end, zone), s.source) for s in shifts]


def local(moment: datetime, zone: tzinfo = CHICAGO) -> str:
    """``moment`` as "YYYY-MM-DD HH:MM±HH:MM" in ``zone`` (the offset tells the two 01:30s)."""
    return moment.astimezone(zone).isoformat(sep=" ", timespec="minutes")


def assert_tiles(final: FinalSchedule, start: datetime, end: datetime) -> None:
    """Shifts and gaps cover ``[start, end)`` exactly, in order, without overlap or void."""
    spans = sorted(
        [(s.start, s.end) for s in final.shifts] + [(g.start, g.end) for g in final.gaps]
    )
    assert all(s < e for s, e in spans), "empty piece"
    assert [s.start for s in final.shifts] == sorted(s.start for s in final.shifts)
    cursor = start
    for s, e in spans:
        assert s == cursor, f"hole or overlap at {s} (expected {cursor})"
        cursor = e
    assert cursor == end


def holders(spec: LayerSpec, roster: Roster, start: datetime, end: datetime) -> list[str | None]:
    """Who holds each turn overlapping ``[start, end)``, in turn order."""
    return [t.holder for t in layer_turns(spec, roster, start, end)]


def off(person: str, start: datetime, end: datetime) -> TimeOff:
    """A time-off record."""
    return TimeOff(person, start, end)


def roster(*time_off: TimeOff, people: Sequence[PersonSpec] = ()) -> Roster:
    """A roster of ``people`` (others always available) with ``time_off``."""
    return Roster({p.id: p for p in people}, time_off)
