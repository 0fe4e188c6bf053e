"""Small immutable values the schedule engine takes and gives.

Instants are timezone-aware datetimes; the engine returns them in UTC so they compare and hash
alike. Wall-clock values (a layer's ``start``) are naive readings of a zone's clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Literal

Rotation = Literal["hourly", "daily", "weekly", "monthly"]
TurnMode = Literal["calendar", "active"]
OverrideSource = Literal["override", "swap"]


def utc(moment: datetime) -> datetime:
    """``moment`` in UTC; ``ValueError`` when it is naive (an instant needs a zone)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"expected a timezone-aware datetime, got {moment!r}")
    return moment.astimezone(UTC)


@dataclass(frozen=True, slots=True, order=True)
class Interval:
    """A half-open span of time ``[start, end)``; zero length is allowed (an empty span)."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("an interval needs timezone-aware bounds")
        if self.end < self.start:
            raise ValueError(f"interval ends before it starts: {self.start} > {self.end}")

    @property
    def empty(self) -> bool:
        """True when the interval holds no instant."""
        return self.end <= self.start

    def contains(self, moment: datetime) -> bool:
        """True when ``start <= moment < end``."""
        return self.start <= moment < self.end


@dataclass(frozen=True, slots=True)
class TimeOff:
    """``person`` cannot be on call during ``[start, end)`` (recorded from chat or the CLI)."""

    person: str
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if utc(self.end) < utc(self.start):
            raise ValueError("time off ends before it starts")


@dataclass(frozen=True, slots=True)
class Override:
    """``person`` is on call during ``[start, end)`` whatever the layers say.

    ``created_seq`` orders overrides by creation: where two overlap, the higher one wins. An
    accepted swap is stored as two records with ``source="swap"`` (see
    :func:`core.schedule.final.swap_overrides`).
    """

    person: str
    start: datetime
    end: datetime
    created_seq: int
    source: OverrideSource = "override"

    def __post_init__(self) -> None:
        if utc(self.end) < utc(self.start):
            raise ValueError("override ends before it starts")


@dataclass(frozen=True, slots=True)
class Shift:
    """``person`` is on call during ``[start, end)``.

    ``source`` is ``"layer:<id>"`` for the holder of a turn, ``"cover"`` for a generated cover
    of hours the holder cannot serve, ``"override"`` or ``"swap"``.
    """

    person: str
    start: datetime
    end: datetime
    source: str


_new = object.__new__
_set_person, _set_start, _set_end, _set_source = (
    Shift.__dict__[name].__set__ for name in ("person", "start", "end", "source")
)


def make_shift(person: str, start: datetime, end: datetime, source: str) -> Shift:
    """``Shift(person, start, end, source)``, about three times faster.

    The frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``; this
    fills the slots directly. Only valid while :class:`Shift` has no ``__post_init__`` (a unit
    test checks it).
    """
    shift: Shift = _new(Shift)
    _set_person(shift, person)
    _set_start(shift, start)
    _set_end(shift, end)
    _set_source(shift, source)
    return shift


@dataclass(frozen=True, slots=True)
class FinalSchedule:
    """Who is on call over a window: shifts in time order, and the gaps with nobody.

    Shifts and gaps together tile the window exactly, without overlap.
    """

    shifts: tuple[Shift, ...]
    gaps: tuple[Interval, ...]


@dataclass(frozen=True, slots=True)
class OnCall:
    """The final shift around an instant, with its full bounds as far as the search reaches.

    ``end`` is None when the shift does not end within the look-ahead (a year).
    """

    person: str
    start: datetime
    end: datetime | None
    source: str


_DAYS_OF_MONTH = frozenset((*range(1, 32), -1))


@dataclass(frozen=True, slots=True)
class WeeklyWindow:
    """A weekly window in a zone's wall clock; ``days`` are the weekdays it opens (0 = Mon).

    ``from_min``/``to_min`` are minutes after midnight (``to_min`` may be 1440). ``to_min`` at
    or before ``from_min`` crosses midnight; equal values make a whole (24 wall-hour) day.
    ``days_of_month`` (1..31, -1 for the month's last day), when given, restricts the days the
    window opens on to those dates as well (both must match); a date a month lacks (31 in
    April) simply does not open that month.
    """

    days: frozenset[int]
    from_min: int
    to_min: int
    days_of_month: frozenset[int] | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.from_min < 1440 or not 0 <= self.to_min <= 1440:
            raise ValueError("window bounds must be minutes after midnight (0..1440)")
        if not self.days <= frozenset(range(7)):
            raise ValueError("days must be weekday numbers 0..6")
        if self.days_of_month is not None and not self.days_of_month <= _DAYS_OF_MONTH:
            raise ValueError("days of month must be 1..31 or -1 (the last day)")


ALL_DAYS: frozenset[int] = frozenset(range(7))


@dataclass(frozen=True, slots=True)
class LayerSpec:
    """One rotation as the engine needs it.

    ``start`` is the naive wall-clock start of turn 0 in ``zone``. ``active`` None means always
    active. An empty ``members`` tuple is allowed: the layer then never has anyone on call.

    The layer's active hours are further clipped (:mod:`core.schedule.shape`):

    - ``rotation_start`` / ``until`` (naive wall-clock readings, hand-over DST rule): active
      only in ``[rotation_start, until)``; turns still count from ``start``;
    - ``skip``: after each turn of ``every`` units, ``skip`` units of nobody (a turn then lasts
      ``every + skip`` units, its first ``every`` active);
    - ``shift``: each turn is active only for ``shift`` of wall-clock time from its start.

    ``turn="active"`` counts a turn as ``every`` rotation units whose wall-clock span meets an
    ``active`` window (:mod:`core.schedule.activeunits`); other units belong to the turn
    before them, in which the layer is not active then.
    """

    id: str
    members: tuple[str, ...]
    rotation: Rotation
    every: int
    start: datetime
    zone: tzinfo
    active: tuple[WeeklyWindow, ...] | None = None
    until: datetime | None = None
    rotation_start: datetime | None = None
    skip: int = 0
    shift: timedelta | None = None
    turn: TurnMode = "calendar"

    def __post_init__(self) -> None:
        if self.every < 1:
            raise ValueError("every must be at least 1")
        if self.skip < 0:
            raise ValueError("skip must not be negative")
        if self.shift is not None and self.shift <= timedelta(0):
            raise ValueError("a shift must be longer than zero")
        for reading in (self.start, self.until, self.rotation_start):
            if reading is not None and reading.tzinfo is not None:
                raise ValueError("a layer start, rotation_start or until is a naive reading")

    @property
    def stride(self) -> int:
        """Rotation units from one turn's start to the next (``every + skip``)."""
        return self.every + self.skip

    @property
    def shaped(self) -> bool:
        """True when ``until``, ``rotation_start``, ``skip`` or ``shift`` clip active hours."""
        return (
            self.until is not None
            or self.rotation_start is not None
            or self.skip > 0
            or self.shift is not None
        )


@dataclass(frozen=True, slots=True)
class ScheduleSpec:
    """A schedule's layers in file order: a later layer wins wherever it is active."""

    id: str
    zone: tzinfo
    layers: tuple[LayerSpec, ...]


@dataclass(frozen=True, slots=True)
class PersonSpec:
    """A person's own zone and daily ``available`` spans (minutes), None meaning always."""

    id: str
    zone: tzinfo
    available: tuple[tuple[int, int], ...] | None = None


@dataclass(frozen=True, slots=True)
class QueueCheckpoint:
    """The fair round robin queue of a layer just before turn ``turn_index`` is given out.

    Store one (e.g. per layer, at the last hand-over) and pass it back to resume the replay
    from there instead of from the layer's start. ``order`` holds member ids, front first.
    """

    turn_index: int
    order: tuple[str, ...] = field(default=())
