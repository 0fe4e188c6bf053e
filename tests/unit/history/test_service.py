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

SERVICES = [{**DOC["services"][0], "match": {"service": "api"}}, *DOC["services"][1:]]


@pytest.fixture
def store() -> Store:
    return Store(revisions=[revision(config(services=SERVICES), "2026-03-01 00:00")])


async def test_refusals(store: Store) -> None:
    with pytest.raises(UnknownTarget, match="unknown person 'zed'"):
        await history(FakeUnitOfWork(store), at("2026-03-01 00:00"), at("2026-03-02"), "zed")
    with pytest.raises(InvalidWindow):
        await history(FakeUnitOfWork(store), at("2026-03-02 00:00"), at("2026-03-01 00:00"))


async def test_a_page_comes_after_the_shift_it_fell_in(store: Store) -> None:
    labels = {"service": "api", "severity": "critical"}
    batch = AlertBatch(
        "alertmanager", "g", "firing", "Errors", labels,
        alerts=(NewAlert("f", "firing", at("2026-03-02 09:59"), None, labels),),
    )  # fmt: skip
    await ingest(FakeUnitOfWork(store), batch, at("2026-03-02 10:00"))
    got = await history(
        FakeUnitOfWork(store), at("2026-03-02 00:00"), at("2026-03-02 12:00"), "ann"
    )
    assert [(e.kind, e.at) for e in got] == [
        ("shift", at("2026-03-02 09:00")),
        ("page", at("2026-03-02 10:00")),
    ]
