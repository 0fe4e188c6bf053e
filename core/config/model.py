"""The configuration repository's entities (CONFIG.md) as immutable pydantic models.

Values are parsed once into the form the domain computes with (minutes after midnight,
weekday numbers, naive wall-clock datetimes, timedeltas) and serialise back to the canonical
text form, so a file and the same configuration read back from the database compare equal.
This equality is what makes ``config apply`` idempotent.

Unknown keys are errors everywhere (``extra="forbid"``). Defaults that depend on the file's
top-level ``timezone`` are filled by :func:`core.config.validate.validate_document`, so a
``Configuration`` built by it has every ``timezone`` set.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictInt,
    field_validator,
    model_validator,
)

from core.config import timefmt

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"

Id = Annotated[str, Field(pattern=ID_PATTERN, max_length=100)]


def _zone_name(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected an IANA time zone name, got {value!r}")
    timefmt.zone(value)
    return value


ZoneName = Annotated[str, BeforeValidator(_zone_name)]


ClockStart = Annotated[
    int,
    BeforeValidator(lambda v: timefmt.parse_clock(v, allow_24=False)),
    PlainSerializer(timefmt.format_clock, return_type=str),
]
ClockEnd = Annotated[
    int,
    BeforeValidator(timefmt.parse_clock),
    PlainSerializer(timefmt.format_clock, return_type=str),
]
Span = Annotated[
    tuple[int, int],
    BeforeValidator(timefmt.parse_span),
    PlainSerializer(timefmt.format_span, return_type=str),
]
LocalDateTime = Annotated[
    datetime,
    BeforeValidator(timefmt.parse_local_datetime),
    PlainSerializer(timefmt.format_local_datetime, return_type=str),
]
Duration = Annotated[
    timedelta,
    BeforeValidator(timefmt.parse_duration),
    PlainSerializer(timefmt.format_duration, return_type=str),
]
Weekday = Annotated[
    int,
    BeforeValidator(timefmt.parse_weekday),
    PlainSerializer(lambda d: timefmt.WEEKDAYS[d], return_type=str),
]
GitHubLogin = Annotated[
    str, Field(pattern=r"^[A-Za-z0-9](?:[A-Za-z0-9]|-[A-Za-z0-9]){0,19}$", max_length=39)
]
Labels = dict[Annotated[str, Field(min_length=1)], str]

Rotation = Literal["hourly", "daily", "weekly", "monthly"]
TurnMode = Literal["calendar", "active"]
Importance = Literal["critical", "high", "normal", "low"]
NotifyChannel = Literal["dm", "channel"]


class Entity(BaseModel):
    """Base of every configuration entity: immutable, strict about unknown keys."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Person(Entity):
    """Someone who can be on call. ``available`` hours are in the person's own zone."""

    id: Id
    name: str | None = None
    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None = None
    slack: str | None = None
    teams: str | None = None
    github: GitHubLogin | None = None  # the assignee of GitHub issues
    timezone: ZoneName | None = None
    available: tuple[Span, ...] | None = None

    @field_validator("available")
    @classmethod
    def _non_empty(cls, v: tuple[tuple[int, int], ...] | None) -> Any:
        if v is not None and not v:
            raise ValueError("an empty list would mean never available; omit the key instead")
        return v

    @property
    def display_name(self) -> str:
        """The name to show; the id when the file gives none."""
        return self.name or self.id


class RestRule(Entity):
    """``rest_after_night_pages``: once a resolved incident brings a person's night-time paging
    within one shift to ``minutes``, they get ``rest`` off from the resolution."""

    minutes: int = Field(ge=1, le=24 * 60)
    rest: Duration

    @field_validator("rest")
    @classmethod
    def _at_most_a_week(cls, v: timedelta) -> timedelta:
        if v > timedelta(days=7):
            raise ValueError("rest longer than 7 days is time off; record it with `oncall timeoff`")
        return v


class Team(Entity):
    """A team owns services and schedules; its managers may change rotations from chat."""

    id: Id
    name: str | None = None
    managers: tuple[Id, ...] = ()
    slack_channel: str | None = None
    slack_usergroup: str | None = None
    teams_channel: str | None = None
    rest_after_night_pages: RestRule | None = None


