"""The history use case on the in-memory unit of work: refusals, and a page in order."""

from __future__ import annotations

import pytest

from core.history.service import history
from core.incidents.ports import AlertBatch, NewAlert
from core.incidents.service import ingest
from core.oncall.listing import InvalidWindow
from core.oncall.targets import UnknownTarget
from tests.fakes import FakeUnitOfWork, Store
from tests.unit.oncall.common import DOC, at, config, revision

NOW = at("2026-12-01 00:00")
SERVICES = [{**DOC["services"][0], "match": {"service": "api"}}, *DOC["services"][1:]]


@pytest.fixture
def store() -> Store:
    return Store(revisions=[revision(config(services=SERVICES), "2026-03-01 00:00")])


async def test_refusals(store: Store) -> None:
    with pytest.raises(UnknownTarget, match="unknown person 'zed'"):
        await history(
            FakeUnitOfWork(store), at("2026-03-01 00:00"), at("2026-03-02"), "zed", now=NOW
        )
    with pytest.raises(InvalidWindow):
        await history(
            FakeUnitOfWork(store), at("2026-03-02 00:00"), at("2026-03-01 00:00"), now=NOW
        )


async def test_a_page_comes_after_the_shift_it_fell_in(store: Store) -> None:
    labels = {"service": "api", "severity": "critical"}
    batch = AlertBatch(
        "alertmanager", "g", "firing", "Errors", labels,
        alerts=(NewAlert("f", "firing", at("2026-03-02 09:59"), None, labels),),
    )  # fmt: skip
    await ingest(FakeUnitOfWork(store), batch, at("2026-03-02 10:00"))
    got = await history(
        FakeUnitOfWork(store), at("2026-03-02 00:00"), at("2026-03-02 12:00"), "ann", now=NOW
    )
    assert [(e.kind, e.at) for e in got] == [
        ("shift", at("2026-03-02 09:00")),
        ("page", at("2026-03-02 10:00")),
    ]


async def test_shifts_of_a_past_window_are_not_going_on_now(store: Store) -> None:
    # primary: ann Monday 2026-03-02 09:00 to Tuesday 09:00, bob Tuesday, ann Wednesday
    past = await history(
        FakeUnitOfWork(store), at("2026-03-02 12:00"), at("2026-03-03 12:00"), now=NOW
    )
    primary = [e for e in past if e.subject == "schedule:primary"]
    shifts = [(e.person, e.at, e.end, e.detail) for e in primary]
    assert shifts == [
        ("ann", at("2026-03-02 12:00"), at("2026-03-03 09:00"),
         "on call (layer:daily) began before 2026-03-02T12:00:00+00:00, "
         "until 2026-03-03T09:00:00+00:00"),
        ("bob", at("2026-03-03 09:00"), at("2026-03-03 12:00"),
         "on call (layer:daily) continues after 2026-03-03T12:00:00+00:00"),
    ]  # fmt: skip
    current = await history(
        FakeUnitOfWork(store),
        at("2026-03-02 12:00"),
        at("2026-03-03 12:00"),
        now=at("2026-03-03 12:00"),
    )
    now_primary = [e.detail for e in current if e.subject == "schedule:primary"]
    assert now_primary[-1] == "on call (layer:daily) until now"
