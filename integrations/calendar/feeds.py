"""iCalendar feeds of a schedule and of a person's shifts, for calendar apps to subscribe to.

``GET /ical/schedule/<id>.ics?token=…`` and ``GET /ical/person/<id>.ics?token=…``. Each feed has
its own secret token (``oncall ical url``); a wrong or missing token answers 404 exactly like an
unknown feed, so the URL space reveals nothing. A feed covers the past month and the next three,
overrides, swaps and covers included, from the same computation as every other view.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from aiohttp import web
from icalendar import Calendar, Event

from core.config.model import Configuration
from core.oncall.views import ScheduleState, final_for, load_state, person_shifts
from core.ports import Clock, UnitOfWork
from core.schedule.model import Shift

PAST = timedelta(days=31)
AHEAD = timedelta(days=92)
PRODID = "-//oncall//on-call schedules//EN"


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-published-ttl", "PT1H")  # ask subscribers to refresh hourly
    return cal


def _event(
    uid: str, start: datetime, end: datetime, summary: str, description: str, now: datetime
) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", now)
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", summary)
    event.add("description", description)
    event.add("transp", "TRANSPARENT")  # being on call does not make anyone busy
    return event


def _name(config: Configuration, person_id: str) -> str:
    person = config.person(person_id)
    return person.display_name if person else person_id


def schedule_feed(
    state: ScheduleState, schedule_id: str, start: datetime, end: datetime, now: datetime
) -> bytes:
    """The schedule's final shifts and its gaps as an iCalendar document."""
    config = state.config
    schedule = config.schedule(schedule_id)
    title = schedule.name if schedule and schedule.name else schedule_id
    cal = _calendar(f"On call: {title}")
    final = final_for(state, schedule_id, start, end)
    for shift in final.shifts:
        cal.add_component(
            _event(
                f"{schedule_id}/{shift.person}/{shift.start:%Y%m%dT%H%M%SZ}@oncall",
                shift.start,
                shift.end,
                f"{_name(config, shift.person)} on call ({title})",
                f"{_name(config, shift.person)} ({shift.person}) is on call for {schedule_id}; "
                f"{_source(shift)}.",
                now,
            )
        )
    for gap in final.gaps:
        cal.add_component(
            _event(
                f"{schedule_id}/gap/{gap.start:%Y%m%dT%H%M%SZ}@oncall",
                gap.start,
                gap.end,
                f"Nobody on call ({title})",
                f"A coverage gap in {schedule_id}: nobody would be paged.",
                now,
            )
        )
    return bytes(cal.to_ical())


def person_feed(
    state: ScheduleState, person_id: str, start: datetime, end: datetime, now: datetime
) -> bytes:
    """Every shift of the person, across schedules, as an iCalendar document."""
    config = state.config
    cal = _calendar(f"On call: {_name(config, person_id)}")
    for schedule_id, shift in person_shifts(state, person_id, start, end):
        cal.add_component(
            _event(
                f"{schedule_id}/{person_id}/{shift.start:%Y%m%dT%H%M%SZ}@oncall",
                shift.start,
                shift.end,
                f"On call: {schedule_id}",
                f"{_name(config, person_id)} is on call for {schedule_id}; {_source(shift)}.",
                now,
            )
        )
    return bytes(cal.to_ical())


def _source(shift: Shift) -> str:
    if shift.source.startswith("layer:"):
        return f"rotation {shift.source.removeprefix('layer:')}"
    return {
        "cover": "covering for the rotation's holder",
        "swap": "a swap",
        "override": "an override",
    }.get(shift.source, shift.source)


def feed_handler(
    new_unit: Callable[[], UnitOfWork], clock: Clock
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The aiohttp handler for both feed kinds."""

    async def handler(request: web.Request) -> web.Response:
        kind = request.match_info["kind"]
        subject = request.match_info["subject"]
        token = request.query.get("token", "")
        now = clock.now()
        start, end = now - PAST, now + AHEAD
        async with new_unit() as uow:
            feed = await uow.feeds.feed_of(token) if token else None
            if feed is None or not hmac.compare_digest(f"{feed[0]}/{feed[1]}", f"{kind}/{subject}"):
                raise web.HTTPNotFound(text="no such feed\n")
            state = await load_state(
                uow, start, end, schedule_ids=[subject] if kind == "schedule" else None
            )
        if kind == "schedule":
            body = schedule_feed(state, subject, start, end, now)
        else:
            body = person_feed(state, subject, start, end, now)
        return web.Response(
            body=body,
            content_type="text/calendar",
            charset="utf-8",
            headers={
                "Cache-Control": "private, max-age=300",
                "Content-Disposition": f'inline; filename="{kind}-{subject}.ics"',
            },
        )

    return handler


def add_routes(app: web.Application, new_unit: Callable[[], UnitOfWork], clock: Clock) -> None:
    """Mount ``/ical/{schedule|person}/{id}.ics``."""
    app.router.add_get(
        r"/ical/{kind:schedule|person}/{subject:[A-Za-z0-9][A-Za-z0-9_.\-]*}.ics",
        feed_handler(new_unit, clock),
    )
