"""A recorded ticket shows on the card: a timeline entry, one card refresh per incident, and
``ticket`` in the card snapshot (an unsafe URL shown without its link)."""

from __future__ import annotations

from dataclasses import replace

from core.incidents.cards import current_card
from core.tickets.ports import TicketRecord
from core.tickets.record import record_ticket, ticket_link
from tests.unit.tickets.common import T0, World


async def test_a_ticket_refreshes_the_card_once() -> None:
    world = await World().start()
    ticket = TicketRecord(world.incident_id, "jira", "OPS-1", "https://j/browse/OPS-1", "open", T0)
    async with world.unit() as uow:
        assert await current_card(uow, world.incident_id, T0) is not None
        before = (await current_card(uow, world.incident_id, T0) or {})["version"]
    for _ in range(2):
        async with world.unit() as uow:
            stored = await record_ticket(uow, ticket, T0)
            await uow.commit()
        assert stored is not None and stored.key == "OPS-1"
    async with world.unit() as uow:
        card = await current_card(uow, world.incident_id, T0)
    assert card is not None
    assert card["ticket"] == {
        "system": "jira",
        "key": "OPS-1",
        "url": "https://j/browse/OPS-1",
        "status": "open",
    }
    assert card["version"] == before + 1
    assert card["timeline"][-1]["text"] == "ticket OPS-1 opened"
    refresh = [m for m in world.store.outbox.values() if m.kind == "incident.ticket"]
    assert [(m.destination, m.incident_id) for m in refresh] == [("chat", world.incident_id)]


async def test_no_ticket_and_unsafe_links() -> None:
    world = await World().start()
    async with world.unit() as uow:
        card = await current_card(uow, world.incident_id, T0)
    assert card is not None and card["ticket"] is None
    ticket = TicketRecord(1, "webhook", "EXT-1", "javascript:alert(1)", "closed", T0)
    assert ticket_link(ticket) == {"system": "webhook", "key": "EXT-1", "url": None,
                                   "status": "closed"}  # fmt: skip
    assert ticket_link(replace(ticket, url=None))["url"] is None  # type: ignore[index]
