"""Use cases of maintenance windows: create, cancel and list them, find the maintenance an
incident opens under, and keep held incidents due at the real end of their maintenance.

An incident opened in a window is recorded and shown but not paged: it is *held* (a row with
the window's end as its due time) and the worker's escalation tick pages it then, if it is
still firing (:func:`core.incidents.service.fire_due`, event ``MaintenanceEnded``). A window
extended, cancelled, added or changed in the configuration moves the holds it concerns: at once
for the CLI and chat (:func:`create_window`, :func:`cancel_window`), at the next
:func:`reconcile_holds` for the configuration; and a hold that falls due while some window still
covers its service waits for that one's end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from core.config.model import Configuration
from core.incidents.ports import OutboxMessage
from core.maintenance.ports import StoredWindow
from core.maintenance.windows import (
    Window,
    config_windows,
    current_and_upcoming,
    maintenance_end,
    stored_windows,
)
from core.ports import AuditEntry, UnitOfWork

MAX_REASON = 500
MAX_LENGTH = timedelta(days=31)
"""The longest window the CLI and chat may make (a longer outage: make another at its end)."""


class MaintenanceError(ValueError):
    """A window that cannot be made or cancelled; the message says why (nothing changed)."""


@dataclass(frozen=True)
class Subject:
    """What a window covers: exactly one of ``service`` and ``team``."""

    service: str | None = None
    team: str | None = None


async def all_windows(uow: UnitOfWork, config: Configuration, now: datetime) -> list[Window]:
    """The configuration's windows and the stored ones not over at ``now``."""
    return config_windows(config) + stored_windows(await uow.maintenance.windows(now))


async def maintenance_until(
    uow: UnitOfWork, config: Configuration, service_id: str, team_id: str | None, now: datetime
) -> datetime | None:
    """When the maintenance covering the service at ``now`` ends (None: not in maintenance)."""
    if not config.maintenance and not await uow.maintenance.windows(now):
        return None
    return maintenance_end(await all_windows(uow, config, now), service_id, team_id, now)


def _check(
    config: Configuration,
    subject: Subject,
    start: datetime,
    end: datetime,
    reason: str | None,
    now: datetime,
) -> None:
    if (subject.service is None) == (subject.team is None):
        raise MaintenanceError("give exactly one of a service and a team")
    if subject.service is not None and not any(s.id == subject.service for s in config.services):
        raise MaintenanceError(f"there is no service {subject.service!r}")
    if subject.team is not None and not any(t.id == subject.team for t in config.teams):
        raise MaintenanceError(f"there is no team {subject.team!r}")
    if end <= start:
        raise MaintenanceError("the window must end after it starts")
    if end <= now:
        raise MaintenanceError("the window is over already; give an end in the future")
    if end - start > MAX_LENGTH:
        raise MaintenanceError(
            f"a maintenance window may last at most {MAX_LENGTH.days} days; make another "
            "when it ends"
        )
    if reason is not None and len(reason) > MAX_REASON:
        raise MaintenanceError(f"the reason is longer than {MAX_REASON} characters")


async def create_window(
    uow: UnitOfWork,
    subject: Subject,
    start: datetime,
    end: datetime,
    *,
    reason: str | None,
    actor: str,
    now: datetime,
) -> StoredWindow:
    """Store a window ``[start, end)`` for a service or a team, audited; raises
    :class:`MaintenanceError` (nothing written) for an unknown service or team, an end not
    after the start or already past, a window longer than 31 days (exactly 31 is allowed), or
    a reason over 500 characters. A start in the past is
    allowed (the window is in force at once). Incidents already held move to the new end when
    the window prolongs their maintenance; incidents already paging are left as they are."""
    async with uow:
        config = await uow.config.load() or Configuration()
        _check(config, subject, start, end, reason, now)
        window_id = await uow.maintenance.add_window(
            subject.service, subject.team, start, end, reason, actor, now
        )
        await uow.audit.append(
            AuditEntry(
                now,
                actor,
                "maintenance.create",
                f"maintenance:{window_id}",
                {
                    "service": subject.service,
                    "team": subject.team,
                    "from": start.isoformat(),
                    "to": end.isoformat(),
                    "reason": reason,
                },
            )
        )
        await reconcile_holds(uow, config, now)
        window = await uow.maintenance.window(window_id)
        await uow.commit()
    assert window is not None
    return window