class ActiveWindow(Entity):
    """A weekly window in which a layer applies, in the schedule's zone.

    ``days`` name the day the window opens; ``to`` at or before ``from`` crosses midnight;
    ``from == to`` is a whole day; ``to`` may be ``"24:00"``. ``days_of_month`` (1..31, -1 for
    the last day) restricts the opening days to those dates too (both must match); a date a
    month lacks (31 in April) does not open that month.
    """

    days: tuple[Weekday, ...] = (0, 1, 2, 3, 4, 5, 6)
    days_of_month: tuple[StrictInt, ...] | None = None
    from_: ClockStart = Field(alias="from")
    to: ClockEnd

    @field_validator("days")
    @classmethod
    def _days(cls, v: tuple[int, ...]) -> tuple[int, ...]:
        if not v:
            raise ValueError("name at least one day, or omit `days` for every day")
        if len(set(v)) != len(v):
            raise ValueError("a day is named twice")
        return tuple(sorted(v))

    @field_validator("days_of_month")
    @classmethod
    def _days_of_month(cls, v: tuple[int, ...] | None) -> tuple[int, ...] | None:
        if v is None:
            return v
        if not v:
            raise ValueError("name at least one day of the month, or omit `days_of_month`")
        bad = [d for d in v if not (1 <= d <= 31 or d == -1)]
        if bad:
            raise ValueError(f"{bad[0]} is not a day of the month; use 1..31, or -1 for the last")
        if len(set(v)) != len(v):
            raise ValueError("a day of the month is named twice")
        return tuple(sorted(v, key=lambda d: 32 if d == -1 else d))


class Layer(Entity):
    """A rotation of members; a later layer in a schedule wins wherever it is active.

    Optional shape (docs/configuration.md): ``rotation_start`` / ``until`` clip the layer to
    ``[rotation_start, until)`` (turns still count from ``start``); ``skip`` leaves that many
    units empty after each turn; ``shift`` keeps each turn on for that long from its start;
    ``turn: active`` counts only units in which the layer is active. None means not written
    (``turn`` None is ``calendar``); the rules across fields are in
    :func:`core.config.validate.layer_issues`.
    """

    id: Id
    members: tuple[Id, ...] = Field(min_length=1)
    rotation: Rotation
    every: int = Field(default=1, ge=1, le=1000)
    start: LocalDateTime
    rotation_start: LocalDateTime | None = None
    until: LocalDateTime | None = None
    skip: StrictInt | None = Field(default=None, ge=1, le=1000)
    shift: Duration | None = None
    turn: TurnMode | None = None
    active: tuple[ActiveWindow, ...] | None = None

    @field_validator("active")
    @classmethod
    def _active(cls, v: tuple[ActiveWindow, ...] | None) -> Any:
        if v is not None and not v:
            raise ValueError("an empty list would mean never active; omit the key instead")
        return v


class Schedule(Entity):
    """Layers of rotations; the final schedule also takes overrides from the database."""

    id: Id
    name: str | None = None
    team: Id | None = None
    timezone: ZoneName | None = None
    layers: tuple[Layer, ...] = Field(min_length=1)


class Service(Entity):
    """Something that alerts; routed to a team and an escalation policy."""

    id: Id
    name: str | None = None
    team: Id
    importance: Importance = "normal"
    escalation_policy: Id | None = None
    match: Labels = Field(default_factory=dict)
    runbook: str | None = None
    dashboard: str | None = None
    description: str | None = None
    jira_component: Annotated[str, Field(min_length=1, max_length=255)] | None = None


class Tier(Entity):
    """One step of an escalation: page ``targets``, wait ``escalate_after``, go on."""

    targets: tuple[Annotated[str, Field(pattern=r"^(schedule|person):[^:\s]+$")], ...] = Field(
        min_length=1
    )
    escalate_after: Duration


