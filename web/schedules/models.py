"""The schedules API's parameters and answers (they also write its OpenAPI document).

Times in answers are ISO 8601 with offsets: in the ``tz`` parameter's zone when given, else UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, create_model

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"
ScheduleId = Annotated[str, Field(pattern=ID_PATTERN, min_length=1, max_length=100)]
TIME_HELP = (
    "An ISO 8601 instant (2026-03-02T09:00+01:00) or a date (2026-03-02: its midnight in `tz`, "
    "else in the schedule's time zone)"
)
ZONE_HELP = "An IANA time zone (Europe/Berlin) for the answer's times; UTC without"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class LayerRef(_Strict):
    """A layer of a schedule (layers have no name of their own: ``name`` is the id)."""

    id: str
    name: str


class OnCallNow(_Strict):
    """Who is on call now: ``until`` is None when the shift does not end within a year."""

    person: str
    name: str | None
    since: datetime
    until: datetime | None
    source: str


class ScheduleSummary(_Strict):
    """One configured schedule; ``on_call`` is None in a coverage gap."""

    id: str
    name: str | None
    team: str | None
    timezone: str
    layers: list[LayerRef]
    on_call: OnCallNow | None
    next: OnCallNow | None


class ScheduleList(_Strict):
    """Every configured schedule, in file order."""

    schedules: list[ScheduleSummary]


class Span(_Strict):
    """A half-open span ``[from, to)``."""

    start: datetime = Field(alias="from")
    end: datetime = Field(alias="to")


class PersonSpan(_Strict):
    """A person over ``[from, to)``."""

    person: str
    start: datetime = Field(alias="from")
    end: datetime = Field(alias="to")


class FinalShift(_Strict):
    """A final shift; ``source`` is ``layer:ID``, ``override``, ``swap`` or ``cover``."""

    person: str
    start: datetime = Field(alias="from")
    end: datetime = Field(alias="to")
    source: str


class LayerShift(_Strict):
    """A layer's own shift: ``source`` is ``layer:ID`` for the turn's holder, ``cover`` for a
    cover the layer generated."""

    person: str
    start: datetime = Field(alias="from")
    end: datetime = Field(alias="to")
    source: str


class LayerShifts(_Strict):
    """One layer's own shifts (before overrides and later layers)."""

    layer: str
    shifts: list[LayerShift]


class ScheduleShifts(_Strict):
    """CONTRACT.md's ``oncall schedule --json`` document, plus the layers and the members'
    time off over the same window."""

    schedule: str
    start: datetime = Field(alias="from")
    end: datetime = Field(alias="to")
    shifts: list[FinalShift]
    gaps: list[Span]
    layers: list[LayerShifts]
    time_off: list[PersonSpan]


class ListParams(_Strict):
    """``GET /schedules``: only the answer's time zone."""

    tz: str | None = Field(None, min_length=1, max_length=64, description=ZONE_HELP)


_SHIFTS_FIELDS: dict[str, Any] = {
    "schedule_id": (ScheduleId, ...),
    "from": (str | None, Field(None, min_length=1, max_length=40, description=TIME_HELP)),
    "to": (str | None, Field(None, min_length=1, max_length=40, description=TIME_HELP)),
    "tz": (str | None, Field(None, min_length=1, max_length=64, description=ZONE_HELP)),
}
ShiftsParams: type[BaseModel] = create_model(
    "ShiftsParams",
    __config__=ConfigDict(extra="forbid"),
    __doc__="``GET /schedules/{schedule_id}/shifts``: the window (default the next 14 days, "
    "at most 62) and the answer's time zone.",
    **_SHIFTS_FIELDS,
)
"""The parameters ``from`` and ``to`` are Python keywords, so the model is made by name."""
