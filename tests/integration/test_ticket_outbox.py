"""Tickets through the worker's outbox on SQLite and PostgreSQL: twenty incidents at once get
twenty builtin tickets numbered T-1 to T-20 in one pass (never two drawing one number and
waiting for a retry), each with its timeline entry; the worker registers the tracker that
``ONCALL_TICKETING`` names."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import SystemClock
from bot.settings import Settings
from bot.worker import TicketOutbox, destinations
from core.config.apply import apply_configuration
from core.incidents.ports import AlertBatch, NewAlert
from core.incidents.service import ingest
from scheduling.outbox import OutboxSender
from storage.uow import SqlUnitOfWork, session_factory
from tests.unit.oncall.common import DOC, at, config

T0 = at("2026-03-02 10:00")
SERVICES = [{**DOC["services"][0], "match": {"service": "api"}}, *DOC["services"][1:]]


async def test_a_burst_of_incidents_gets_one_numbered_ticket_each(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)

    def unit() -> SqlUnitOfWork:
        return SqlUnitOfWork(sessions)

    cfg = config(services=SERVICES)
    await apply_configuration(unit(), cfg, actor="t", source="t", now=at("2026-03-01 00:00"))
    ids = []
    for n in range(20):
        labels = {"service": "api", "severity": "critical", "n": str(n)}
        batch = AlertBatch(
            "alertmanager", f"g{n}", "firing", f"Disk {n} full", labels,
            alerts=(NewAlert(f"fp{n}", "firing", T0, None, labels),),
        )  # fmt: skip
        result = await ingest(unit(), batch, T0)
        assert result.incident_id is not None
        ids.append(result.incident_id)
    chosen = destinations(Settings(_env_file=None), unit, unit, SystemClock())  # type: ignore[call-arg]
    assert isinstance(chosen["ticket"], TicketOutbox)
    assert chosen["ticket"].inner.tracker.system == "builtin"
    sender = OutboxSender(unit, chosen, clock=None)
    await sender.run_once_job(T0)
    async with SqlUnitOfWork(sessions, write=False) as uow:
        tickets = await uow.tickets.for_incidents(ids)
        timeline = await uow.incidents.events(ids[0])
        pending = [m for m in await uow.outbox.for_incident(ids[-1]) if m.status != "sent"]
    assert sorted(int(t.key.removeprefix("T-")) for t in tickets.values()) == list(range(1, 21))
    assert {t.status for t in tickets.values()} == {"open"}
    assert [d for _, kind, _, d in timeline if kind == "ticket"] == [
        {"system": "builtin", "key": tickets[ids[0]].key, "url": tickets[ids[0]].url}
    ]
    assert pending == []
    await sender.close()
