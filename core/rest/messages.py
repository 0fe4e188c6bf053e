"""The outbox messages of rest after night pages, and their words (Slack and Teams alike).

Kinds (destination ``chat``, no incident: they are about people's shifts):
- ``rest.granted``: to the rested person;
- ``rest.cover``: to each person who now covers some of the rest (their own cover shifts);
- ``rest.refused``: to each manager of the team, when nobody could cover some of it.
Each payload names its ``recipient`` (a contact: id, name, slack, email, teams, timezone), the
rested ``person``, the ``team`` and ``team_name``, the ``incident`` id, ``night_minutes`` (whole
minutes paged at night in the shift), ``threshold_minutes``, the rest ``from``/``to`` (ISO 8601)
and ``covers`` (``schedule``, ``schedule_name``, ``person``, ``name``, ``from``, ``to``) or, when
refused, ``gaps`` (``schedule``, ``schedule_name``, ``from``, ``to``). Keys are
``rest/<person>/<shift start>/<kind>/<recipient>``: a decision is announced once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from core.config import timefmt
from core.config.model import Configuration, RestRule, Team
from core.incidents.ports import OutboxMessage
from core.metrics.ports import RestGrant
from core.oncall.contacts import Contact, contacts
from core.schedule.model import Interval, Shift

KINDS = ("rest.granted", "rest.cover", "rest.refused")


def _schedule_name(config: Configuration, schedule_id: str) -> str:
    schedule = config.schedule(schedule_id)
    return (schedule.name if schedule else None) or schedule_id


def rest_messages(
    config: Configuration,
    grant: RestGrant,
    team: Team,
    rule: RestRule,
    start: datetime,
    end: datetime,
    covers: Sequence[tuple[str, Shift]],
    gaps: Sequence[tuple[str, Interval]],
    now: datetime,
) -> list[OutboxMessage]:
    """The messages announcing ``grant`` (see the module's docstring). People no longer
    configured are left out; a cover of several pieces is one message to its person."""
    base: dict[str, Any] = {
        "person": (contacts(config, [grant.person_id]) or [{"id": grant.person_id}])[0],
        "team": team.id,
        "team_name": team.name or team.id,
        "incident": grant.incident_id,
        "night_minutes": int(grant.night_time.total_seconds() // 60),
        "threshold_minutes": rule.minutes,
        "from": start.isoformat(),
        "to": end.isoformat(),
    }
    key = f"rest/{grant.person_id}/{grant.shift_start.isoformat()}"
    out: list[OutboxMessage] = []

    def add(kind: str, recipient: Contact, extra: dict[str, Any]) -> None:
        payload = {**base, **extra, "recipient": recipient}
        out.append(OutboxMessage(f"{key}/{kind}/{recipient['id']}", "chat", kind, payload, now))

    if grant.outcome == "refused":
        entries = [
            {
                "schedule": sid,
                "schedule_name": _schedule_name(config, sid),
                "from": gap.start.isoformat(),
                "to": gap.end.isoformat(),
            }
            for sid, gap in gaps
        ]
        for manager in contacts(config, team.managers):
            add("rest.refused", manager, {"gaps": entries})
        return out
    entries = [
        {
            "schedule": sid,
            "schedule_name": _schedule_name(config, sid),
            "person": shift.person,
            "name": (p.display_name if (p := config.person(shift.person)) else shift.person),
            "from": shift.start.isoformat(),
            "to": shift.end.isoformat(),
        }
        for sid, shift in covers
    ]
    for person in contacts(config, [grant.person_id]):
        add("rest.granted", person, {"covers": entries})
    for cover in contacts(config, [e["person"] for e in entries]):
        add("rest.cover", cover, {"covers": [e for e in entries if e["person"] == cover["id"]]})
    return out


def _local(text: object, zone_name: object) -> str:
    """``Thu 03 Dec 09:00 CET`` in the recipient's zone; the raw text when unreadable."""
    try:
        moment = datetime.fromisoformat(str(text))
        zone = timefmt.zone(str(zone_name or "UTC"))
    except ValueError:
        return str(text)
    return moment.astimezone(zone).strftime("%a %d %b %H:%M %Z")


def _minutes(value: object) -> str:
    """``45 minutes``, ``1 h 05 min``."""
    minutes = value if isinstance(value, int) and value >= 0 else 0
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d} min" if hours else f"{minutes} minutes"


def rest_text(kind: str, payload: dict[str, Any]) -> str:
    """The plain text of a rest message, times in the recipient's zone (renderers escape it).

    Never raises on a malformed payload: missing parts read as ``?``.
    """
    recipient = payload.get("recipient") or {}
    zone = recipient.get("timezone") if isinstance(recipient, dict) else None
    person = payload.get("person") or {}
    name = str(person.get("name") or person.get("id") or "?") if isinstance(person, dict) else "?"
    night = _minutes(payload.get("night_minutes"))
    until = _local(payload.get("to"), zone)
    raw_covers, raw_gaps = payload.get("covers"), payload.get("gaps")
    covers: list[Any] = raw_covers if isinstance(raw_covers, list) else []
    gaps: list[Any] = raw_gaps if isinstance(raw_gaps, list) else []

    def spans(rows: list[Any], with_name: bool) -> str:
        parts = []
        for row in rows:
            if not isinstance(row, dict):
                continue
            who = f"{row.get('name') or row.get('person')} " if with_name else ""
            parts.append(
                f"{who}{row.get('schedule_name') or row.get('schedule')} "
                f"{_local(row.get('from'), zone)} to {_local(row.get('to'), zone)}"
            )
        return "; ".join(parts)

    if kind == "rest.granted":
        text = (
            f"You were paged for {night} at night during this shift (incident "
            f"#{payload.get('incident')}), so you are off call until {until}. Rest well."
        )
        return text + (f" Covering: {spans(covers, True)}." if covers else "")
    if kind == "rest.cover":
        return (
            f"{name} was paged for {night} at night and is resting until {until}; "
            f"you cover {spans(covers, False) or 'their shift'}."
        )
    if kind == "rest.refused":
        return (
            f"{name} ({payload.get('team_name') or payload.get('team')}) was paged for {night} "
            f"at night, past the team's {payload.get('threshold_minutes')} minutes, but resting "
            f"until {until} would leave nobody on call: {spans(gaps, False) or '?'}. No time "
            f"off was recorded; put someone on call (an override) to let them rest."
        )
    return f"{kind}: {name}"
