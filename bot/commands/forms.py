"""The time off and override forms: what a submitted form asks, checked field by field.

Platform-neutral, like the commands: Slack's modals (``bot/handlers/slack/modals.py``) and,
later, a Teams Adaptive Card form read their inputs into a :class:`TimeOffForm` or an
:class:`OverrideForm` and call :func:`submit_time_off` or :func:`submit_override`. The answer
is either the reply the typed command gives (what was stored, who covers) or an error per
field, keyed by the field ids below, and then nothing was stored. Rights are those of
:mod:`core.chat.rights`, checked before anything is written.

Times come as a date (``2026-03-29``) and a clock (``09:00``) read in the zone of the person
filling in the form; a clock the zone skips (a DST change) is refused on its time field,
one it repeats is read as the first (:func:`core.timeinput.localize`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo

from bot.commands import override, timeoff
from bot.commands.context import CommandContext
from bot.commands.replies import Reply
from bot.commands.words import sentence
from core.chat.rights import override_refusal, time_off_refusal
from core.config.model import Configuration
from core.oncall.actions import MAX_WINDOW, ScheduleInputError
from core.timeinput import TimeInputError, localize

PERSON = "person"
SCHEDULE = "schedule"
FROM_DATE = "from_date"
FROM_TIME = "from_time"
TO_DATE = "to_date"
TO_TIME = "to_time"
REASON = "reason"
MAX_REASON = 500
NOT_CONFIGURED = "You are not in the on-call configuration, so you cannot change schedules."


@dataclass(frozen=True)
class FormAnswer:
    """``reply`` when the form was stored; else ``errors`` (field id -> message)."""

    reply: Reply | None = None
    errors: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Window:
    """The from and to inputs as typed: a date and a clock each (None: left empty)."""

    from_date: str | None
    from_time: str | None
    to_date: str | None
    to_time: str | None


@dataclass(frozen=True)
class TimeOffForm:
    """``person``: the person id chosen (None: left empty or not a person we know, with
    ``person_problem`` saying why); without a person field, the actor themself."""

    window: Window
    person: str | None = None
    person_problem: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class OverrideForm(TimeOffForm):
    schedule: str | None = None


def local_instant(
    day: str | None, clock: str | None, zone: tzinfo, *, date_field: str, time_field: str
) -> tuple[datetime | None, dict[str, str]]:
    """A date and a clock read in ``zone`` as an instant (UTC), or the errors per field.

    Both are required. A clock the zone skips (spring forward) is refused on ``time_field``
    with the zone named; a repeated one (fall back) is the first of the two.
    """
    errors: dict[str, str] = {}
    parsed_day: date | None = None
    parsed_clock: time | None = None
    try:
        parsed_day = date.fromisoformat((day or "").strip())
    except ValueError:
        errors[date_field] = "Pick a date." if not day else f"“{day[:20]}” is not a date."
    try:
        parsed_clock = time.fromisoformat((clock or "").strip())
    except ValueError:
        errors[time_field] = "Pick a time." if not clock else f"“{clock[:20]}” is not a time."
    if parsed_day is None or parsed_clock is None:
        return None, errors
    local = datetime.combine(parsed_day, parsed_clock.replace(second=0, microsecond=0))
    try:
        return localize(local, zone), {}
    except TimeInputError:
        return None, {
            time_field: f"{local:%H:%M} on {local:%d %b} does not exist in {zone} "
            "(the clocks skip it); pick another time."
        }


def window_errors(start: datetime | None, end: datetime | None, now: datetime) -> dict[str, str]:
    """Why ``[start, end)`` cannot be stored, on the to date: inverted or empty, over
    already, longer than a year. Nothing when a bound is missing (its own field says so)."""
    if start is None or end is None:
        return {}
    if end <= start:
        return {TO_DATE: "The end must be after the start."}
    if end <= now:
        return {TO_DATE: "This window is over already; the past cannot be changed."}
    if end - start > MAX_WINDOW:
        return {TO_DATE: "A window may be a year long at most."}
    return {}


def _reason(text: str | None) -> tuple[str | None, dict[str, str]]:
    reason = " ".join((text or "").split()) or None
    if reason is not None and len(reason) > MAX_REASON:
        return None, {REASON: f"Keep the reason under {MAX_REASON} characters."}
    return reason, {}


def _times(
    form: TimeOffForm, zone: tzinfo, now: datetime
) -> tuple[datetime | None, datetime | None, dict[str, str]]:
    w = form.window
    start, errors = local_instant(
        w.from_date, w.from_time, zone, date_field=FROM_DATE, time_field=FROM_TIME
    )
    end, more = local_instant(w.to_date, w.to_time, zone, date_field=TO_DATE, time_field=TO_TIME)
    errors = {**errors, **more}
    return start, end, {**errors, **window_errors(start, end, now)}


def _core_refusal(exc: ScheduleInputError) -> dict[str, str]:
    """Core refused after our checks (the configuration changed meanwhile): on the field
    the message is about."""
    text = f"{sentence(str(exc))} Nothing changed."
    if str(exc).startswith("unknown person"):
        return {PERSON: text}
    if str(exc).startswith("unknown schedule"):
        return {SCHEDULE: text}
    return {TO_DATE: text}


async def submit_time_off(
    ctx: CommandContext, config: Configuration, zone: tzinfo, form: TimeOffForm
) -> FormAnswer:
    """Check every field, then the actor's right (:func:`time_off_refusal`, on the person
    field), then store through :func:`bot.commands.timeoff.record`. ``zone``: the zone the
    form showed its pickers in."""
    actor = ctx.caller.person_id
    if actor is None or config.person(actor) is None:
        return FormAnswer(errors={PERSON: NOT_CONFIGURED})
    person = form.person if form.person_problem is None else None
    errors = {PERSON: form.person_problem} if form.person_problem else {}
    start, end, more = _times(form, zone, ctx.now)
    reason, why = _reason(form.reason)
    errors = {**errors, **more, **why}
    subject = person or actor
    if PERSON not in errors:
        refused = time_off_refusal(config, actor, subject)
        if refused is not None:
            errors[PERSON] = f"{sentence(refused)} Nothing changed."
    if errors or start is None or end is None:
        return FormAnswer(errors=errors)
    try:
        return FormAnswer(await timeoff.record(ctx, config, actor, subject, start, end, reason))
    except ScheduleInputError as exc:
        return FormAnswer(errors=_core_refusal(exc))


async def submit_override(
    ctx: CommandContext, config: Configuration, zone: tzinfo, form: OverrideForm
) -> FormAnswer:
    """Like :func:`submit_time_off`, with a schedule (required, by id) and the right of
    :func:`override_refusal` (on the person field)."""
    actor = ctx.caller.person_id
    if actor is None or config.person(actor) is None:
        return FormAnswer(errors={PERSON: NOT_CONFIGURED})
    errors = {PERSON: form.person_problem} if form.person_problem else {}
    schedule = config.schedule(form.schedule) if form.schedule else None
    if schedule is None:
        errors[SCHEDULE] = "Pick a schedule." if not form.schedule else "That schedule is gone."
    start, end, more = _times(form, zone, ctx.now)
    reason, why = _reason(form.reason)
    errors = {**errors, **more, **why}
    subject = (form.person if form.person_problem is None else None) or actor
    if PERSON not in errors and schedule is not None:
        refused = override_refusal(config, actor, schedule.id, subject)
        if refused is not None:
            errors[PERSON] = f"{sentence(refused)} Nothing changed."
    if errors or schedule is None or start is None or end is None:
        return FormAnswer(errors=errors)
    try:
        reply = await override.record(ctx, config, schedule, actor, subject, start, end, reason)
    except ScheduleInputError as exc:
        return FormAnswer(errors=_core_refusal(exc))
    return FormAnswer(reply)
