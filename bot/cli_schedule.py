"""``oncall who``, ``schedule``, ``gaps``, ``override`` and ``timeoff``: database work and output.

JSON shapes are CONTRACT.md's. Times in JSON are ISO 8601 with offsets, in ``--tz`` when given,
else UTC; tables show times in ``--tz``, else the configuration's time zone.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import SystemClock
from bot.settings import Settings
from core.config.model import Configuration
from core.config.timefmt import zone as zone_named
from core.oncall import actions, views
from core.schedule.model import FinalSchedule, Interval, OnCall
from core.timeinput import TimeInputError, parse_instant
from storage.engine import check_connection, create_engine
from storage.errors import DatabaseError
from storage.uow import SqlUnitOfWork, session_factory


class UsageError(ValueError):
    """Bad input from the command line (exit 2); nothing was changed."""


@dataclass(frozen=True)
class Viewer:
    """How to show times: the zone for tables, and for JSON when one was asked for."""

    zone: tzinfo | None

    def json_time(self, moment: datetime | None) -> str | None:
        if moment is None:
            return None
        return moment.astimezone(self.zone or UTC).isoformat()

    def table_time(self, moment: datetime | None, config: Configuration) -> str:
        if moment is None:
            return "-"
        return moment.astimezone(self.zone or zone_named(config.timezone)).strftime(
            "%a %Y-%m-%d %H:%M %Z"
        )


def viewer(tz: str | None) -> Viewer:
    """The viewer for ``--tz``; :class:`UsageError` for an unknown zone."""
    if tz is None:
        return Viewer(None)
    try:
        return Viewer(zone_named(tz))
    except ValueError as exc:
        raise UsageError(str(exc)) from None


@asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """A checked engine, disposed afterwards. A database without our tables gets a hint."""
    engine = create_engine(settings.database_url)
    try:
        await check_connection(engine)
        try:
            yield engine
        except (OperationalError, ProgrammingError) as exc:
            text = str(exc.orig or exc).lower()
            if "no such table" in text or "does not exist" in text:
                raise DatabaseError(
                    "the database has no on-call tables yet: run `oncall db upgrade` "
                    "(or `oncall config apply FILE`)"
                ) from None
            raise
    finally:
        await engine.dispose()


def read_time(text: str | None, default: datetime, zone: tzinfo | None, what: str) -> datetime:
    """A CLI time flag; naive times and dates are read in ``zone`` (``--tz`` or the schedule's)."""
    if text is None:
        return default
    try:
        return parse_instant(text, zone=zone, now=SystemClock().now(), what=what)
    except TimeInputError as exc:
        raise UsageError(str(exc)) from None


async def who(
    settings: Settings,
    *,
    service: str | None,
    team: str | None,
    schedule: str | None,
    at: str | None,
    tz: str | None,
) -> tuple[dict[str, Any], list[str]]:
    """``oncall who``: the JSON document and the table lines."""
    show = viewer(tz)
    moment = read_time(at, SystemClock().now().replace(microsecond=0), show.zone, "--at")
    async with (
        database(settings) as engine,
        SqlUnitOfWork(session_factory(engine), write=False) as uow,
    ):
        state = await views.load_state(
            uow, moment - views.WHO_LOOK_AROUND, moment + views.WHO_LOOK_AROUND
        )
    config = state.config
    rows: list[tuple[str | None, OnCall | None, str | None]] = []
    for target in _who_targets(config, service=service, team=team, schedule=schedule):
        kind, _, ref = target.partition(":")
        if kind == "person":
            rows.append((None, None, ref))
        else:
            rows.append((ref, views.who_for(state, ref, moment), None))
    document = {
        "at": show.json_time(moment),
        "oncall": [
            {
                "schedule": sched,
                "person": found.person if found else person,
                "from": show.json_time(found.start) if found else None,
                "to": show.json_time(found.end) if found else None,
            }
            for sched, found, person in rows
        ],
    }
    lines = [f"On call at {show.table_time(moment, config)}:"]
    width = max((len(s or "(person)") for s, _, _ in rows), default=8)
    for sched, found, person in rows:
        label = (sched or "(person)").ljust(width)
        if found is not None:
            name = _name(config, found.person)
            until = show.table_time(found.end, config) if found.end else "further than a year ahead"
            lines.append(f"  {label}  {name}  until {until}  ({found.source})")
        elif person is not None:
            lines.append(f"  {label}  {_name(config, person)}  (paged directly)")
        else:
            lines.append(f"  {label}  nobody (a coverage gap)")
    if not rows:
        lines.append("  no schedules")
    return document, lines


def _who_targets(
    config: Configuration, *, service: str | None, team: str | None, schedule: str | None
) -> list[str]:
    chosen = [x for x in (service, team, schedule) if x is not None]
    if len(chosen) > 1:
        raise UsageError("give at most one of --service, --team, --schedule")
    if schedule is not None:
        if config.schedule(schedule) is None:
            raise UsageError(f"unknown schedule {schedule!r}")
        return [f"schedule:{schedule}"]
    if team is not None:
        if not any(t.id == team for t in config.teams):
            raise UsageError(f"unknown team {team!r}")
        return [f"schedule:{s.id}" for s in views.schedules_of_team(config, team)]
    if service is not None:
        if not any(s.id == service for s in config.services):
            raise UsageError(f"unknown service {service!r}")
        return views.first_tier_targets(config, service)
    return [f"schedule:{s.id}" for s in config.schedules]


def _name(config: Configuration, person_id: str) -> str:
    person = config.person(person_id)
    return f"{person.display_name} ({person_id})" if person and person.name else person_id


async def schedule(
    settings: Settings,
    *,
    schedule_id: str | None,
    team: str | None,
    start: str | None,
    end: str | None,
    tz: str | None,
) -> tuple[dict[str, Any], list[str]]:
    """``oncall schedule``: the final schedule over a window (default: the next seven days)."""
    if (schedule_id is None) == (team is None):
        raise UsageError("give exactly one of --schedule or --team")
    show = viewer(tz)
    now = SystemClock().now()
    async with database(settings) as engine:
        async with SqlUnitOfWork(session_factory(engine), write=False) as uow:
            config = await uow.config.load() or Configuration()
        if team is not None and not any(t.id == team for t in config.teams):
            raise UsageError(f"unknown team {team!r}")
        ids = (
            [schedule_id]
            if schedule_id
            else [s.id for s in views.schedules_of_team(config, team or "")]
        )
        if schedule_id is not None and config.schedule(schedule_id) is None:
            raise UsageError(f"unknown schedule {schedule_id!r}")
        first = config.schedule(ids[0]) if ids else None
        read_zone = show.zone or (zone_named(first.timezone or config.timezone) if first else None)
        lo = read_time(start, now, read_zone, "--from")
        hi = read_time(end, lo + timedelta(days=7), read_zone, "--to")
        if hi <= lo:
            raise UsageError("--to must be after --from")
        if hi - lo > timedelta(days=400):
            raise UsageError("the window may be 400 days long at most")
        async with SqlUnitOfWork(session_factory(engine), write=False) as uow:
            state = await views.load_state(uow, lo, hi, schedule_ids=ids)
    finals = {sid: views.final_for(state, sid, lo, hi) for sid in ids}
    documents = [_schedule_doc(show, sid, lo, hi, final) for sid, final in finals.items()]
    lines = list(_schedule_lines(show, config, lo, hi, finals))
    if schedule_id is not None:
        return documents[0], lines
    return {
        "team": team,
        "from": show.json_time(lo),
        "to": show.json_time(hi),
        "schedules": documents,
    }, lines


def _schedule_doc(
    show: Viewer, sid: str, lo: datetime, hi: datetime, final: FinalSchedule
) -> dict[str, Any]:
    return {
        "schedule": sid,
        "from": show.json_time(lo),
        "to": show.json_time(hi),
        "shifts": [
            {
                "person": s.person,
                "from": show.json_time(s.start),
                "to": show.json_time(s.end),
                "source": s.source,
            }
            for s in final.shifts
        ],
        "gaps": [
            {"from": show.json_time(g.start), "to": show.json_time(g.end)} for g in final.gaps
        ],
    }


def _schedule_lines(
    show: Viewer,
    config: Configuration,
    lo: datetime,
    hi: datetime,
    finals: dict[str, FinalSchedule],
) -> Iterator[str]:
    for sid, final in finals.items():
        yield f"{sid}: {show.table_time(lo, config)} to {show.table_time(hi, config)}"
        entries: list[tuple[datetime, str]] = [
            (
                s.start,
                f"  {show.table_time(s.start, config)} -> {show.table_time(s.end, config)}  "
                f"{_name(config, s.person)}  [{s.source}]",
            )
            for s in final.shifts
        ]
        entries += [
            (
                g.start,
                f"  {show.table_time(g.start, config)} -> {show.table_time(g.end, config)}  "
                "NOBODY (gap)",
            )
            for g in final.gaps
        ]
        for _, line in sorted(entries):
            yield line


async def gaps(
    settings: Settings, *, days: int, tz: str | None
) -> tuple[dict[str, Any], list[str]]:
    """``oncall gaps``: per service, when its first tier would page nobody in the next days."""
    if not 1 <= days <= 400:
        raise UsageError("--days must be between 1 and 400")
    show = viewer(tz)
    lo = SystemClock().now()
    hi = lo + timedelta(days=days)
    async with (
        database(settings) as engine,
        SqlUnitOfWork(session_factory(engine), write=False) as uow,
    ):
        state = await views.load_state(uow, lo, hi)
    config = state.config
    services = []
    lines = [f"Coverage gaps from {show.table_time(lo, config)} to {show.table_time(hi, config)}:"]
    for service in config.services:
        found: list[Interval] = views.coverage_gaps(state, service.id, lo, hi)
        services.append(
            {
                "service": service.id,
                "importance": service.importance,
                "gaps": [
                    {"from": show.json_time(g.start), "to": show.json_time(g.end)} for g in found
                ],
            }
        )
        for g in found:
            hours = (g.end - g.start).total_seconds() / 3600
            lines.append(
                f"  {service.id} ({service.importance}): {show.table_time(g.start, config)} -> "
                f"{show.table_time(g.end, config)} ({hours:.1f} h)"
            )
    if len(lines) == 1:
        lines.append("  none: every service has someone to page")
    return {"from": show.json_time(lo), "to": show.json_time(hi), "services": services}, lines


def _window(start: str, end: str, tz: str | None) -> tuple[datetime, datetime, datetime]:
    """``--from`` and ``--to`` of a change, read in ``--tz``, and the time it is made.

    Refusals of the window itself (inverted, past, too long) come from the use case and
    reach people as exit 2 through the CLI's error handling.
    """
    zone = viewer(tz).zone
    now = SystemClock().now()
    return read_time(start, now, zone, "--from"), read_time(end, now, zone, "--to"), now


async def override(
    settings: Settings,
    *,
    schedule_id: str,
    member: str,
    start: str,
    end: str,
    tz: str | None,
    actor: str,
    reason: str | None,
) -> str:
    """``oncall override``: returns the line to print."""
    lo, hi, now = _window(start, end, tz)
    async with database(settings) as engine:
        override_id = await actions.add_override(
            SqlUnitOfWork(session_factory(engine)),
            schedule_id=schedule_id,
            person_id=member,
            start=lo,
            end=hi,
            actor=actor,
            now=now,
            reason=reason,
        )
    window = f"from {lo.isoformat()} to {hi.isoformat()}"
    return f"override {override_id}: {member} is on call for {schedule_id} {window}"


async def timeoff(
    settings: Settings,
    *,
    member: str,
    start: str,
    end: str,
    tz: str | None,
    actor: str,
    reason: str | None,
) -> list[str]:
    """``oncall timeoff``: returns the lines to print (the time off and its covers)."""
    lo, hi, now = _window(start, end, tz)
    async with database(settings) as engine:
        outcome = await actions.add_time_off(
            SqlUnitOfWork(session_factory(engine)),
            person_id=member,
            start=lo,
            end=hi,
            actor=actor,
            now=now,
            reason=reason,
        )
    lines = [f"time off {outcome.id}: {member} from {lo.isoformat()} to {hi.isoformat()}"]
    for sid, cover in outcome.covers:
        lines.append(
            f"  {sid}: {cover.person} covers {cover.start.isoformat()} -> {cover.end.isoformat()}"
        )
    return lines


async def ical_url(
    settings: Settings, *, schedule: str | None, person: str | None, rotate: bool
) -> str:
    """``oncall ical url``: the feed's URL with its secret token (created on first use)."""
    from storage.feed_repo import SqlFeedTokens

    if (schedule is None) == (person is None):
        raise UsageError("give exactly one of --schedule or --person")
    kind, subject = ("schedule", schedule) if schedule else ("person", person or "")
    async with database(settings) as engine, SqlUnitOfWork(session_factory(engine)) as uow:
        config = await uow.config.load() or Configuration()
        known = config.schedule(subject) if kind == "schedule" else config.person(subject)
        if known is None:
            raise UsageError(f"unknown {kind} {subject!r}")
        token = await SqlFeedTokens(uow.session).token_for(
            kind, subject, now=SystemClock().now(), rotate=rotate
        )
        await uow.commit()
    return f"{settings.base_url}/ical/{kind}/{subject}.ics?token={token}"
