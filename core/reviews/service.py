"""Offering the review form on resolve, and storing a submitted review.

:func:`offer_review` runs in the resolving transaction (from
:func:`core.incidents.aftermath.after_resolve`): the responder gets one ``review.offer`` chat
message. :func:`submit_review` stores what they wrote, in one transaction with its audit
entry and the ticket comment (an outbox ``ticket`` message of kind ``review``).

Who may write the review: a person of the configuration who is on the incident's team (a
manager of it, or a member of a layer of one of its schedules) or who took part in the
incident (paged, acknowledged, resolved, or its assignee). An incident without a team: any
person of the configuration. Only a resolved incident has a review.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.config.model import Configuration
from core.incidents.effects import incident_snapshot
from core.incidents.lifecycle import IncidentState
from core.incidents.ports import IncidentRecord, OutboxMessage
from core.incidents.routing import severity_of
from core.ports import AuditEntry, UnitOfWork
from core.reviews.form import read_review
from core.reviews.ports import StoredReview

OFFER_KIND = "review.offer"
EventRows = list[tuple[datetime, str, str | None, dict[str, Any]]]


class ReviewRefused(ValueError):
    """A review that may not be written (unknown or open incident, an author who may not);
    nothing was stored."""


@dataclass(frozen=True)
class SubmitOutcome:
    """The review as stored; ``replaced``: an earlier submission was replaced by it."""

    review: StoredReview
    replaced: bool


def offer_subject(incident_id: object) -> str:
    """The ``posted_messages`` subject of an incident's review offer, the same on every chat
    surface (each records the offer it posted under it, so a redelivery posts none)."""
    return f"review/{incident_id}/offer"


def _paged(events: EventRows) -> list[str]:
    """Everyone paged, in the order of their first page."""
    people: list[str] = []
    for _at, kind, _actor, detail in events:
        if kind == "paged":
            people.extend(p for p in detail.get("people", []) if p not in people)
    return people


def _acknowledgers(events: EventRows) -> list[str]:
    """Who acknowledged, in order (acknowledgements that took effect: ``Notify`` among their
    effects; a repeated one changed nothing)."""
    out: list[str] = []
    for _at, kind, actor, detail in events:
        effects = detail.get("effects")
        if kind == "acknowledge" and actor and isinstance(effects, list) and "Notify" in effects:
            out.append(actor)
    return out


def responder_of(config: Configuration, state: IncidentState, events: EventRows) -> str | None:
    """Who answered the incident: who acknowledged it (its current acknowledger, else the last
    acknowledgement in its timeline: one snoozed and triggered again was still answered), else
    who resolved it when that is a person of the configuration. None otherwise: an incident
    paged but never answered (the alerts resolved themselves, or an alert source resolved it)
    has no responder, so no review is offered to whoever happened to be paged or assigned."""
    for candidate in (state.acknowledged_by, *reversed(_acknowledgers(events)), state.resolved_by):
        if candidate and config.person(candidate) is not None:
            return candidate
    return None


async def offer_review(
    uow: UnitOfWork,
    config: Configuration,
    record: IncidentRecord,
    state: IncidentState,
    events: EventRows,
    now: datetime,
) -> str | None:
    """Write the ``review.offer`` message for the responder (see :func:`responder_of`; ``events``
    is the incident's whole timeline); returns who it went to, None when nobody. Its key is per
    incident: an incident is resolved once, and a repeated call writes nothing new."""
    person_id = responder_of(config, state, events)
    if person_id is None:
        return None
    person = config.person(person_id)
    assert person is not None
    payload = {
        "incident": incident_snapshot(record, state, config),
        "person": person_id,
        "slack": person.slack,
        "email": person.email,
        "teams": person.teams,
    }
    key = f"incident/{record.id}/review/offer"
    await uow.outbox.add(OutboxMessage(key, "chat", OFFER_KIND, payload, now, record.id))
    return person_id


def may_review(
    config: Configuration, record: IncidentRecord, events: EventRows, person_id: str
) -> bool:
    """Whether ``person_id`` may write the incident's review (the module's rule)."""
    if config.person(person_id) is None:
        return False
    state = record.state
    took_part = {*_paged(events), state.acknowledged_by, state.resolved_by, state.assignee}
    if person_id in took_part:
        return True
    if record.team_id is None:
        return True
    team = next((t for t in config.teams if t.id == record.team_id), None)
    if team is not None and person_id in team.managers:
        return True
    return any(
        person_id in layer.members
        for schedule in config.schedules
        if schedule.team == record.team_id
        for layer in schedule.layers
    )


async def submit_review(
    uow: UnitOfWork,
    incident_id: int,
    author: str,
    fields: Mapping[str, object],
    now: datetime,
) -> SubmitOutcome:
    """Store the review ``author`` wrote of a resolved incident.

    Raises :class:`core.reviews.form.ReviewInvalid` (bad fields, each named) and
    :class:`ReviewRefused` (unknown or unresolved incident, an author who may not); either way
    nothing is written. A second submission replaces the first (``revision`` + 1, the first
    ``created_at`` kept) and is audited as ``review.replace``; the first as ``review.submit``.
    The ticket gets a ``review`` comment each time (when the severity keeps tickets).
    """
    review_fields = read_review(fields)
    async with uow:
        record = await uow.incidents.get(incident_id, for_update=True)
        if record is None:
            raise ReviewRefused(f"There is no incident {incident_id}.")
        if record.state.status != "resolved":
            raise ReviewRefused(f"Incident {incident_id} is not resolved yet.")
        config = await uow.config.load() or Configuration()
        events = await uow.incidents.events(incident_id)
        if config.person(author) is None:
            raise ReviewRefused("You are not a person in the on-call configuration.")
        if not may_review(config, record, events, author):
            raise ReviewRefused(
                f"Only the incident's team or who took part in it may review incident "
                f"{incident_id}."
            )
        earlier = await uow.reviews.get(incident_id)
        review = StoredReview(
            incident_id=incident_id,
            summary=review_fields.summary,
            cause=review_fields.cause,
            follow_ups=review_fields.follow_ups,
            author=author,
            created_at=earlier.created_at if earlier else now,
            updated_at=now,
            revision=earlier.revision + 1 if earlier else 1,
        )
        await uow.reviews.save(review)
        await uow.audit.append(
            AuditEntry(
                at=now,
                actor=author,
                action="review.replace" if earlier else "review.submit",
                subject=f"incident:{incident_id}",
                detail={
                    "revision": review.revision,
                    "summary": review.summary,
                    "replaced_author": earlier.author if earlier else None,
                },
            )
        )
        _, rule = severity_of(config, {"severity": record.severity})
        if rule.ticket:
            payload = {
                "incident": incident_snapshot(record, record.state, config),
                "review": {
                    "summary": review.summary,
                    "cause": review.cause,
                    "follow_ups": list(review.follow_ups),
                    "author": author,
                },
            }
            key = f"incident/{incident_id}/review/{review.revision}"
            await uow.outbox.add(OutboxMessage(key, "ticket", "review", payload, now, incident_id))
        await uow.commit()
    return SubmitOutcome(review, replaced=earlier is not None)
