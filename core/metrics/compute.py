"""An incident's response metrics from its timeline: a pure function of the events, the
configuration and the resolved state.

Timeline events read (``core.incidents.service`` writes them): ``acknowledge`` (an
acknowledgement that took effect has ``Notify`` among its effects; a repeated one is ignored),
``escalationdue`` and ``escalate`` (an escalation taken pages a tier: ``PageTier`` among its
effects; one that found the policy exhausted or no policy pages nobody and is not counted),
``paged`` (``detail.people``: who was paged then), and the maintenance hold:
``maintenance`` (written when an incident opens in a maintenance window, and again when its
hold moves to a later end) and ``maintenanceended`` (the hold's end, when it was still open).

The time an incident sat held in a maintenance window is not response time: a held incident
is measured from the end of its hold (:func:`response_clock`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from core.config.model import Configuration
from core.incidents.lifecycle import IncidentState
from core.incidents.ports import IncidentRecord
from core.metrics.offhours import is_off_hours, off_hours_time
from core.metrics.ports import IncidentMetrics, PageMetric
from core.schedule.model import utc

Event = tuple[datetime, str, str | None, dict[str, Any]]
ESCALATION_KINDS = ("escalationdue", "escalate")
HOLD_KINDS = ("maintenance", "maintenanceended")


def response_clock(
    opened: datetime,
    hold_events: Sequence[tuple[datetime, str]],
    first_page: datetime | None,
    acknowledged: datetime | None,
    resolved: datetime,
) -> datetime | None:
    """When the incident started asking for a response: its opening, or for an incident held
    in a maintenance window (a ``maintenance`` event among ``hold_events``, ``(at, kind)``) the
    end of the hold: the first of its ``maintenanceended`` event, its first page (escalated
    by hand while held) and its acknowledgement (taken up from the card while held).

    None: held and resolved before any of these (never paged, nobody acknowledged): there is
    no response to measure.
    """
    opened, resolved = utc(opened), utc(resolved)
    if not any(kind == "maintenance" for _, kind in hold_events):
        return opened
    ends = [utc(at) for at, kind in hold_events if kind == "maintenanceended"]
    ends += [utc(x) for x in (first_page, acknowledged) if x is not None]
    if not ends or min(ends) > resolved:
        return None
    return max(min(ends), opened)


def _effects(detail: dict[str, Any]) -> list[str]:
    effects = detail.get("effects")
    return [str(e) for e in effects] if isinstance(effects, list) else []


def acknowledgements(events: Sequence[Event]) -> list[tuple[datetime, str | None]]:
    """Acknowledgements that took effect, in time order."""
    return sorted(
        (utc(at), actor)
        for at, kind, actor, detail in events
        if kind == "acknowledge" and "Notify" in _effects(detail)
    )


def escalations_taken(events: Sequence[Event]) -> int:
    """Escalations (due or by hand) that paged a tier."""
    return sum(
        1
        for _, kind, _, detail in events
        if kind in ESCALATION_KINDS and "PageTier" in _effects(detail)
    )


def pages_of(events: Sequence[Event]) -> list[tuple[datetime, str]]:
    """Every ``(at, person)`` paged, in time order (a person paged twice appears twice)."""
    out: list[tuple[datetime, str]] = []
    for at, kind, _, detail in events:
        if kind != "paged":
            continue
        people = detail.get("people")
        if isinstance(people, list):
            out.extend((utc(at), str(p)) for p in people)
    return sorted(out)


def page_spans(events: Sequence[Event], resolved: datetime) -> list[tuple[datetime, str, datetime]]:
    """``(at, person, until)`` of every page, in time order: a page runs until the first
    acknowledgement that took effect after it in the timeline (an acknowledgement written
    before a page at the same instant does not answer it), else until ``resolved``."""
    open_pages: list[tuple[datetime, str]] = []
    out: list[tuple[datetime, str, datetime]] = []
    for at, kind, _, detail in events:
        if kind == "paged" and isinstance(detail.get("people"), list):
            open_pages.extend((utc(at), str(p)) for p in detail["people"])
        elif kind == "acknowledge" and "Notify" in _effects(detail):
            out.extend((a, p, max(min(utc(at), resolved), a)) for a, p in open_pages)
            open_pages = []
    out.extend((a, p, max(resolved, a)) for a, p in open_pages)
    return sorted(out)


def incident_metrics(
    record: IncidentRecord,
    state: IncidentState,
    events: Sequence[Event],
    config: Configuration,
) -> IncidentMetrics:
    """The metrics of ``record`` resolved into ``state`` (``resolved_at`` set).

    Edge cases: nobody acknowledged: no time to acknowledge, the responder is the resolver
    when that is a configured person, else the last person paged (None when nobody was
    paged: a severity that does not page); an acknowledgement before any page (someone saw
    the card) is still the acknowledgement; a page after the last acknowledgement (a snoozed
    incident triggered again) runs to the next acknowledgement, else to the resolution.
    ``ValueError`` when ``state`` is not resolved.
    """
    if state.resolved_at is None:
        raise ValueError("metrics are taken of a resolved incident")
    opened, resolved = utc(record.opened_at), utc(state.resolved_at)
    acks = acknowledgements(events)
    if not acks and state.acknowledged_at is not None:
        acks = [(utc(state.acknowledged_at), state.acknowledged_by)]
    acked_at, acked_by = acks[0] if acks else (None, None)
    paged = pages_of(events)
    pages = [
        PageMetric(
            person_id=person,
            at=at,
            until=until,
            off_hours=is_off_hours(config, person, at),
            off_hours_time=off_hours_time(config, person, at, until),
        )
        for at, person, until in page_spans(events, resolved)
    ]
    resolver = state.resolved_by if config.person(state.resolved_by or "") else None
    responder = acked_by or resolver or (paged[-1][1] if paged else None)
    first_page = next((at for at, person in paged if person == responder), opened)
    hold = [(utc(at), kind) for at, kind, _, _ in events if kind in HOLD_KINDS]
    clock = response_clock(opened, hold, paged[0][0] if paged else None, acked_at, resolved)
    return IncidentMetrics(
        incident_id=record.id,
        service_id=record.service_id,
        team_id=record.team_id,
        severity=record.severity,
        opened_at=opened,
        acknowledged_at=acked_at,
        resolved_at=resolved,
        time_to_acknowledge=(
            acked_at - clock if acked_at is not None and clock is not None else None
        ),
        time_to_resolve=resolved - clock if clock is not None else None,
        acknowledged_by=acked_by,
        resolved_by=state.resolved_by,
        escalations=escalations_taken(events),
        responder=responder,
        off_hours=is_off_hours(config, responder, first_page),
        pages=tuple(pages),
    )
