"""A seeded database for the dashboard's tests: the example configuration and three incidents.

:func:`seed` applies ``examples/oncall.yaml`` at ``SEEDED_AT`` and opens, through the core use
cases (no SQL of its own), three incidents on ``checkout-api``:

- ``triggered``: still open, paged; its alert carries a hostile label and annotation
  (:data:`HOSTILE`), which every page must show as text;
- ``acknowledged``: acknowledged by anna 3 minutes after it opened;
- ``resolved``: acknowledged after 2 minutes, resolved after 40 (so it has metrics).

Times are fixed: a page test runs the app with ``FrozenClock(SEEDED_AT + 1 hour)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.fakes import FrozenClock
from tests.support import EXAMPLE_CONFIG

SEEDED_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Europe/Berlin
HOSTILE = "<script>alert('x')</script>"


@dataclass(frozen=True)
class Seeded:
    """The ids :func:`seed` made, and the clock to run the app with (an hour after seeding)."""

    triggered: int
    acknowledged: int
    resolved: int
    clock: FrozenClock


def _batch(key: str, title: str, extra: dict[str, str], opened: datetime) -> object:
    from core.incidents.ports import AlertBatch, NewAlert

    labels = {"service": "checkout-api", "severity": "critical", "alertname": title, **extra}
    annotations = {"summary": f"{title} on checkout", "description": extra.get("note", "")}
    return AlertBatch(
        source="alertmanager",
        key=key,
        status="firing",
        title=title,
        labels=labels,
        annotations=annotations,
        alerts=(NewAlert(f"fp-{key}", "firing", opened, None, labels, annotations),),
    )


async def seed(engine: AsyncEngine) -> Seeded:
    """Migrate ``engine``'s database, apply the example configuration and open the three
    incidents described in the module docstring."""
    from bot.config_apply import apply_to_engine
    from core.incidents.lifecycle import Acknowledge, Resolve
    from core.incidents.service import act, ingest
    from integrations.config_repo.loader import load_configuration
    from storage.migrate import upgrade
    from storage.uow import SqlUnitOfWork, session_factory

    sessions = session_factory(engine)
    await upgrade(engine)
    clock = FrozenClock(SEEDED_AT - timedelta(days=1))
    await apply_to_engine(
        engine,
        load_configuration(EXAMPLE_CONFIG),
        source=str(EXAMPLE_CONFIG),
        actor="test",
        clock=clock,
    )
    ids: list[int] = []
    plan = [
        ("resolved", "DiskFull", {}, SEEDED_AT - timedelta(days=2)),
        ("acknowledged", "LatencyHigh", {}, SEEDED_AT - timedelta(hours=3)),
        ("triggered", "HighErrors", {"note": HOSTILE, "pod": HOSTILE}, SEEDED_AT),
    ]
    for key, title, extra, opened in plan:
        result = await ingest(SqlUnitOfWork(sessions), _batch(key, title, extra, opened), opened)  # type: ignore[arg-type]
        assert result.incident_id is not None
        ids.append(result.incident_id)
        if key in ("acknowledged", "resolved"):
            minutes = 3 if key == "acknowledged" else 2
            await act(
                SqlUnitOfWork(sessions),
                result.incident_id,
                Acknowledge("anna"),
                "anna",
                opened + timedelta(minutes=minutes),
            )
        if key == "resolved":
            await act(
                SqlUnitOfWork(sessions),
                result.incident_id,
                Resolve("anna"),
                "anna",
                opened + timedelta(minutes=40),
            )
    return Seeded(
        resolved=ids[0],
        acknowledged=ids[1],
        triggered=ids[2],
        clock=FrozenClock(SEEDED_AT + timedelta(hours=1)),
    )
