"""Post-incident reviews on SQLite and PostgreSQL: stored, replaced, refused with nothing
stored, and the audit log and timeline read back by time (the history's queries)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config.apply import apply_configuration
from core.incidents.lifecycle import Resolve
from core.incidents.ports import AlertBatch, NewAlert
from core.incidents.service import act, ingest
from core.ports import AuditEntry
from core.reviews.form import ReviewInvalid
from core.reviews.service import ReviewRefused, submit_review
from storage.incident_tables import OutboxRow
from storage.review_tables import ReviewRow
from storage.tables import AuditRow
from storage.uow import SqlUnitOfWork, session_factory
from tests.unit.oncall.common import DOC, at, config

T0 = at("2026-03-02 10:00")
SERVICES = [{**DOC["services"][0], "match": {"service": "api"}}, *DOC["services"][1:]]


def unit(engine: AsyncEngine) -> SqlUnitOfWork:
    return SqlUnitOfWork(session_factory(engine))


async def resolved_incident(engine: AsyncEngine) -> int:
    cfg = config(services=SERVICES)
    await apply_configuration(unit(engine), cfg, actor="t", source="t", now=at("2026-03-01 00:00"))
    labels = {"service": "api", "severity": "critical"}
    batch = AlertBatch(
        "alertmanager", "g1", "firing", "Disk full", labels,
        alerts=(NewAlert("fp", "firing", T0, None, labels),),
    )  # fmt: skip
    result = await ingest(unit(engine), batch, T0)
    assert result.incident_id is not None
    await act(unit(engine), result.incident_id, Resolve("ann"), "ann", at("2026-03-02 10:30"))
    return result.incident_id


async def counts(engine: AsyncEngine) -> tuple[int, int, int]:
    async with engine.connect() as conn:
        reviews = (await conn.execute(select(func.count()).select_from(ReviewRow))).scalar_one()
        audit = (await conn.execute(select(func.count()).select_from(AuditRow))).scalar_one()
        outbox = (await conn.execute(select(func.count()).select_from(OutboxRow))).scalar_one()
    return reviews, audit, outbox


async def test_a_review_is_stored_then_replaced(engine: AsyncEngine) -> None:
    incident = await resolved_incident(engine)
    fields = {"summary": "Disk full", "cause": "rotation off", "follow_ups": "rotate\nalert"}
    await submit_review(unit(engine), incident, "ann", fields, at("2026-03-02 11:00"))
    async with SqlUnitOfWork(session_factory(engine), write=False) as uow:
        first = await uow.reviews.get(incident)
        assert await uow.reviews.get(incident + 1) is None
    assert first is not None
    assert (first.summary, first.cause, first.follow_ups) == (
        "Disk full",
        "rotation off",
        ("rotate", "alert"),
    )
    assert first.created_at == at("2026-03-02 11:00") and first.revision == 1

    second = {"summary": "Ledger disk full", "cause": "", "follow_ups": ""}
    outcome = await submit_review(unit(engine), incident, "bob", second, at("2026-03-02 12:00"))
    assert outcome.replaced
    async with SqlUnitOfWork(session_factory(engine), write=False) as uow:
        latest = await uow.reviews.get(incident)
        audit = await uow.audit.between(at("2026-03-02 00:00"), at("2026-03-03 00:00"))
    assert latest is not None
    assert (latest.summary, latest.cause, latest.follow_ups, latest.author) == (
        "Ledger disk full",
        None,
        (),
        "bob",
    )
    assert (latest.created_at, latest.updated_at, latest.revision) == (
        at("2026-03-02 11:00"),
        at("2026-03-02 12:00"),
        2,
    )
    assert [e.action for e in audit] == ["review.submit", "review.replace"]
    async with engine.connect() as conn:
        kinds = (
            await conn.execute(
                select(OutboxRow.kind, OutboxRow.destination).where(OutboxRow.kind == "review")
            )
        ).all()
    assert [tuple(k) for k in kinds] == [("review", "ticket"), ("review", "ticket")]
    assert (await counts(engine))[0] == 1


async def test_bad_or_refused_submissions_store_nothing(engine: AsyncEngine) -> None:
    incident = await resolved_incident(engine)
    before = await counts(engine)
    for author, incident_id, fields in [
        ("ann", incident, {"summary": "   "}),
        ("ann", 99, {"summary": "ok"}),
        ("nobody", incident, {"summary": "ok"}),
    ]:
        try:
            await submit_review(unit(engine), incident_id, author, fields, at("2026-03-02 11:00"))
        except (ReviewInvalid, ReviewRefused):
            pass
        else:
            raise AssertionError(f"accepted {author} {incident_id} {fields}")
    assert await counts(engine) == before


async def test_audit_and_events_read_back_by_time(engine: AsyncEngine) -> None:
    incident = await resolved_incident(engine)
    async with unit(engine) as uow:  # two entries of one instant keep the order written
        for action in ("b.second", "a.first"):
            await uow.audit.append(AuditEntry(at("2026-03-02 09:00"), "t", action, "s", {"n": 1}))
        await uow.commit()
    async with SqlUnitOfWork(session_factory(engine), write=False) as uow:
        window = await uow.audit.between(at("2026-03-02 09:00"), at("2026-03-02 09:01"))
        only = await uow.audit.between(at("2026-03-01 00:00"), at("2026-03-03"), ["a.first"])
        events = await uow.incidents.events_between(at("2026-03-02 10:00"), at("2026-03-02 10:30"))
        resolves = await uow.incidents.events_between(
            at("2026-03-02 00:00"), at("2026-03-03 00:00"), ["resolve"]
        )
    assert [e.action for e in window] == ["b.second", "a.first"]  # [start, end): 09:00 in
    assert window[0].detail == {"n": 1} and window[0].at == at("2026-03-02 09:00")
    assert [e.action for e in only] == ["a.first"]
    assert {e[0] for e in events} == {incident}
    assert "resolve" not in [e[2] for e in events]  # 10:30 is the end: not in the window
    assert [e[2] for e in events][:2] == ["routed", "open"]
    assert [(e[0], e[1], e[2], e[3]) for e in resolves] == [
        (incident, at("2026-03-02 10:30"), "resolve", "ann")
    ]
