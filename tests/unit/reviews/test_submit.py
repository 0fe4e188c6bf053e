"""Offering the review on resolve and storing submissions, on the in-memory unit of work.

Incident 1 of service ``api`` (team ops, critical: pages and keeps a ticket) opens at T0 and
pages ann (primary's holder on Monday 2026-03-02 from 09:00).
"""

from __future__ import annotations

from typing import Any

import pytest

from core.incidents.lifecycle import Acknowledge, Reassign, Resolve, Snooze
from core.incidents.ports import AlertBatch, NewAlert
from core.incidents.service import act, fire_due, ingest
from core.reviews.form import ReviewInvalid
from core.reviews.service import ReviewRefused, submit_review
from tests.fakes import FakeUnitOfWork, Store
from tests.unit.oncall.common import DOC, at, config, revision

T0 = at("2026-03-02 10:00")
LATER = at("2026-03-02 11:00")
SERVICES = [{**DOC["services"][0], "match": {"service": "api"}}, *DOC["services"][1:]]
PEOPLE = [
    {"id": "ann", "slack": "U0ANN", "email": "ann@example.com"},
    {"id": "bob"},
    {"id": "cat"},
    {"id": "dan", "teams": "29:dan"},
]
CONFIG = config(services=SERVICES, people=PEOPLE)
GOOD = {"summary": "Disk full", "cause": "no rotation", "follow_ups": "- rotate\n- alert"}


def unit(store: Store) -> FakeUnitOfWork:
    return FakeUnitOfWork(store)


async def opened(store: Store, severity: str = "critical") -> int:
    labels = {"service": "api", "severity": severity}
    batch = AlertBatch(
        "alertmanager",
        "g1",
        "firing",
        "Disk full",
        labels,
        alerts=(NewAlert("fp", "firing", T0, None, labels),),
    )
    result = await ingest(unit(store), batch, T0)
    assert result.incident_id is not None
    return result.incident_id


@pytest.fixture
def store() -> Store:
    return Store(revisions=[revision(CONFIG, "2026-03-01 00:00")])


def offers(store: Store) -> list[Any]:
    return [r for r in store.outbox.values() if r.kind == "review.offer"]


async def test_resolve_offers_the_review_to_who_acknowledged(store: Store) -> None:
    incident = await opened(store)
    await act(unit(store), incident, Acknowledge("bob"), "bob", T0)
    assert offers(store) == []
    await act(unit(store), incident, Resolve("alertmanager"), "alertmanager", LATER)
    (offer,) = offers(store)
    assert offer.destination == "chat" and offer.incident_id == incident
    assert offer.payload["person"] == "bob"
    assert offer.payload["incident"]["id"] == incident
    assert offer.payload["incident"]["status"] == "resolved"


async def test_paged_but_never_answered_nobody_is_offered(store: Store) -> None:
    # ann was paged (and is the assignee), nobody acknowledged, the alert resolved itself: a
    # flapping alert must not DM whoever was paged
    incident = await opened(store)
    await act(unit(store), incident, Resolve("alertmanager"), "alertmanager", LATER)
    assert offers(store) == []


async def test_reassigned_but_never_answered_nobody_is_offered(store: Store) -> None:
    incident = await opened(store)
    await act(unit(store), incident, Reassign("ann", "cat"), "ann", T0)  # cat paged, silent
    await act(unit(store), incident, Resolve("alertmanager"), "alertmanager", LATER)
    assert offers(store) == []


async def test_resolved_by_a_person_unacknowledged_they_are_offered(store: Store) -> None:
    incident = await opened(store)  # ann paged
    await act(unit(store), incident, Resolve("bob"), "bob", LATER)
    (offer,) = offers(store)
    assert offer.payload["person"] == "bob"  # who resolved it, not ann who was paged


async def test_acknowledged_then_resolved_by_the_source_the_acknowledger_is_offered(
    store: Store,
) -> None:
    incident = await opened(store)
    await act(unit(store), incident, Acknowledge("ann"), "ann", T0)
    await act(unit(store), incident, Resolve("alertmanager"), "alertmanager", LATER)
    (offer,) = offers(store)
    assert offer.payload["person"] == "ann"  # never "alertmanager"
    assert (offer.payload["slack"], offer.payload["email"]) == ("U0ANN", "ann@example.com")


async def test_acknowledged_snoozed_and_triggered_again_is_still_answered(store: Store) -> None:
    incident = await opened(store)
    await act(unit(store), incident, Acknowledge("dan"), "dan", T0)
    await act(unit(store), incident, Snooze("dan", at("2026-03-02 10:10")), "dan", T0)
    await fire_due(unit(store), at("2026-03-02 10:10"), worker="w")  # triggered again
    await act(unit(store), incident, Resolve("alertmanager"), "alertmanager", LATER)
    (offer,) = offers(store)
    assert offer.payload["person"] == "dan"