class EscalationPolicy(Entity):
    """Tiers paged in order; the whole list runs ``repeat`` more times while unacknowledged."""

    id: Id
    name: str | None = None
    repeat: int = Field(default=0, ge=0, le=20)
    tiers: tuple[Tier, ...] = Field(min_length=1)


class SeverityRule(Entity):
    """How loudly an alert of one ``severity`` label pages.

    ``escalation_policy`` overrides the service's policy; ``start_tier`` (1-based) starts the
    escalation at a later tier, e.g. a warning that goes straight to the secondary.
    """

    page: bool = False
    notify: tuple[NotifyChannel, ...] = ()
    ticket: bool = False
    escalation_policy: Id | None = None
    start_tier: int = Field(default=1, ge=1)


class Route(Entity):
    """Alerts that match no service's ``match`` go to the first route whose labels match."""

    match: Labels = Field(default_factory=dict)
    service: Id


class Heartbeat(Entity):
    """A monitoring pipeline that must beat every ``interval``: silent for ``interval`` plus
    ``grace`` opens an incident on ``service``; the next beat resolves it.

    Beats come from ``POST /alerts/heartbeat/<name>`` or, when ``watchdog`` is given, from
    Alertmanager's always-firing ``Watchdog`` alert carrying those labels (``{}``: any).
    """

    name: Id
    interval: Duration
    grace: Duration = timedelta(minutes=1)
    service: Id
    watchdog: Labels | None = None


class MaintenanceWindow(Entity):
    """Alerts of ``service`` (or of every service of ``team``) between ``from`` and ``to``
    (wall-clock in ``timezone``, default the file's) are recorded and shown, never paged; an
    incident still firing when the window ends pages then. Exactly one of service and team."""

    service: Id | None = None
    team: Id | None = None
    from_: LocalDateTime = Field(alias="from")
    to: LocalDateTime
    timezone: ZoneName | None = None
    reason: Annotated[str, Field(max_length=500)] | None = None

    @model_validator(mode="after")
    def _one_subject_and_order(self) -> MaintenanceWindow:
        if (self.service is None) == (self.team is None):
            raise ValueError("give exactly one of `service` and `team`")
        if self.to <= self.from_:
            raise ValueError("`to` must be after `from`")
        return self


DEFAULT_SEVERITIES: dict[str, SeverityRule] = {
    "critical": SeverityRule(page=True, notify=("dm", "channel"), ticket=True),
    "warning": SeverityRule(page=False, notify=("channel",), ticket=True),
    "info": SeverityRule(page=False, notify=(), ticket=False),
}


class Configuration(Entity):
    """A whole, validated configuration with every default filled in."""

    version: Literal[1] = 1
    timezone: ZoneName = "UTC"
    people: tuple[Person, ...] = ()
    teams: tuple[Team, ...] = ()
    schedules: tuple[Schedule, ...] = ()
    services: tuple[Service, ...] = ()
    escalation_policies: tuple[EscalationPolicy, ...] = ()
    severities: dict[str, SeverityRule] = Field(default_factory=lambda: dict(DEFAULT_SEVERITIES))
    routes: tuple[Route, ...] = ()
    heartbeats: tuple[Heartbeat, ...] = ()
    maintenance: tuple[MaintenanceWindow, ...] = ()

    @model_validator(mode="after")
    def _ids_unique(self) -> Configuration:
        for section in ("people", "teams", "schedules", "services", "escalation_policies"):
            ids = [item.id for item in getattr(self, section)]
            if len(ids) != len(set(ids)):
                raise ValueError(f"duplicate ids in {section}")
        names = [h.name for h in self.heartbeats]
        if len(names) != len(set(names)):
            raise ValueError("duplicate names in heartbeats")
        return self

    def person(self, person_id: str) -> Person | None:
        """The person with ``person_id``, or None."""
        return next((p for p in self.people if p.id == person_id), None)

    def schedule(self, schedule_id: str) -> Schedule | None:
        """The schedule with ``schedule_id``, or None."""
        return next((s for s in self.schedules if s.id == schedule_id), None)

    def to_document(self) -> dict[str, Any]:
        """The canonical JSON-able form: what the database stores and the diff compares."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)
