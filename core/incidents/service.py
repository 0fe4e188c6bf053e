"""Use cases of the alert path: ingest alerts, act on incidents, fire due escalations.

Each runs in one unit of work: the incident, its timeline, its pending steps and the outbox
rows it causes are committed together. Deduplication: one open incident per (source, key);
alerts are upserted by (fingerprint, startsAt), so a retry or an Alertmanager HA pair
delivering the same group twice creates nothing new. A group that resolves resolves its
incident; a later firing of the same group opens a new one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from dataclasses import fields as dataclass_fields
from datetime import datetime, timedelta
from typing import Literal

from core.config.model import Configuration, EscalationPolicy
from core.heartbeats.watchdog import split_watchdog
from core.incidents.aftermath import after_resolve
from core.incidents.effects import apply_effects, describe
from core.incidents.inbox import PendingDelivery, batch_from_json
from core.incidents.lifecycle import (
    EscalationDue,
    Event,
    IncidentState,
    MaintenanceEnded,
    Open,
    PolicyView,
    Reassign,
    Resolve,
    SnoozeEnded,
    TransitionError,
    transition,
)
from core.incidents.ports import AlertBatch, IncidentRecord, NewIncident
from core.incidents.routing import route_alert
from core.maintenance.ports import MaintenanceHold
from core.maintenance.service import maintenance_until, note_hold
from core.maintenance.windows import NOTE as MAINTENANCE_NOTE
from core.ports import Clock, UnitOfWork

STALE_REPEAT_WINDOW = timedelta(seconds=60)
"""How long after a resolve a firing copy of the very same alerts is taken as a late copy."""


class IncidentNotFound(LookupError):
    """No incident with that id."""


@dataclass(frozen=True)
class IngestResult:
    """What a delivery did: which incident, whether it was opened or resolved by it."""

    incident_id: int | None
    action: Literal["opened", "updated", "resolved", "ignored"]
    new_alerts: int


def policy_view(policy: EscalationPolicy | None) -> PolicyView | None:
    """The state machine's view of a policy (None: nobody to page)."""
    if policy is None:
        return None
    return PolicyView(timeouts=tuple(t.escalate_after for t in policy.tiers), repeat=policy.repeat)


def _policy_of(config: Configuration, record: IncidentRecord) -> PolicyView | None:
    return policy_view(
        next((p for p in config.escalation_policies if p.id == record.policy_id), None)
    )


async def _apply(
    uow: UnitOfWork,
    config: Configuration,
    record: IncidentRecord,
    event: Event,
    actor: str | None,
    now: datetime,
) -> IncidentState:
    state, effects = transition(record.state, event, _policy_of(config, record), now)
    event_id = await uow.incidents.add_event(
        record.id, now, type(event).__name__.lower(), actor, {"effects": describe(effects)}
    )
    state = await apply_effects(
        uow, record, state, effects, config=config, event_id=event_id, now=now
    )
    if state != record.state:
        await uow.incidents.save_state(record.id, state)
    if state.status == "resolved" and record.state.status != "resolved":
        await after_resolve(uow, config, record, state, now)
    return state


async def ingest(
    uow: UnitOfWork,
    batch: AlertBatch,
    now: datetime,
    *,
    inbox_id: int | None = None,
    processed_at: datetime | None = None,
) -> IngestResult:
    """Store a delivery of alerts and open, update or resolve its incident.

    ``now`` is when the delivery was received (the incident's times count from it). With
    ``inbox_id``, the inbox row is marked done in the same transaction, at ``processed_at``
    (default ``now``).
    """
    async with uow:
        result = await _ingest(uow, batch, now)
        if inbox_id is not None:
            done_at = processed_at or now
            await uow.inbox.done(inbox_id, done_at, result.incident_id, result.action)
        await uow.commit()
    return result


async def ingest_in(uow: UnitOfWork, batch: AlertBatch, now: datetime) -> IngestResult:
    """:func:`ingest` inside a unit of work the caller holds (and commits): the heartbeat
    check opens and resolves its incidents through it."""
    return await _ingest(uow, batch, now)


