"""The load area's API models: parameters, the report document and the load per person.

:class:`ReportOut` is the document ``oncall report --json`` writes (``bot/cli_report.py``
``document``): times ISO 8601 with offsets, durations in whole seconds (rounded down), null
where there is nothing to measure.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

_STRICT = ConfigDict(extra="forbid")


class PeriodParams(BaseModel):
    """``since``/``until``: dates (read in ``tz``, else the configuration's zone; a date is its
    midnight) or ISO 8601 instants; default the 30 days before now. At most 366 days."""

    model_config = _STRICT

    since: str | None = Field(None, max_length=40, description="Date or ISO 8601 instant")
    until: str | None = Field(None, max_length=40, description="Date or ISO 8601 instant")
    team: str | None = Field(
        None, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", description="One team"
    )
    tz: str | None = Field(None, max_length=64, description="IANA time zone of the answer")


class Percentiles(BaseModel):
    model_config = _STRICT

    median: int | None
    p90: int | None


class FiguresOut(BaseModel):
    """The figures of a group of incidents."""

    model_config = _STRICT

    incidents: int
    acknowledged: int
    time_to_acknowledge: Percentiles
    time_to_resolve: Percentiles
    escalations: int
    pages: int
    off_hours_pages: int
    off_hours_seconds: int | None
    off_hours_incidents: int


class _TeamKey(BaseModel):
    team: str


class _ServiceKey(BaseModel):
    service: str
    team: str | None


class TeamFiguresOut(FiguresOut, _TeamKey):
    """One team's figures; ``team`` comes first, as in ``oncall report --json`` (pydantic
    orders the fields of the bases from the last one: the key, then the figures)."""


class ServiceFiguresOut(FiguresOut, _ServiceKey):
    """One service's figures; ``service`` and ``team`` first, as in ``oncall report --json``."""


class PersonFiguresOut(BaseModel):
    model_config = _STRICT

    person: str
    name: str
    pages: int
    off_hours_pages: int
    off_hours_seconds: int | None
    acknowledged: int
    resolved: int
    responded: int
    on_call_seconds: int | None


class PageOut(BaseModel):
    model_config = _STRICT

    person: str
    at: str | None
    until: str | None
    off_hours: bool
    off_hours_seconds: int | None


class IncidentOut(BaseModel):
    model_config = _STRICT

    id: int
    service: str
    team: str | None
    severity: str
    opened_at: str | None
    acknowledged_at: str | None
    resolved_at: str | None
    time_to_acknowledge: int | None
    time_to_resolve: int | None
    acknowledged_by: str | None
    resolved_by: str | None
    responder: str | None
    escalations: int
    off_hours: bool
    pages: list[PageOut]


class ReportOut(BaseModel):
    """The response report over ``[since, until)`` (incidents resolved in it)."""

    model_config = _STRICT

    since: str | None
    until: str | None
    team: str | None
    window: str
    percentiles: str
    overall: FiguresOut
    by_team: list[TeamFiguresOut]
    by_service: list[ServiceFiguresOut]
    by_person: list[PersonFiguresOut]
    incidents: list[IncidentOut]


class RestOut(BaseModel):
    """Rests after night pages granted overlapping the period; ``minutes`` inside it."""

    model_config = _STRICT

    count: int
    minutes: int


class PersonLoadOut(BaseModel):
    """One person's load: hours on call (final shifts in the team's schedules), pages and
    their off-hours minutes (incidents resolved in the period), rest granted."""

    model_config = _STRICT

    person: str
    name: str
    teams: list[str]
    hours_on_call: float
    pages: int
    off_hours_minutes: int
    rest_granted: RestOut


class LoadOut(BaseModel):
    """The load per person over ``[since, until)``, the team's members first."""

    model_config = _STRICT

    since: str
    until: str
    team: str | None
    people: list[PersonLoadOut]