async def cancel_window(
    uow: UnitOfWork, window_id: int, *, actor: str, now: datetime
) -> StoredWindow:
    """Cancel a stored window, audited; incidents it held page at once (at the worker's next
    tick) unless another window still covers their service. :class:`MaintenanceError` for an
    unknown id, a window cancelled already or one that is over (nothing written)."""
    async with uow:
        window = await uow.maintenance.window(window_id)
        if window is None:
            raise MaintenanceError(f"there is no maintenance window {window_id}")
        if window.cancelled_at is not None:
            raise MaintenanceError(f"maintenance window {window_id} is cancelled already")
        if window.ends_at <= now:
            raise MaintenanceError(f"maintenance window {window_id} is over already")
        config = await uow.config.load() or Configuration()
        if not await uow.maintenance.cancel_window(window_id, now):  # another cancel won
            raise MaintenanceError(f"maintenance window {window_id} is cancelled already")
        await uow.audit.append(
            AuditEntry(now, actor, "maintenance.cancel", f"maintenance:{window_id}", {})
        )
        await reconcile_holds(uow, config, now)
        await uow.commit()
    return window


async def list_windows(uow: UnitOfWork, now: datetime) -> list[Window]:
    """Current and upcoming windows, configured and stored, by start."""
    async with uow:
        config = await uow.config.load() or Configuration()
        windows = await all_windows(uow, config, now)
    return current_and_upcoming(windows, now)


async def note_hold(uow: UnitOfWork, incident_id: int, until: datetime, now: datetime) -> None:
    """The timeline entry of a hold set or moved to ``until``, and a refresh of the incident's
    cards (an ``incident.maintenance`` chat message: they show the new end; the channel thread
    gets no words for it). Runs inside the caller's unit of work."""
    event_id = await uow.incidents.add_event(
        incident_id, now, "maintenance", None, {"until": until.isoformat()}
    )
    refresh = OutboxMessage(
        key=f"incident/{incident_id}/event/{event_id}/1",
        destination="chat",
        kind="incident.maintenance",
        payload={"incident": {"id": incident_id}},
        created_at=now,
        incident_id=incident_id,
    )
    await uow.outbox.add_many([refresh])


async def reconcile_holds(uow: UnitOfWork, config: Configuration, now: datetime) -> int:
    """Make every pending hold due at the end of the maintenance now covering its service
    (``now`` when none does any more: a window cancelled or removed early); returns how many
    moved. Runs inside the caller's unit of work. Edge cases: a hold of an incident resolved
    meanwhile is left alone (its end pages nothing), and a hold claimed meanwhile by a worker's
    tick (it is paging or waiting again) does not move: neither writes a timeline entry."""
    holds = await uow.maintenance.holds()
    if not holds:
        return 0
    windows = await all_windows(uow, config, now)
    moved = 0
    for hold in holds:
        end = maintenance_end(windows, hold.service_id, hold.team_id, now) or now
        if end == hold.due_at or (hold.due_at <= now and end == now):
            continue
        record = await uow.incidents.get(hold.incident_id)
        if record is None or record.state.status == "resolved":
            continue
        if await uow.maintenance.move_hold(hold.incident_id, end):
            await note_hold(uow, hold.incident_id, end, now)
            moved += 1
    return moved


async def reconcile(uow: UnitOfWork, now: datetime, *, read: UnitOfWork | None = None) -> int:
    """:func:`reconcile_holds` in a unit of its own (the worker, for configuration changes).

    With ``read``, a unit that only reads finds out first whether any hold is pending, so an
    idle tick takes no write lock."""
    if read is not None:
        async with read:
            if not await read.maintenance.holds():
                return 0
    async with uow:
        config = await uow.config.load() or Configuration()
        moved = await reconcile_holds(uow, config, now)
        await uow.commit()
    return moved