async def _ingest(uow: UnitOfWork, batch: AlertBatch, now: datetime) -> IngestResult:
    config = await uow.config.load() or Configuration()
    split = split_watchdog(config, batch)  # Watchdog alerts are beats, never incidents
    for name in split.beaten:
        await uow.heartbeats.beat(name, now)
    if split.rest is None:
        return IngestResult(None, "ignored", 0)
    batch = split.rest
    record = await uow.incidents.open_for(batch.source, batch.key)
    if record is None and batch.status == "resolved":
        return IngestResult(None, "ignored", 0)  # nothing open: a late or repeated resolve
    if record is None and batch.alerts:
        distinct = {(a.fingerprint, a.starts_at) for a in batch.alerts}
        since = now - STALE_REPEAT_WINDOW
        if await uow.incidents.resolved_alerts(batch.source, batch.alerts, since) == len(distinct):
            # Every alert is one of an incident resolved moments ago, same start: an HA peer's
            # or a retry's late copy of a firing that has ended, which would open an incident
            # that no resolve ever closes. A re-fire starts anew (a new startsAt), and the same
            # alerts firing again later than the window open a new incident as before.
            return IngestResult(None, "ignored", 0)
    action: Literal["opened", "updated", "resolved", "ignored"] = "updated"
    if record is None:
        held: datetime | None = None
        opened = await _open(uow, config, batch, now)
        if opened is None:  # another writer opened it between our read and our insert
            record = await uow.incidents.open_for(batch.source, batch.key)
            assert record is not None
        else:
            (record, held), action = opened, "opened"
    new_alerts = await uow.incidents.upsert_alerts(record.id, batch.source, batch.alerts, now)
    record = replace(record, alert_count=record.alert_count + new_alerts)
    if action == "opened":
        await _apply(
            uow,
            config,
            record,
            Open(
                start_tier=record.state.start_tier,
                pages=record.state.pages,
                held_until=held,  # our window lookup, never an alert's annotation
            ),
            None,
            now,
        )
    elif batch.status == "resolved":
        locked = await uow.incidents.get(record.id, for_update=True)
        record = replace(locked, alert_count=record.alert_count) if locked else record
        await _apply(uow, config, record, Resolve(batch.source), batch.source, now)
        action = "resolved"
    elif new_alerts:
        await uow.incidents.add_event(record.id, now, "alerts", batch.source, {"new": new_alerts})
    return IngestResult(record.id, action, new_alerts)


RESERVED_PREFIX = "oncall_"
"""Annotation keys of ours (:data:`core.maintenance.windows.NOTE`): an alert's own are dropped."""


async def _open(
    uow: UnitOfWork, config: Configuration, batch: AlertBatch, now: datetime
) -> tuple[IncidentRecord, datetime | None] | None:
    """The new incident and the maintenance end it is held until (None: it pages now), or
    None when another writer opened it first. An alert's annotations starting with
    ``oncall_`` are dropped: only our own window lookup may hold an incident."""
    decision = route_alert(config, batch.labels)
    annotations = {k: v for k, v in batch.annotations.items() if not k.startswith(RESERVED_PREFIX)}
    held = None
    if decision.pages:  # in a maintenance window: recorded and shown, paged at its end
        held = await maintenance_until(uow, config, decision.service_id, decision.team_id, now)
        if held is not None:
            annotations[MAINTENANCE_NOTE] = held.isoformat()
    state = IncidentState(
        status="triggered",
        tier=decision.start_tier,
        start_tier=decision.start_tier,
        pages=decision.pages,
    )
    new = NewIncident(
        source=batch.source,
        dedup_key=batch.key,
        title=batch.title,
        service_id=decision.service_id,
        team_id=decision.team_id,
        policy_id=decision.policy.id if decision.policy else None,
        severity=decision.severity,
        state=state,
        opened_at=now,
        labels=dict(batch.labels),
        annotations=annotations,
        links=dict(batch.links),
    )
    incident_id = await uow.incidents.create(new)
    if incident_id is None:
        return None
    await uow.incidents.add_event(
        incident_id,
        now,
        "routed",
        None,
        {
            "service": decision.service_id,
            "matched": decision.matched,
            "severity": decision.severity,
        },
    )
    if held is not None:
        await uow.incidents.add_event(
            incident_id, now, "maintenance", None, {"until": held.isoformat()}
        )
    fields = {f.name: getattr(new, f.name) for f in dataclass_fields(new)}
    return IncidentRecord(**fields, id=incident_id, alert_count=0), held


