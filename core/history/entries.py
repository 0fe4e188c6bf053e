"""History entries assembled from what the database holds: pure functions, no I/O.

Sources and the kinds they make:
- final-schedule shifts (:func:`shift_entries`): ``shift``, with ``source`` ``layer:<id>``,
  ``override``, ``swap`` or ``cover`` as ``oncall schedule`` shows them;
- the audit log (:func:`audit_entries`): ``override`` (override.create), ``timeoff``
  (timeoff.create) and one ``cover`` per cover it lists, ``swap`` (swap.request,
  swap.accepted, swap.declined, swap.cancelled), ``config`` (config.apply, config.edit),
  ``review`` (review.submit, review.replace); any other action keeps its first word as kind;
- incident timelines (:func:`event_entries`): ``page`` (one per paged person),
  ``acknowledge`` and ``resolve``; an event whose effects were all ignored (a second
  acknowledgement) is left out.

``person`` is the one entry's person (None when it is nobody of the configuration, such as an
alert source that resolved an incident); ``people`` is everyone it concerns, which the
``--person`` filter looks at (an override or time off also concerns who made it, a swap its
requester and counterpart, a cover the person covered too). Audit details written by older
versions may lack keys: missing values show as ``?`` and never raise.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from core.ports import AuditEntry
from core.schedule.model import Shift

EVENT_KINDS = ("paged", "acknowledge", "resolve")


@dataclass(frozen=True)
class HistoryEntry:
    """One line of the history. ``end`` and ``source``: shifts only."""

    at: datetime
    kind: str
    person: str | None
    subject: str
    detail: str
    people: tuple[str, ...] = ()
    end: datetime | None = None
    source: str | None = None


@dataclass(frozen=True)
class IncidentInfo:
    """What an incident's entries name: its title and service."""

    id: int
    title: str
    service: str


def _text(value: object) -> str:
    return "?" if value is None or value == "" else str(value)


def _people(*ids: object) -> tuple[str, ...]:
    return tuple(dict.fromkeys(str(i) for i in ids if isinstance(i, str) and i))


EDGE = timedelta(seconds=1)
"""How far past the window's ends shifts are computed, to tell a shift that began before
``since`` (or goes on after ``until``) from one that begins (or ends) right there."""


def shift_entries(
    schedule_id: str, shifts: Iterable[Shift], since: datetime, until: datetime, now: datetime
) -> list[HistoryEntry]:
    """One entry per final shift overlapping ``[since, until)``, clipped to it (``at`` and
    ``end``), from ``shifts`` computed over ``[since - EDGE, until + EDGE)``.

    The detail says how the shift really runs: ``until now`` only for a shift still running
    at ``now``; ``until <end>`` for one that ended in the window; ``continues after <until>``
    for one going on past the window's end (a window in the past: it is not "now"); and
    ``began before <since>`` for one already running at the window's start.
    """
    out = []
    for shift in shifts:
        start, end = max(shift.start, since), min(shift.end, until)
        if start >= end:
            continue  # only in the margins
        began_before = shift.start < since
        goes_on = shift.end > until
        running = shift.start <= now and (now < end or (goes_on and now <= until))
        if running:
            bounds = "until now"
        elif goes_on:
            bounds = f"continues after {until.isoformat()}"
        else:
            bounds = f"until {end.isoformat()}"
        if began_before:
            bounds = f"began before {since.isoformat()}, {bounds}"
        out.append(
            HistoryEntry(
                at=start,
                kind="shift",
                person=shift.person,
                subject=f"schedule:{schedule_id}",
                detail=f"on call ({shift.source}) {bounds}",
                people=(shift.person,),
                end=end,
                source=shift.source,
            )
        )
    return out


def _window(detail: Mapping[str, Any]) -> str:
    return f"from {_text(detail.get('from'))} to {_text(detail.get('to'))}"


def _reason(detail: Mapping[str, Any]) -> str:
    reason = detail.get("reason")
    return f" ({reason})" if isinstance(reason, str) and reason else ""


