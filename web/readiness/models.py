"""The readiness API's parameters and answers (the OpenAPI document is made from these).

Times are ISO 8601 with offsets, exactly as ``oncall who --json`` writes them
(``datetime.isoformat``): in the ``tz`` parameter's zone, UTC without one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

Instant = Annotated[
    datetime,
    PlainSerializer(lambda d: d.isoformat(), return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
TzName = Annotated[
    str | None,
    Field(
        default=None,
        max_length=64,
        description="IANA time zone to write times in (default UTC)",
    ),
]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class TzParams(BaseModel):
    """Only ``tz``."""

    tz: TzName = None


class ServicesParams(BaseModel):
    """``days``: how far ahead to look for coverage gaps."""

    days: int = Field(default=14, ge=1, le=60, description="Days ahead for coverage gaps")
    tz: TzName = None


class ServiceParams(ServicesParams):
    """One service by id."""

    service_id: str = Field(max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


class OncallParams(BaseModel):
    """``at``: an instant (ISO 8601; without an offset it is read in ``tz``, else UTC)."""

    at: str | None = Field(default=None, max_length=64, description="ISO 8601 instant, default now")
    tz: TzName = None


class GapsParams(BaseModel):
    """``days``: how far ahead, as ``oncall gaps --days``."""

    days: int = Field(default=14, ge=1, le=60, description="Days ahead")
    tz: TzName = None


class Span(_Out):
    start: Instant = Field(alias="from")
    end: Instant = Field(alias="to")


class TargetOut(_Out):
    """A tier's target now: a schedule's person on call (null in a gap) with the bounds of
    the shift, or a person paged directly (``schedule`` null)."""

    target: str
    schedule: str | None
    schedule_name: str | None
    person: str | None
    person_name: str | None
    start: Instant | None = Field(alias="from")
    end: Instant | None = Field(alias="to")


class TierOut(_Out):
    number: int
    escalate_after_seconds: int
    targets: list[TargetOut]


class HandoverOut(_Out):
    """The next hand-over of the first tier; ``person`` null when a gap starts then."""

    at: Instant
    schedule: str
    person: str | None
    person_name: str | None


class ServiceOut(_Out):
    id: str
    name: str
    team: str
    team_name: str
    importance: Literal["critical", "high", "normal", "low"]
    policy: str | None
    tiers: list[TierOut]
    pages_nobody: bool
    status: Literal["ok", "maintenance", "no_policy", "unknown_policy", "no_tiers", "all_gaps"]
    reason: str | None
    maintenance_until: Instant | None
    next_handover: HandoverOut | None
    open_incidents: int
    open_incident_ids: list[int]
    gaps: list[Span]
    gap_hours: float
    incidents_30d: int
    mtta_seconds: float | None
    mttr_seconds: float | None


class ServicesOut(_Out):
    at: Instant
    until: Instant
    services: list[ServiceOut]


class OncallRow(_Out):
    """``oncall who --json``'s row: a schedule's person (null in a gap) and shift bounds."""

    schedule: str | None
    person: str | None
    start: Instant | None = Field(alias="from")
    end: Instant | None = Field(alias="to")


class OncallOut(_Out):
    at: Instant
    oncall: list[OncallRow]


class ServiceGaps(_Out):
    service: str
    importance: Literal["critical", "high", "normal", "low"]
    gaps: list[Span]


class GapsOut(_Out):
    """``oncall gaps --json``'s shape."""

    start: Instant = Field(alias="from")
    end: Instant = Field(alias="to")
    services: list[ServiceGaps]