async def act(
    uow: UnitOfWork, incident_id: int, event: Event, actor: str, now: datetime
) -> IncidentState:
    """A person acts on an incident (acknowledge, resolve, escalate, reassign, snooze).

    :class:`IncidentNotFound` for an unknown id; :class:`TransitionError` when the action
    cannot apply (nothing is written then).
    """
    async with uow:
        record = await uow.incidents.get(incident_id, for_update=True)
        if record is None:
            raise IncidentNotFound(f"no incident {incident_id}")
        config = await uow.config.load() or Configuration()
        state = await _apply(uow, config, record, event, actor, now)
        await uow.commit()
    return state


async def act_in_turn(
    uow: UnitOfWork, incident_id: int, events: Sequence[Event], actor: str, now: datetime
) -> tuple[IncidentState, IncidentState]:
    """Apply ``events`` in order in one unit of work; returns the state before and after.

    For chat buttons, where one click may mean two events (snoozing a triggered incident
    acknowledges it first). Equal states: nothing changed (a second click). The errors are
    :func:`act`'s; a :class:`TransitionError` on any event writes nothing at all.
    """
    async with uow:
        record = await uow.incidents.get(incident_id, for_update=True)
        if record is None:
            raise IncidentNotFound(f"no incident {incident_id}")
        config = await uow.config.load() or Configuration()
        before = state = record.state
        for event in events:
            state = await _apply(uow, config, replace(record, state=state), event, actor, now)
        await uow.commit()
    return before, state


async def page_person(
    uow: UnitOfWork, batch: AlertBatch, person_id: str, actor: str, now: datetime
) -> int:
    """Open an incident from ``batch`` and page ``person_id`` on it, in one unit of work
    (``/oncall page @person``): both happen or neither. Returns the incident id.

    The batch should pin no service (label ``oncall_service: unrouted``), so only the person
    is paged. A batch that would update an open incident of the same key reassigns that one.
    """
    async with uow:
        result = await _ingest(uow, batch, now)
        if result.incident_id is None:
            raise ValueError("a page needs a firing batch")
        record = await uow.incidents.get(result.incident_id)
        assert record is not None
        config = await uow.config.load() or Configuration()
        await _apply(uow, config, record, Reassign(actor, person_id), actor, now)
        await uow.commit()
    return result.incident_id


async def fire_due(uow: UnitOfWork, now: datetime, *, worker: str, limit: int = 100) -> int:
    """Claim due escalations, snooze ends and maintenance ends and run them; returns how many
    were claimed.

    A step whose transaction fails is not lost: its claim is rolled back with everything
    else, and the next tick claims it again. Two workers never run the same step. A
    maintenance end whose service some window still covers (extended, or another window
    following on) waits for that window's end instead.
    """
    async with uow:
        steps = await uow.incidents.claim_due(now, limit, worker)
        holds = await uow.maintenance.claim_due_holds(now, limit, worker)
        if not steps and not holds:
            return 0
        config = await uow.config.load() or Configuration()
        for hold in holds:
            await _end_hold(uow, config, hold, now)
        for step in steps:
            record = await uow.incidents.get(step.incident_id, for_update=True)
            if record is None:
                continue
            event: Event = (
                EscalationDue(step.tier, step.cycle)
                if step.kind == "escalate"
                else SnoozeEnded(step.due_at)
            )
            try:
                await _apply(uow, config, record, event, None, now)
            except TransitionError:
                continue
        await uow.commit()
    return len(steps) + len(holds)