def _one_audit(entry: AuditEntry) -> list[HistoryEntry]:
    d = entry.detail or {}
    action, by = entry.action, f" by {entry.actor}"
    if action == "override.create":
        person = d.get("person") if isinstance(d.get("person"), str) else None
        text = f"override {_window(d)}{by}{_reason(d)}"
        people = _people(person, entry.actor)
        return [HistoryEntry(entry.at, "override", person, entry.subject, text, people)]
    if action == "timeoff.create":
        person = entry.subject.removeprefix("person:")
        text = f"time off {_window(d)}{by}{_reason(d)}"
        people = _people(person, entry.actor)
        out = [HistoryEntry(entry.at, "timeoff", person, entry.subject, text, people)]
        for cover in d.get("covers") or []:
            if not isinstance(cover, dict):
                continue
            who = cover.get("person") if isinstance(cover.get("person"), str) else None
            text = f"covers for {person} {_window(cover)}"
            subject = f"schedule:{_text(cover.get('schedule'))}"
            out.append(HistoryEntry(entry.at, "cover", who, subject, text, _people(who, person)))
        return out
    if action.startswith("swap."):
        verb = action.removeprefix("swap.")
        requester = d.get("requester") if action != "swap.request" else entry.actor
        counterpart = d.get("counterpart")
        if verb == "request":
            text = f"swap {_text(d.get('swap'))} asked of {_text(counterpart)} {_window(d)}"
            text += _reason(d)
        else:
            text = (
                f"swap {_text(d.get('swap'))} {verb}{by} "
                f"({_text(requester)} with {_text(counterpart)})"
            )
        people = _people(entry.actor, requester, counterpart)
        return [HistoryEntry(entry.at, "swap", entry.actor, entry.subject, text, people)]
    kind = action.split(".", 1)[0]
    text = f"{action}{by}"
    if kind == "review":
        text += f": {_text(d.get('summary'))}"
    return [HistoryEntry(entry.at, kind, None, entry.subject, text, _people(entry.actor))]


def audit_entries(entries: Iterable[AuditEntry]) -> list[HistoryEntry]:
    """The history of audit log entries, in the order given."""
    return [made for entry in entries for made in _one_audit(entry)]


def _ignored(detail: Mapping[str, Any]) -> bool:
    effects = detail.get("effects") or []
    return bool(effects) and all(isinstance(e, str) and not e[:1].isupper() for e in effects)


def event_entries(
    events: Iterable[tuple[int, datetime, str, str | None, dict[str, Any]]],
    incidents: Mapping[int, IncidentInfo],
    people: Mapping[str, str],
) -> list[HistoryEntry]:
    """Pages, acknowledgements and resolutions from incident timelines. ``people`` maps the
    configuration's person ids to names (an actor not in it is nobody's person entry)."""
    out: list[HistoryEntry] = []
    for incident_id, at, kind, actor, detail in events:
        if kind not in EVENT_KINDS or _ignored(detail):
            continue
        info = incidents.get(incident_id)
        about = f"{info.title} ({info.service})" if info else f"incident {incident_id}"
        subject = f"incident:{incident_id}"
        if kind == "paged":
            for person in detail.get("people") or []:
                text = f"paged for {about}, tier {_text(detail.get('tier'))}"
                out.append(HistoryEntry(at, "page", str(person), subject, text, (str(person),)))
            continue
        person = actor if actor in people else None
        word = "acknowledged" if kind == "acknowledge" else "resolved"
        text = f"{word} {about} by {_text(actor)}"
        out.append(HistoryEntry(at, kind, person, subject, text, _people(person)))
    return out


def assemble(
    parts: Iterable[Iterable[HistoryEntry]], person: str | None = None
) -> list[HistoryEntry]:
    """Every entry in time order (entries of one instant keep the order of ``parts``, then
    their own); with ``person``, only the entries that concern them."""
    entries = [e for part in parts for e in part]
    if person is not None:
        entries = [e for e in entries if person in e.people or e.person == person]
    return sorted(entries, key=lambda e: e.at)
