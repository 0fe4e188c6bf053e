"""Use cases of heartbeats: record a beat, and check every heartbeat for silence.

A silent heartbeat opens ONE incident through the normal alert path (source ``heartbeat``, key
the heartbeat's name, labels pinning its service, severity ``critical``), so it pages, escalates
and is ticketed like any incident, and a maintenance window of its service holds it like any
other. The next beat resolves it (at the next check, within seconds). Checks lock each
heartbeat's row, so two workers never open its incident twice; the incident path's "one open
incident per (source, key)" rule backs that up. Everything is in the database: a restart loses
neither a beat nor a silence.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from core.config.model import Configuration, Heartbeat
from core.heartbeats.check import Verdict, assess
from core.heartbeats.ports import HeartbeatState
from core.incidents.ports import AlertBatch, NewAlert
from core.incidents.routing import PIN_LABEL
from core.incidents.service import ingest_in
from core.ports import UnitOfWork

SOURCE = "heartbeat"


def silence_title(name: str) -> str:
    """The title of a heartbeat's silence incident."""
    return f"Monitoring pipeline silent: {name}"


def _labels(heartbeat: Heartbeat) -> dict[str, str]:
    return {PIN_LABEL: heartbeat.service, "severity": "critical", "heartbeat": heartbeat.name}


def silence_batch(heartbeat: Heartbeat, state: HeartbeatState, deadline: datetime) -> AlertBatch:
    """The firing delivery that opens the silence incident; its one alert starts at the
    deadline, so each silence is an alert of its own."""
    labels = _labels(heartbeat)
    last = state.last_beat_at.isoformat() if state.last_beat_at else "never"
    quiet_since = max(state.since, state.last_beat_at or state.since).isoformat()
    annotations = {
        "summary": silence_title(heartbeat.name),
        "description": (
            f"No beat from {heartbeat.name} since {quiet_since} "
            f"(last beat: {last}; expected every {heartbeat.interval}, grace {heartbeat.grace})."
        ),
    }
    alert = NewAlert(f"heartbeat/{heartbeat.name}", "firing", deadline, None, labels, annotations)
    return AlertBatch(
        SOURCE,
        heartbeat.name,
        "firing",
        silence_title(heartbeat.name),
        labels,
        annotations,
        (alert,),
    )


def resume_batch(heartbeat: Heartbeat) -> AlertBatch:
    """The resolving delivery: the heartbeat beats again."""
    return AlertBatch(
        SOURCE, heartbeat.name, "resolved", silence_title(heartbeat.name), _labels(heartbeat)
    )


async def record_beat(uow: UnitOfWork, name: str, now: datetime) -> bool:
    """Store a beat of ``name`` received at ``now``; False (nothing written) when no heartbeat
    of that name is configured."""
    async with uow:
        config = await uow.config.load() or Configuration()
        if not any(h.name == name for h in config.heartbeats):
            return False
        await uow.heartbeats.beat(name, now)
        await uow.commit()
    return True


async def check_heartbeats(
    uow: UnitOfWork, now: datetime, *, read: UnitOfWork | None = None
) -> dict[str, Verdict]:
    """Open the incident of each heartbeat missed at ``now`` and resolve each that resumed;
    returns what was done by name (``missed``: opened, ``resumed``: resolved; quiet ones left
    out).

    With ``read`` (the worker), a unit that only reads finds out first whether anything is to
    be done, so a tick with every heartbeat fine, or still silent with its incident open, takes
    no write lock. Edge cases: a heartbeat never stored yet is stored at its first check, and
    its silence counts from then; one whose incident a person resolved while it was still
    silent counts its silence afresh from that check (it is not reopened at once); a stored
    heartbeat no longer configured is forgotten (an open incident of its stays for a person to
    resolve), so one configured again later counts its silence afresh, not from its old beats.
    """
    if read is not None:
        async with read:
            known = await read.config.load()
            states = await read.heartbeats.states()
            work = known is not None and await _work_to_do(read, known, states, now)
        if not work:
            return {}
    done: dict[str, Verdict] = {}
    async with uow:
        config = await uow.config.load() or Configuration()
        configured = {h.name for h in config.heartbeats}
        for name in await uow.heartbeats.states():
            if name not in configured:
                await uow.heartbeats.forget(name)
        for heartbeat in config.heartbeats:
            verdict = await _check_one(uow, heartbeat, now)
            if verdict in ("missed", "resumed"):
                done[heartbeat.name] = verdict
        await uow.commit()
    return done


async def _work_to_do(
    read: UnitOfWork, config: Configuration, states: dict[str, HeartbeatState], now: datetime
) -> bool:
    """Whether the writing pass would change anything: a heartbeat not stored yet, one stored
    but no longer configured, one missed or resumed, or one silent whose incident is gone or
    resolved. A heartbeat silent with its incident still open is no work."""
    names = {h.name for h in config.heartbeats}
    if any(name not in names for name in states):
        return True
    for heartbeat in config.heartbeats:
        state = states.get(heartbeat.name)
        if state is None:
            return True
        verdict = assess(heartbeat, state, now).verdict
        if verdict in ("missed", "resumed"):
            return True
        if verdict == "silent" and state.incident_id is not None:
            record = await read.incidents.get(state.incident_id)
            if record is None or record.state.status == "resolved":
                return True
    return False


async def _check_one(uow: UnitOfWork, heartbeat: Heartbeat, now: datetime) -> Verdict:
    state = await uow.heartbeats.lock(heartbeat.name, now)
    if state.incident_id is not None:
        record = await uow.incidents.get(state.incident_id, for_update=True)
        if record is None or record.state.status == "resolved":
            await uow.heartbeats.save(replace(state, incident_id=None, since=now))
            return "ok"  # resolved by a person (or otherwise): count the silence afresh
    found = assess(heartbeat, state, now)
    if found.verdict == "missed":
        result = await ingest_in(uow, silence_batch(heartbeat, state, found.deadline), now)
        if result.incident_id is not None:
            await uow.heartbeats.save(
                replace(state, incident_id=result.incident_id, beats_at_miss=state.beats)
            )
    elif found.verdict == "resumed":
        await ingest_in(uow, resume_batch(heartbeat), now)
        await uow.heartbeats.save(replace(state, incident_id=None))
    return found.verdict
