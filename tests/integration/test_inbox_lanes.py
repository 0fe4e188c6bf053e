"""The inbox worked several groups at once on PostgreSQL (``drain_inbox(lanes=...)``), one at a
time on SQLite: each group's deliveries stay in order, and a failing delivery holds up only
its own group where groups run in lanes (everything behind it where they do not)."""

from __future__ import annotations

import copy
from datetime import timedelta
from types import TracebackType
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.incidents.inbox import batch_to_json
from core.incidents.service import drain_inbox
from integrations.alerts.payloads import AlertmanagerPayload
from storage.engine import is_postgres
from storage.incident_tables import InboxRow, IncidentRow
from storage.uow import SqlUnitOfWork, session_factory
from tests.fakes import FrozenClock
from tests.integration.test_alert_intake import NOW, PAYLOAD, apply_example

GROUPS = 8


def delivery(group: int, status: str, starts: str = "2026-03-04T10:58:00Z") -> dict[str, Any]:
    """Group ``group``'s delivery: one alert of its own, firing or resolved."""
    payload = copy.deepcopy(PAYLOAD)
    payload["groupKey"] = f'{{}}:{{alertname="HighLatency", group="{group}"}}'
    payload["status"] = status
    alert = payload["alerts"][0]
    alert.update(status=status, startsAt=starts, fingerprint=f"fp-{group}")
    if status == "resolved":
        alert["endsAt"] = "2026-03-04T10:59:00Z"
    payload["alerts"] = [alert]
    return batch_to_json(AlertmanagerPayload.model_validate(payload).to_batch())


async def read(engine: AsyncEngine) -> tuple[list[Any], list[Any], dict[int, list[Any]]]:
    """The inbox rows, the incidents, and the inbox rows of each group, in id order."""
    async with engine.connect() as conn:
        inbox = list((await conn.execute(select(InboxRow).order_by(InboxRow.id))).all())
        incidents = list((await conn.execute(select(IncidentRow).order_by(IncidentRow.id))).all())
    by_group = {
        g: [r for r in inbox if r.batch["key"].endswith(f'group="{g}"}}')] for g in range(GROUPS)
    }
    return inbox, incidents, by_group


class Counted:
    """A unit of work that counts how many are open at once."""

    open = 0
    most = 0

    def __init__(self, engine: AsyncEngine) -> None:
        self._inner = SqlUnitOfWork(session_factory(engine))

    async def __aenter__(self) -> Any:
        Counted.open += 1
        Counted.most = max(Counted.most, Counted.open)
        return await self._inner.__aenter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        Counted.open -= 1
        await self._inner.__aexit__(exc_type, exc, tb)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


async def test_groups_in_lanes_keep_their_order_and_a_failure_holds_only_its_own_group(
    engine: AsyncEngine,
) -> None:
    await apply_example(engine)
    lanes = 4 if is_postgres(engine) else 1
    rows: list[tuple[str, Any, dict[str, Any]]] = []
    # Interleaved as Alertmanager sends them: every group fires, resolves, then fires anew;
    # group 1's first firing carries a naive start, which the alert write refuses.
    for step, (status, starts) in enumerate(
        [("firing", "2026-03-04T10:58:00Z"), ("resolved", None), ("firing", "2026-03-04T11:05:00Z")]
    ):
        for group in range(GROUPS):
            body = delivery(group, status, starts or "2026-03-04T10:58:00Z")
            if group == 1 and step == 0:
                body["alerts"][0]["starts_at"] = "2026-03-04T10:58:00"  # naive: refused
            rows.append(("alertmanager", NOW + timedelta(seconds=step), body))
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        await uow.inbox.add_many(rows)
        await uow.commit()
    Counted.open = Counted.most = 0
    clock = FrozenClock(NOW + timedelta(minutes=1))
    done = await drain_inbox(lambda: Counted(engine), clock, max_attempts=2, lanes=lanes)
    inbox, incidents, by_group = await read(engine)
    if lanes > 1:
        assert Counted.most > 1  # several groups were worked at once
        assert done == 3 * (GROUPS - 1)  # every group but the failing one, whole
        assert [r.status for r in by_group[1]] == ["pending"] * 3  # behind its failure only
        for group in (0, *range(2, GROUPS)):
            assert [r.action for r in by_group[group]] == ["opened", "resolved", "opened"]
        assert len(incidents) == 2 * (GROUPS - 1)
    else:
        assert done == 1  # group 0's firing; then the failure holds the line
        assert [r.status for r in inbox].count("done") == 1
    # The next drain gives the failure up and works off the rest, in order.
    done = await drain_inbox(lambda: Counted(engine), clock, max_attempts=2, lanes=lanes)
    inbox, incidents, by_group = await read(engine)
    assert [r.status for r in by_group[1]] == ["failed", "done", "done"]
    for group in range(GROUPS):
        expected = ["opened", "resolved", "opened"] if group != 1 else [None, "ignored", "opened"]
        assert [r.action for r in by_group[group]] == expected, group
    assert len(incidents) == 2 * (GROUPS - 1) + 1
    for group in range(GROUPS):
        mine = [i for i in incidents if i.dedup_key.endswith(f'group="{group}"}}')]
        statuses = [i.status for i in mine]
        assert statuses == (["resolved", "triggered"] if group != 1 else ["triggered"]), group
