"""The ``/oncall`` command table: who types what, what the reply says, what changes.

Platform-neutral, so every chat surface runs the same rows: ``tests/unit/commands/test_router.py``
runs them through :func:`bot.commands.router.run` on the in-memory store, and a surface's
integration test can run them through its own listener (Slack: ``/oncall TEXT``; Teams: a
message ``TEXT``) against the world of :mod:`tests.unit.commands.world` and compare what it
rendered with ``says`` and ``lines``.

Each row: the caller (a person id; None is a chat user the configuration does not know), the
text typed, fragments the reply's one-line text must contain (``says``), fragments each found in
some section title or line (``lines``), fragments found nowhere (``absent``), whether the reply
is public (shown to the channel) and an error (a refusal), and what the store holds afterwards
that it did not before (:class:`Changed`; the default is nothing at all). Times in ``Changed``
are UTC, written ``"2026-03-05 09:00"``. Every reply is also checked for CLI words (``--to``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from core.incidents.ports import AlertBatch
from core.incidents.routing import PIN_LABEL
from core.ports import UnitOfWork

Override = tuple[str, str, str, str, str, str | None]
"""(schedule, person, from, to, created by, reason)"""
TimeOff = tuple[str, str, str, str, str | None]
"""(person, from, to, created by, reason)"""
Incident = tuple[int, str, str | None]
"""(id, status, assignee) of an incident opened or changed"""
MaintenanceWindow = tuple[str | None, str | None, str, str, str, str | None]
"""(service, team, from, to, created by, reason) of a maintenance window made"""


@dataclass(frozen=True)
class Changed:
    """What a command wrote; the default, nothing."""

    overrides: tuple[Override, ...] = ()
    time_off: tuple[TimeOff, ...] = ()
    incidents: tuple[Incident, ...] = ()
    pages: tuple[str, ...] = ()
    """The service each alert batch handed to ``open_alert`` is pinned to (``oncall_service``)."""
    windows: tuple[MaintenanceWindow, ...] = ()


NOTHING = Changed()


@dataclass(frozen=True)
class Case:
    name: str
    caller: str | None
    text: str
    says: tuple[str, ...] = ()
    lines: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    public: bool = False
    error: bool = False
    changed: Changed = field(default=NOTHING)
    modal: str | None = None
    """The form a surface with forms opens instead of showing the reply (``extra["modal"]``)."""

    def __str__(self) -> str:
        return self.name


def _time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class Snapshot:
    """What a unit of work shows of overrides, time off and incidents, by id."""

    overrides: dict[int, Override]
    time_off: dict[int, TimeOff]
    incidents: dict[int, Incident]
    windows: dict[int, MaintenanceWindow] = field(default_factory=dict)


async def snapshot(uow: UnitOfWork) -> Snapshot:
    """Read through the ports, so the in-memory store and SQL are observed alike."""
    lo, hi = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
    async with uow:
        overrides = await uow.schedules.overrides(lo, hi)
        time_off = await uow.schedules.time_off(lo, hi)
        incidents = await uow.incidents.listing(include_resolved=True, limit=10_000)
        windows = await uow.maintenance.windows(lo)
    return Snapshot(
        overrides={
            o.id: (o.schedule_id, o.person_id, _time(o.start), _time(o.end), o.created_by, o.reason)
            for o in overrides
        },
        time_off={
            t.id: (t.person_id, _time(t.start), _time(t.end), t.created_by, t.reason)
            for t in time_off
        },
        incidents={i.id: (i.id, i.state.status, i.state.assignee) for i in incidents},
        windows={
            w.id: (
                w.service_id,
                w.team_id,
                _time(w.starts_at),
                _time(w.ends_at),
                w.created_by,
                w.reason,
            )
            for w in windows
        },
    )


def changed(before: Snapshot, after: Snapshot, pages: tuple[str, ...] = ()) -> Changed:
    """What ``after`` holds that ``before`` did not; ``pages``: the services of the batches a
    surface handed to its alert inbox."""
    return Changed(
        overrides=tuple(v for k, v in sorted(after.overrides.items()) if k not in before.overrides),
        time_off=tuple(v for k, v in sorted(after.time_off.items()) if k not in before.time_off),
        incidents=tuple(
            v for k, v in sorted(after.incidents.items()) if before.incidents.get(k) != v
        ),
        pages=pages,
        windows=tuple(v for k, v in sorted(after.windows.items()) if k not in before.windows),
    )


def pinned(batches: list[AlertBatch]) -> tuple[str, ...]:
    """The service each batch is pinned to (``oncall_service``)."""
    return tuple(b.labels.get(PIN_LABEL, "?") for b in batches)


def case_named(name: str) -> Case:
    """The row called ``name``; a surface's test picks rows by name, so a renamed row fails
    there loudly."""
    found = [c for c in CASES if c.name == name]
    assert len(found) == 1, f"no row (or several) called {name!r}"
    return found[0]


WHEN = "2026-03-05 09:00 2026-03-05 17:00"  # Thursday, 09:00 to 17:00 in the caller's zone
HELP_LINES = (
    "/oncall who",
    "/oncall schedule",
    "/oncall override",
    "/oncall timeoff",
    "/oncall swap",
    "/oncall ack",
    "/oncall resolve",
    "/oncall page",
    "/oncall maintenance",
    "/oncall stats",
    "/oncall help",
)
NOT_CONFIGURED = "You are not in the on-call configuration"

WHO = [
    Case(
        "who: no word is the caller's teams",
        "ann",
        "who",
        says=("On call now: Ann",),
        lines=(
            "Primary (ops)",
            "Now: Ann until Tue 03 Mar 09:00 UTC",
            "Next: Bob from Tue 03 Mar 09:00 UTC",  # the next shift
        ),
        absent=("Office hours", "weekend"),
    ),
    Case(
        "who: a manager's teams are the teams they manage",
        "dan",
        "who",
        lines=("Primary (ops)",),
        absent=("Office hours",),
    ),
    Case(
        "who: times in the caller's zone",
        "bob",
        "who",
        lines=("Now: Ann until Tue 03 Mar 10:00 CET", "Next: Bob from Tue 03 Mar 10:00 CET"),
    ),
    Case(
        "who: a caller in no team sees every schedule",
        "eve",
        "who",
        says=("On call now: Ann, Cat",),
        lines=("Primary (ops)", "Office hours (web)", "weekend (web)"),
    ),
    Case(
        "who: an unknown caller sees every schedule",
        None,
        "who",
        lines=("Primary (ops)", "Office hours (web)", "weekend (web)"),
    ),
    Case(
        "who: a service is its first tier",
        "cat",
        "who api",
        says=("On call now: Ann",),
        lines=("Primary (ops)", "Now: Ann until Tue 03 Mar 09:00 UTC"),
        absent=("Office hours",),
    ),
    Case(
        "who: a service that pages a person directly",
        "ann",
        "who batch",
        says=("On call now: Dan",),
        lines=("Paged directly", "Dan"),
    ),
    Case(
        "who: a service without a policy says nobody is paged",
        "ann",
        "who orphan",
        says=("Nobody is paged for service 'orphan': it has no escalation policy.",),
    ),
    Case(
        "who: a team is its schedules",
        "ann",
        "who web",
        says=("On call now: Cat",),
        lines=(
            "Office hours (web)",
            "Now: Cat until Mon 02 Mar 17:00 UTC",
            "Next: Cat from Tue 03 Mar 09:00 UTC",
            "weekend (web)",
        ),
        absent=("Primary",),
    ),
    Case("who: a team by its name, any case", "ann", "who OPERATIONS", lines=("Primary (ops)",)),
    Case("who: a schedule by id", "cat", "who primary", lines=("Primary (ops)",)),
    Case("who: a schedule by id, any case", "cat", "who PRIMARY", lines=("Primary (ops)",)),
    Case(
        "who: a schedule by a name of two words",
        "ann",
        "who office hours",
        lines=("Office hours (web)",),
        absent=("Primary",),
    ),
    Case(
        "who: a gap is nobody, and the next shift after it",
        "ann",
        "who weekend",
        says=("On call now: nobody",),
        lines=("Now: nobody (a coverage gap)", "Next: Cat from Sat 07 Mar 00:00 UTC"),
    ),
    Case(
        "who: an unknown word is refused with ids it could be",
        "ann",
        "who prim",
        says=("No schedule, team or service is called 'prim'; did you mean schedule 'primary'?",),
        absent=("?.",),
        error=True,
    ),
    Case(
        "who: an unknown word without suggestions",
        "ann",
        "who zzz",
        says=("No schedule, team or service is called 'zzz'.",),
        error=True,
    ),
    Case(
        "who: a person points to the schedule command",
        "ann",
        "who @bob",
        says=("for a person's shifts: /oncall schedule @bob",),
        error=True,
    ),
]

SCHEDULE = [
    Case(
        "schedule: no word is the caller's next 14 days",
        "ann",
        "schedule",
        says=("Shifts of Ann: the next 14 days",),
        lines=(
            "Mon 02 Mar 10:00 UTC → Tue 03 Mar 09:00 UTC  Ann in Primary",  # from now
            "Wed 04 Mar 09:00 UTC → Thu 05 Mar 09:00 UTC  Ann in Primary",
            "Mon 16 Mar 09:00 UTC → Mon 16 Mar 10:00 UTC  Ann in Primary",  # cut at 14 days
        ),
        absent=("Bob",),
    ),
    Case(
        "schedule: in the caller's zone",
        "bob",
        "schedule",
        says=("Shifts of Bob",),
        lines=("Tue 03 Mar 10:00 CET → Wed 04 Mar 10:00 CET  Bob in Primary",),
    ),
    Case(
        "schedule: a team, every shift of its schedules",
        "ann",
        "schedule ops",
        says=("Schedule of Operations: the next 14 days",),
        lines=(
            "Primary",
            "Mon 02 Mar 10:00 UTC → Tue 03 Mar 09:00 UTC  Ann",
            "Tue 03 Mar 09:00 UTC → Wed 04 Mar 09:00 UTC  Bob",
        ),
    ),
    Case(
        "schedule: gaps are shown as nobody",
        "ann",
        "schedule office hours",
        says=("Schedule of Office hours",),
        lines=("Mon 02 Mar 17:00 UTC → Tue 03 Mar 09:00 UTC  NOBODY (a coverage gap)",),
    ),
    Case(
        "schedule: @person",
        "ann",
        "schedule @bob",
        says=("Shifts of Bob",),
        lines=("Tue 03 Mar 09:00 UTC → Wed 04 Mar 09:00 UTC  Bob in Primary",),
        absent=("Ann",),
    ),
    Case("schedule: a bare person id", "ann", "schedule bob", says=("Shifts of Bob",)),
    Case("schedule: the alias shifts", "ann", "shifts", says=("Shifts of Ann",)),
    Case(
        "schedule: an unknown word",
        "ann",
        "schedule nope",
        says=("No schedule, team or service is called 'nope'",),
        error=True,
    ),
    Case(
        "schedule: an unknown person",
        "ann",
        "schedule @zed",
        says=("Unknown person 'zed'.",),
        error=True,
    ),
    Case(
        "schedule: an unknown caller must name what",
        None,
        "schedule",
        says=(NOT_CONFIGURED, "name a team or schedule"),
        error=True,
    ),
    Case("schedule: an unknown caller may name a team", None, "schedule web", lines=("weekend",)),
]


def _override(
    schedule: str, person: str, start: str, end: str, by: str, reason: str | None = None
) -> Changed:
    return Changed(overrides=((schedule, person, start, end, by, reason),))


THURSDAY = _override("primary", "ann", "2026-03-05 09:00", "2026-03-05 17:00", "ann")
OVERRIDE = [
    Case(
        "override: yourself",
        "ann",
        f"override primary {WHEN} lunch cover",
        says=("Ann is on call for Primary from Thu 05 Mar 09:00 UTC to Thu 05 Mar 17:00 UTC.",),
        public=True,
        changed=_override(
            "primary", "ann", "2026-03-05 09:00", "2026-03-05 17:00", "ann", "lunch cover"
        ),
    ),
    Case(
        "override: a manager for someone else",
        "dan",
        f"override primary @cat {WHEN}",
        says=("Cat is on call for Primary",),
        public=True,
        changed=_override("primary", "cat", "2026-03-05 09:00", "2026-03-05 17:00", "dan"),
    ),
    Case(
        "override: a manager names the person by a bare id",
        "dan",
        f"override primary cat {WHEN}",
        says=("Cat is on call",),
        public=True,
        changed=_override("primary", "cat", "2026-03-05 09:00", "2026-03-05 17:00", "dan"),
    ),
    Case(
        "override: a non-manager for someone else is refused",
        "ann",
        f"override primary @bob {WHEN}",
        says=(
            "Only a manager of Operations may put someone else on call in Primary.",
            "Nothing changed.",
        ),
        error=True,
    ),
    Case(
        "override: a manager of another team is refused",
        "dan",
        f"override office @ann {WHEN}",
        says=("Only a manager of Web may put someone else on call in Office hours.",),
        error=True,
    ),
    Case(
        "override: an unknown person",
        "dan",
        f"override primary @zed {WHEN}",
        says=("Unknown person 'zed'.", "Usage: /oncall override"),
        error=True,
    ),
    Case(
        "override: an unknown schedule lists the schedules",
        "ann",
        "override nope 2026-03-05 2026-03-06",
        says=("Unknown schedule 'nope'; schedules: primary, office, weekend.",),
        error=True,
    ),
    Case(
        "override: a team is not a schedule, and its schedules are named",
        "ann",
        "override ops 2026-03-05 2026-03-06",
        says=("'ops' is a team, not a schedule; its schedules: primary.",),
        error=True,
    ),
    Case(
        "override: a schedule by id in any case",
        "ann",
        f"override PRIMARY {WHEN}",
        public=True,
        changed=THURSDAY,
    ),
    Case(
        "override: a time of two words with a one-digit hour",
        "ann",
        "override primary 2026-03-05 9:00 2026-03-05 17:00",
        public=True,
        changed=THURSDAY,
    ),
    Case(
        "override: from and to may be written",
        "ann",
        "override primary from 2026-03-05 09:00 to 2026-03-05 17:00",
        public=True,
        changed=THURSDAY,
    ),
    Case(
        "override: now",
        "ann",
        "override primary now 2026-03-02 12:00",
        says=("from Mon 02 Mar 10:00 UTC to Mon 02 Mar 12:00 UTC",),
        public=True,
        changed=_override("primary", "ann", "2026-03-02 10:00", "2026-03-02 12:00", "ann"),
    ),
    Case(
        "override: times are read in the caller's zone",
        "bob",
        f"override primary {WHEN}",
        says=("Bob is on call for Primary from Thu 05 Mar 09:00 CET to Thu 05 Mar 17:00 CET.",),
        public=True,
        changed=_override("primary", "bob", "2026-03-05 08:00", "2026-03-05 16:00", "bob"),
    ),
    Case(
        "override: a time with an offset keeps it",
        "bob",
        "override primary 2026-03-05T09:00Z 2026-03-05T17:00+00:00",
        says=("from Thu 05 Mar 10:00 CET to Thu 05 Mar 18:00 CET",),
        public=True,
        changed=_override("primary", "bob", "2026-03-05 09:00", "2026-03-05 17:00", "bob"),
    ),
    Case(
        "override: a bad from time says what to write",
        "ann",
        "override primary tomorrow 2026-03-06",
        says=("Cannot read “tomorrow” as the from time; write 2026-12-24 09:00", "Usage:"),
        error=True,
    ),
    Case(
        "override: a bad to time",
        "ann",
        "override primary 2026-03-05 soon",
        says=("Cannot read “soon” as the to time",),
        error=True,
    ),
    Case(
        "override: to before from",
        "ann",
        "override primary 2026-03-06 2026-03-05",
        says=("The to time must be after the from time.",),
        error=True,
    ),
    Case(
        "override: to equal to from",
        "ann",
        "override primary 2026-03-05 09:00 2026-03-05 09:00",
        says=("The to time must be after the from time.",),
        error=True,
    ),
    Case(
        "override: the past",
        "ann",
        "override primary 2026-03-01 2026-03-02",
        says=("The window is over already; the past cannot be changed. Nothing changed.",),
        error=True,
    ),
    Case(
        "override: the to time missing",
        "ann",
        "override primary 2026-03-05 09:00",
        says=("The to time is missing.",),
        error=True,
    ),
    Case(
        "override: no words asks for the form",
        "ann",
        "override",
        says=("Usage: /oncall override",),
        error=True,
        modal="view.override",
    ),
    Case(
        "override: too few words",
        "ann",
        "override primary",
        says=("Usage: /oncall override <schedule> [@person] <from> <to> [reason]",),
        error=True,
    ),
]


def _time_off(person: str, start: str, end: str, by: str, reason: str | None = None) -> Changed:
    return Changed(time_off=((person, start, end, by, reason),))


ANN_OFF = "timeoff @ann 2026-03-04 2026-03-05"
TIMEOFF = [
    Case(
        "timeoff: yourself, and who covers",
        "ann",
        "timeoff 2026-03-04 2026-03-05 dentist",
        says=("Time off", "Ann from Wed 04 Mar 00:00 UTC to Thu 05 Mar 00:00 UTC."),
        lines=("Who covers", "Primary: Bob covers Wed 04 Mar 09:00 UTC to Thu 05 Mar 00:00 UTC"),
        public=True,
        changed=_time_off("ann", "2026-03-04 00:00", "2026-03-05 00:00", "ann", "dentist"),
    ),
    Case(
        "timeoff: dates are midnights in the caller's zone",
        "bob",
        "timeoff 2026-03-05 2026-03-06",
        says=("Bob from Thu 05 Mar 00:00 CET to Fri 06 Mar 00:00 CET.",),
        lines=("Primary: Ann covers Thu 05 Mar 10:00 CET to Fri 06 Mar 00:00 CET",),
        public=True,
        changed=_time_off("bob", "2026-03-04 23:00", "2026-03-05 23:00", "bob"),
    ),
    Case(
        "timeoff: a manager for someone on their team",
        "dan",
        ANN_OFF,
        says=("Ann from Wed 04 Mar",),
        lines=("Primary: Bob covers",),
        public=True,
        changed=_time_off("ann", "2026-03-04 00:00", "2026-03-05 00:00", "dan"),
    ),
    Case(
        "timeoff: a manager for someone in no team",
        "dan",
        "timeoff @eve 2026-03-04 2026-03-05",
        lines=("nobody needs to: no shifts",),
        public=True,
        changed=_time_off("eve", "2026-03-04 00:00", "2026-03-05 00:00", "dan"),
    ),
    Case(
        "timeoff: a non-manager for someone else is refused",
        "bob",
        ANN_OFF,
        says=("Only a manager of Operations may record time off for Ann. Nothing changed.",),
        error=True,
    ),
    Case(
        "timeoff: a manager of another team is refused",
        "cat",
        ANN_OFF,
        says=("Only a manager of Operations may record time off for Ann.",),
        error=True,
    ),
    Case(
        "timeoff: a non-manager for someone in no team is refused",
        "ann",
        "timeoff @eve 2026-03-04 2026-03-05",
        says=("Only a team's manager may record time off for Eve.",),
        error=True,
    ),
    Case(
        "timeoff: one date twice says how to write a day",
        "ann",
        "timeoff 2026-03-04 2026-03-04",
        says=("The to time must be after the from time (a date alone is its midnight",),
        error=True,
    ),
    Case(
        "timeoff: the alias time-off",
        "ann",
        "time-off 2026-03-04 2026-03-05",
        public=True,
        changed=_time_off("ann", "2026-03-04 00:00", "2026-03-05 00:00", "ann"),
    ),
    Case(
        "timeoff: a bad time",
        "ann",
        "timeoff soon 2026-03-05",
        says=("Cannot read “soon” as the from time",),
        error=True,
    ),
    Case(
        "timeoff: no words asks for the form",
        "ann",
        "timeoff",
        says=("Usage: /oncall timeoff",),
        error=True,
        modal="view.timeoff",
    ),
    Case(
        "timeoff: no words from someone unknown is refused, no form",
        None,
        "timeoff",
        says=("You are not in the on-call configuration",),
        error=True,
    ),
]

ACK_RESOLVE = [
    Case(
        "ack: a number",
        "ann",
        "ack 1",
        says=("You acknowledged #1 Disk full on db-1.",),
        public=True,
        changed=Changed(incidents=((1, "acknowledged", "ann"),)),
    ),
    Case(
        "ack: #number",
        "ann",
        "ack #1",
        says=("You acknowledged #1",),
        public=True,
        changed=Changed(incidents=((1, "acknowledged", "ann"),)),
    ),
    Case(
        "ack: the alias acknowledge",
        "cat",
        "acknowledge 1",
        says=("You acknowledged #1",),
        public=True,
        changed=Changed(incidents=((1, "acknowledged", "cat"),)),
    ),
    Case(
        "ack: an unknown incident",
        "ann",
        "ack 99",
        says=("There is no incident #99.",),
        error=True,
    ),
    Case(
        "ack: acknowledged already, by whom",
        "ann",
        "ack 2",
        says=("#2 Queue stuck was acknowledged already by Bob.",),
        error=True,
    ),
    Case(
        "ack: a resolved incident",
        "ann",
        "ack #3",
        says=("#3 Old alert is resolved already (by Dan).",),
        error=True,
    ),
    Case("ack: not a number", "ann", "ack one", says=("Usage: /oncall ack",), error=True),
    Case("ack: two numbers", "ann", "ack 1 2", says=("Usage: /oncall ack",), error=True),
    Case("ack: no number", "ann", "ack", says=("Usage: /oncall ack",), error=True),
    Case(
        "resolve: a triggered incident",
        "ann",
        "resolve 1",
        says=("You resolved #1 Disk full on db-1.",),
        public=True,
        changed=Changed(incidents=((1, "resolved", "ann"),)),  # ann was paged
    ),
    Case(
        "resolve: an acknowledged incident, by #number",
        "ann",
        "resolve #2",
        says=("You resolved #2 Queue stuck.",),
        public=True,
        changed=Changed(incidents=((2, "resolved", "bob"),)),
    ),
    Case(
        "resolve: resolved already, by whom",
        "ann",
        "resolve 3",
        says=("#3 Old alert is resolved already (by Dan).",),
        absent=("nothing to change",),
        error=True,
    ),
    Case(
        "resolve: an unknown incident",
        "ann",
        "resolve #99",
        says=("There is no incident #99.",),
        error=True,
    ),
]

PAGE = [
    Case(
        "page: a service goes through the alert inbox, pinned",
        "ann",
        "page api Disk full on web-3",
        says=("Paging API: an incident is being opened (“Disk full on web-3”).",),
        public=True,
        changed=Changed(pages=("api",)),
    ),
    Case(
        "page: a service by id in any case",
        "ann",
        "page SITE help",
        says=("Paging site",),
        public=True,
        changed=Changed(pages=("site",)),
    ),
    Case(
        "page: @person opens an incident reassigned to them",
        "ann",
        "page @bob Please look at db-1",
        says=("Paging Bob: incident #4 “Please look at db-1”.",),
        public=True,
        changed=Changed(incidents=((4, "triggered", "bob"),)),
    ),
    Case(
        "page: a bare person id",
        "ann",
        "page cat hello",
        says=("Paging Cat: incident #4",),
        public=True,
        changed=Changed(incidents=((4, "triggered", "cat"),)),
    ),
    Case(
        "page: an unknown person",
        "ann",
        "page @zed hello",
        says=("Unknown person 'zed'.",),
        error=True,
    ),
    Case(
        "page: an unknown service lists the services",
        "ann",
        "page nope hello",
        says=("Unknown service 'nope'; services: api, site, batch, orphan.",),
        error=True,
    ),
    Case("page: no message", "ann", "page api", says=("Usage: /oncall page",), error=True),
    Case("page: no words", "ann", "page", says=("Usage: /oncall page",), error=True),
]

ROUTER = [
    Case("help", "ann", "help", says=("Here is what /oncall can do:",), lines=HELP_LINES),
    Case("help: upper case", "ann", "HELP", lines=HELP_LINES),
    Case("an empty text is the help", "ann", "", lines=HELP_LINES),
    Case("spaces only are the help", None, "   ", lines=HELP_LINES),
    Case(
        "an unknown word is the help, not an error",
        "ann",
        "frobnicate now",
        says=("I don't know “frobnicate”. Here is what /oncall can do:",),
        lines=HELP_LINES,
    ),
    Case("the oncall prefix", "ann", "oncall who primary", lines=("Primary (ops)",)),
    Case("the /oncall prefix, any case", "ann", "/oncall WHO primary", lines=("Primary (ops)",)),
    Case("the prefix alone is the help", "ann", "/oncall", lines=HELP_LINES),
]


def _unknown(text: str, why: str) -> Case:
    return Case(f"unknown caller: {text}", None, text, says=(NOT_CONFIGURED, why), error=True)


UNKNOWN_CALLER = [
    _unknown(f"override primary {WHEN}", "cannot change schedules"),
    _unknown(f"override primary @ann {WHEN}", "cannot change schedules"),
    _unknown("timeoff 2026-03-04 2026-03-05", "cannot record time off"),
    _unknown(ANN_OFF, "cannot record time off"),
    _unknown("ack 1", "cannot act on incidents"),
    _unknown("resolve 1", "cannot act on incidents"),
    _unknown("page api Disk full", "cannot page anyone"),
    _unknown("page @bob hello", "cannot page anyone"),
]

CONFIG = [
    Case("config: a manager gets the rotation form", "dan", "config", modal="view.config"),
    Case("config: a schedule named, for its manager", "cat", "config Office", modal="view.config"),
    Case(
        "config: a manager of another team's schedule is refused",
        "cat",
        "config primary",
        says=("Only a manager of Operations may change Primary. Nothing changed.",),
        error=True,
    ),
    Case(
        "config: someone who manages no team is refused, no form",
        "ann",
        "config",
        says=("Only a team's managers may change its rotations",),
        error=True,
    ),
    Case(
        "config: an unknown schedule",
        "dan",
        "config nightly",
        says=("Unknown schedule 'nightly'",),
        error=True,
    ),
    Case("config: someone unknown is refused", None, "config", says=(NOT_CONFIGURED,), error=True),
]

SWAP_PART = "swap @bob 2026-03-04 12:00 2026-03-04 14:00"  # part of ann's Wednesday turn
SWAP = [
    Case(
        "swap: part of your shift, the schedule found",
        "ann",
        f"{SWAP_PART} lunch with family",
        says=(
            "I asked Bob to take your shift in Primary from Wed 04 Mar 12:00 UTC to "
            "Wed 04 Mar 14:00 UTC. You will hear their answer in a DM.",
        ),
    ),
    Case(
        "swap: my next shift (the one under way has begun)",
        "ann",
        "swap @bob my next shift",
        says=("from Wed 04 Mar 09:00 UTC to Thu 05 Mar 09:00 UTC",),
    ),
    Case(
        "swap: a schedule named, times in the caller's zone",
        "bob",
        "swap @ann Primary 2026-03-03 10:00 2026-03-03 12:00",
        says=("I asked Ann to take your shift in Primary from Tue 03 Mar 10:00 CET",),
    ),
    Case(
        "swap: not the caller's shift",
        "bob",
        "swap @ann 2026-03-04 12:00 2026-03-04 14:00",
        says=("You are not on call in that window in any schedule. Nothing changed.",),
        error=True,
    ),
    Case(
        "swap: a window that has begun",
        "ann",
        "swap @bob now 2026-03-02 12:00",
        says=("That window has begun; only a shift still ahead can be swapped.",),
        error=True,
    ),
    Case(
        "swap: an unknown person",
        "ann",
        "swap @zed 2026-03-04 12:00 2026-03-04 14:00",
        says=("Unknown person 'zed'.",),
        error=True,
    ),
    Case(
        "swap: no person to ask",
        "ann",
        "swap 2026-03-04 12:00 2026-03-04 14:00",
        says=("Name the person to ask first.",),
        error=True,
    ),
    Case(
        "swap: a schedule that is a team",
        "ann",
        "swap @bob ops my next shift",
        says=("'ops' is a team, not a schedule",),
        error=True,
    ),
    Case(
        "swap: withdrawing an unknown swap",
        "ann",
        "swap cancel 999",
        says=("Unknown swap 999. Nothing changed.",),
        error=True,
    ),
    Case(
        "swap: no words asks for the form",
        "ann",
        "swap",
        says=("Usage: /oncall swap",),
        error=True,
        modal="view.swap",
    ),
    _unknown("swap @bob my next shift", "cannot swap shifts"),
]

# /oncall stats: the last 30 days before NOW. Only #3 is resolved (opened 09:30, ann paged,
# resolved by dan at 09:50, nobody acknowledged); ann is on call from Monday 09:00, cat's
# office hours from 09:00, so each has one hour on call by 10:00.
STATS = [
    Case(
        "stats: every team",
        "ann",
        "stats",
        says=("Last 30 days: 1 incident · MTTA - (p90 -) · MTTR 20m 00s (p90 20m 00s)",),
        lines=(
            "By team",
            "Operations: 1 incident",
            "api: 1 incident",
            "Ann: 1 page, 0 off-hours (0s), 1h 00m on call",
            "Cat: 0 pages, 0 off-hours (0s), 1h 00m on call",
        ),
    ),
    Case(
        "stats: a team by its name, in any case",
        None,
        "stats OPERATIONS",
        says=("Last 30 days for Operations: 1 incident",),
        lines=("Ann: 1 page",),
        absent=("By team", "Cat:"),
    ),
    Case(
        "stats: a team with nothing resolved",
        "cat",
        "stats web",
        says=("No incidents resolved in the last 30 days for Web.",),
        lines=("Cat: 0 pages, 0 off-hours (0s), 1h 00m on call",),
    ),
    Case(
        "stats: an unknown team",
        "ann",
        "stats nope",
        says=("Unknown team “nope”. Teams: ops, web.",),
        error=True,
    ),
]

MAINTENANCE = [
    Case(
        "maintenance: nothing now or coming up",
        None,
        "maintenance",
        says=("No maintenance windows now or coming up.",),
    ),
    Case(
        "maintenance: a manager for a service of their team",
        "dan",
        f"maintenance api {WHEN} db upgrade",
        says=("Maintenance window #1 made: service api, Thu 05 Mar 09:00 UTC",),
        lines=("not paged",),
        changed=Changed(
            windows=(("api", None, "2026-03-05 09:00", "2026-03-05 17:00", "dan", "db upgrade"),)
        ),
        public=True,
    ),
    Case(
        "maintenance: a manager for their team, from now",
        "cat",
        "maintenance WEB now 2026-03-02 12:00",
        says=("Maintenance window #1 made: team Web",),
        changed=Changed(
            windows=((None, "web", "2026-03-02 10:00", "2026-03-02 12:00", "cat", None),)
        ),
        public=True,
    ),
    Case(
        "maintenance: only the team's managers",
        "ann",
        f"maintenance api {WHEN}",
        says=("Only a manager of Operations may put service api in maintenance. Nothing changed.",),
        error=True,
    ),
    Case(
        "maintenance: another team's manager",
        "cat",
        f"maintenance ops {WHEN}",
        says=("Only a manager of Operations may put team Operations in maintenance.",),
        error=True,
    ),
    Case(
        "maintenance: an unknown caller",
        None,
        f"maintenance api {WHEN}",
        says=(NOT_CONFIGURED, "cannot make maintenance windows"),
        error=True,
    ),
    Case(
        "maintenance: an unknown service or team",
        "dan",
        f"maintenance nope {WHEN}",
        says=("There is no service or team “nope”.",),
        error=True,
    ),
    Case(
        "maintenance: the end before the start",
        "dan",
        "maintenance api 2026-03-05 17:00 2026-03-05 09:00",
        says=("The to time must be after the from time.",),
        error=True,
    ),
    Case(
        "maintenance: a window that is over",
        "dan",
        "maintenance api 2026-03-01 2026-03-02",
        says=("The window is over already; give an end in the future. Nothing changed.",),
        error=True,
    ),
    Case(
        "maintenance: the end is missing",
        "dan",
        "maintenance api 2026-03-05",
        says=("The to time is missing.",),
        error=True,
    ),
    Case(
        "maintenance: a time that cannot be read",
        "dan",
        "maintenance api soon later",
        says=("Cannot read “soon” as the from time",),
        error=True,
    ),
    Case(
        "maintenance: cancel an unknown window",
        "dan",
        "maintenance cancel 9",
        says=("There is no maintenance window 9. Nothing changed.",),
        error=True,
    ),
    Case(
        "maintenance: cancel needs an id",
        "dan",
        "maintenance cancel soon",
        says=("Usage: /oncall maintenance cancel <id>",),
        error=True,
    ),
]

CASES: list[Case] = [
    *WHO,
    *SCHEDULE,
    *OVERRIDE,
    *TIMEOFF,
    *ACK_RESOLVE,
    *PAGE,
    *ROUTER,
    *UNKNOWN_CALLER,
    *CONFIG,
    *SWAP,
    *STATS,
    *MAINTENANCE,
]
