"""The JSON shapes of the incidents API (the same as ``oncall incidents [ID] --json``).

Times are aware datetimes, already moved into the zone the caller asked for (``tz``), so they
serialize as ISO 8601 with that zone's offset (UTC without ``tz``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_ID = 2**31 - 1
"""Ids above this are answered 400 (no database integer column holds them)."""

Status = Literal["triggered", "acknowledged", "resolved"]


class Ticket(BaseModel):
    """The incident's ticket: ``url`` only when it is http(s)."""

    model_config = ConfigDict(extra="forbid")

    system: str
    key: str
    url: str | None
    status: str


class IncidentFields(BaseModel):
    """CONTRACT.md's ``oncall incidents --json`` fields of one incident, plus its team."""

    model_config = ConfigDict(extra="forbid")

    id: int
    title: str
    service: str
    severity: str
    status: Status
    alerts: int
    assignee: str | None
    tier: int = Field(description="1-based tier of the escalation path")
    opened_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    team: str | None


class IncidentItem(IncidentFields):
    """One row of the listing: the fields and the ticket (null without one)."""

    ticket: Ticket | None


class IncidentList(BaseModel):
    """Incidents, newest first; ``next_before`` is the ``before`` of the next page (null on
    the last page)."""

    model_config = ConfigDict(extra="forbid")

    incidents: list[IncidentItem]
    next_before: int | None = None


class IncidentFull(IncidentFields):
    """The incident of the detail document: the fields, its labels, annotations and links."""

    labels: dict[str, str]
    annotations: dict[str, str]
    links: dict[str, str]


class TimelineEntry(BaseModel):
    """One timeline event; ``text`` is what the card says of it."""

    model_config = ConfigDict(extra="forbid")

    at: datetime
    kind: str
    actor: str | None
    text: str
    detail: dict[str, Any]


class Metrics(BaseModel):
    """The response metrics of a resolved incident; durations in seconds."""

    model_config = ConfigDict(extra="forbid")

    opened_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime
    time_to_acknowledge: int | None
    time_to_resolve: int | None
    acknowledged_by: str | None
    resolved_by: str | None
    escalations: int
    responder: str | None
    off_hours: bool


class Review(BaseModel):
    """The post-incident review someone wrote."""

    model_config = ConfigDict(extra="forbid")

    summary: str
    cause: str | None
    follow_ups: list[str]
    author: str
    created_at: datetime
    updated_at: datetime
    revision: int


class IncidentDocument(BaseModel):
    """``oncall incidents ID --json``: the incident, its timeline (oldest first), its ticket,
    its metrics (null until resolved) and its review (null until written)."""

    model_config = ConfigDict(extra="forbid")

    incident: IncidentFull
    timeline: list[TimelineEntry]
    ticket: Ticket | None
    metrics: Metrics | None
    review: Review | None


class ListQuery(BaseModel):
    """``GET /incidents``: which incidents, how many, from where."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["open", "all", "triggered", "acknowledged", "resolved"] = "open"
    limit: int = Field(50, ge=1, le=200)
    before: int | None = Field(
        None, ge=1, le=MAX_ID, description="Only incidents with a smaller id (the next page)"
    )
    tz: str | None = Field(None, max_length=64, description="IANA time zone of the answer's times")


class OneQuery(BaseModel):
    """An incident id in the path, and the answer's time zone."""

    model_config = ConfigDict(extra="forbid")

    incident_id: int = Field(ge=1, le=MAX_ID)
    tz: str | None = Field(None, max_length=64, description="IANA time zone of the answer's times")


class ActBody(BaseModel):
    """Who acknowledges or resolves: a person id of the configuration."""

    model_config = ConfigDict(extra="forbid")

    as_: str = Field(alias="as", min_length=1, max_length=64)