async def test_nobody_paged_nobody_offered(store: Store) -> None:
    incident = await opened(store, severity="info")  # notifies nobody, pages nobody
    await act(unit(store), incident, Resolve("alertmanager"), "alertmanager", LATER)
    assert offers(store) == []


async def test_a_review_is_stored_audited_and_sent_to_the_ticket(store: Store) -> None:
    incident = await opened(store)
    await act(unit(store), incident, Resolve("ann"), "ann", LATER)
    outcome = await submit_review(unit(store), incident, "ann", GOOD, at("2026-03-02 12:00"))
    assert not outcome.replaced
    review = store.reviews[incident]
    assert (review.summary, review.cause, review.follow_ups) == (
        "Disk full",
        "no rotation",
        ("rotate", "alert"),
    )
    assert (review.author, review.revision) == ("ann", 1)
    assert store.audit[-1].action == "review.submit"
    assert store.audit[-1].subject == f"incident:{incident}"
    (ticket,) = [r for r in store.outbox.values() if r.kind == "review"]
    assert ticket.destination == "ticket" and ticket.incident_id == incident
    assert ticket.payload["review"] == {
        "summary": "Disk full",
        "cause": "no rotation",
        "follow_ups": ["rotate", "alert"],
        "author": "ann",
    }
    assert ticket.payload["incident"]["id"] == incident


async def test_a_second_submission_replaces_the_first_and_is_audited(store: Store) -> None:
    incident = await opened(store)
    await act(unit(store), incident, Resolve("ann"), "ann", LATER)
    await submit_review(unit(store), incident, "ann", GOOD, at("2026-03-02 12:00"))
    second = {"summary": "Disk full on ledger", "follow_ups": ""}
    outcome = await submit_review(unit(store), incident, "bob", second, at("2026-03-02 13:00"))
    assert outcome.replaced
    review = store.reviews[incident]
    assert (review.summary, review.cause, review.follow_ups) == ("Disk full on ledger", None, ())
    assert (review.author, review.revision) == ("bob", 2)
    assert (review.created_at, review.updated_at) == (
        at("2026-03-02 12:00"),
        at("2026-03-02 13:00"),
    )
    assert [e.action for e in store.audit[-2:]] == ["review.submit", "review.replace"]
    assert store.audit[-1].detail["replaced_author"] == "ann"
    tickets = [r for r in store.outbox.values() if r.kind == "review"]
    assert [t.payload["review"]["author"] for t in tickets] == ["ann", "bob"]


async def test_severity_without_tickets_writes_no_ticket_comment(store: Store) -> None:
    incident = await opened(store, severity="info")
    await act(unit(store), incident, Resolve("ann"), "ann", LATER)
    await submit_review(unit(store), incident, "ann", GOOD, LATER)
    assert incident in store.reviews
    assert not [r for r in store.outbox.values() if r.kind == "review"]


@pytest.mark.parametrize(
    ("author", "resolve", "incident_id", "fields", "error"),
    [
        ("ann", False, None, GOOD, "is not resolved yet"),
        ("ann", True, 99, GOOD, "There is no incident 99"),
        ("zed", True, None, GOOD, "not a person in the on-call configuration"),
        ("cat", True, None, GOOD, "Only the incident's team"),  # web, not ops, took no part
        ("ann", True, None, {"summary": ""}, "summary"),
        ("ann", True, None, {"summary": "ok", "cause": "x" * 4000}, "cause"),
    ],
)
async def test_refused_submissions_store_nothing(
    store: Store,
    author: str,
    resolve: bool,
    incident_id: int | None,
    fields: dict[str, object],
    error: str,
) -> None:
    incident = await opened(store)
    if resolve:
        await act(unit(store), incident, Resolve("ann"), "ann", LATER)
    before = (dict(store.reviews), list(store.audit), dict(store.outbox))
    with pytest.raises((ReviewRefused, ReviewInvalid)) as caught:
        await submit_review(unit(store), incident_id or incident, author, fields, LATER)
    assert error in str(caught.value)
    assert (dict(store.reviews), list(store.audit), dict(store.outbox)) == before


async def test_a_team_member_who_took_no_part_may_review(store: Store) -> None:
    incident = await opened(store)
    await act(unit(store), incident, Resolve("ann"), "ann", LATER)
    outcome = await submit_review(unit(store), incident, "bob", GOOD, LATER)  # primary's member
    assert outcome.review.author == "bob"