async def _end_hold(
    uow: UnitOfWork, config: Configuration, hold: MaintenanceHold, now: datetime
) -> None:
    record = await uow.incidents.get(hold.incident_id, for_update=True)
    if record is None or record.state.status == "resolved":
        return  # resolved in the window: nothing to page
    later = await maintenance_until(uow, config, hold.service_id, hold.team_id, now)
    if later is not None:  # extended, or another window follows on: wait for its end
        await uow.maintenance.hold(record.id, hold.service_id, hold.team_id, later, hold.pages, now)
        await note_hold(uow, record.id, later, now)
        return
    await _apply(uow, config, record, MaintenanceEnded(hold.pages), None, now)


async def drain_inbox(
    new_unit: Callable[[], UnitOfWork],
    clock: Clock,
    *,
    limit: int = 100,
    max_attempts: int = 5,
    between: Callable[[], Awaitable[None]] | None = None,
    lanes: int = 1,
) -> int:
    """Turn stored deliveries into incidents, oldest first; returns how many were processed.

    Each delivery is processed in its own transaction, which also marks it done; one that
    fails is counted and tried again on the next drain, and given up after ``max_attempts``
    (kept, with its error, for a person to look at) so it cannot block the ones behind it.
    ``between`` is awaited after each transaction (the caller's chance to let others write).
    The incident's times are the delivery's receive time; ``clock`` says when it was done.

    ``lanes`` above one works that many groups at once (for a database that takes several
    writers, PostgreSQL): the deliveries of one group (one source and group key, so one
    incident) stay in order in one lane, and a failing delivery holds up only the rest of its
    own group. Different groups never share an incident, and opening one is safe against a
    concurrent writer (see :func:`_ingest`). A delivery that cannot be read is a group of its
    own (it fails, and is counted, as it would alone).
    """
    unit = new_unit()
    async with unit:
        deliveries = await unit.inbox.pending(limit)
    groups: dict[object, list[PendingDelivery]] = {}
    for delivery in deliveries:  # one lane alone keeps every delivery behind a failing one
        groups.setdefault(_group_of(delivery) if lanes > 1 else None, []).append(delivery)
    gate = asyncio.Semaphore(max(lanes, 1))

    async def lane(members: list[PendingDelivery]) -> int:
        done = 0
        async with gate:
            for delivery in members:
                if done and between is not None:
                    await between()
                outcome = await _drain_one(new_unit, clock, delivery, max_attempts)
                if outcome == "again":
                    break  # the lane's next deliveries wait for this one's next attempt
                done += outcome == "done"
        return done

    ended = await asyncio.gather(
        *(lane(members) for members in groups.values()), return_exceptions=True
    )
    for end in ended:  # every lane has ended before a failure is passed on
        if isinstance(end, BaseException):
            raise end
    return sum(end for end in ended if isinstance(end, int))


def _group_of(delivery: PendingDelivery) -> object:
    """The group a stored delivery belongs to: ``(source, group key)``, or the delivery's own
    id when its batch cannot be read."""
    try:
        batch = batch_from_json(delivery.batch)
    except Exception:
        return delivery.id
    return (batch.source, batch.key)


async def _drain_one(
    new_unit: Callable[[], UnitOfWork], clock: Clock, delivery: PendingDelivery, max_attempts: int
) -> Literal["done", "given up", "again"]:
    """Process one delivery: done, failed for the last time (kept with its error), or failed
    and to be tried again on the next drain."""
    try:
        batch = batch_from_json(delivery.batch)
        await ingest(
            new_unit(),
            batch,
            delivery.received_at,
            inbox_id=delivery.id,
            processed_at=clock.now(),
        )
        return "done"
    except Exception as exc:
        failing = new_unit()
        async with failing:
            give_up = delivery.attempts + 1 >= max_attempts
            await failing.inbox.attempt_failed(delivery.id, f"{type(exc).__name__}: {exc}", give_up)
            await failing.commit()
        return "given up" if give_up else "again"
