"""The incidents listing paged in the store (any status, any depth, on SQLite and PostgreSQL),
addresses from alerts linked only when they are http(s), and the buttons of each status.

The page size is made small (``PAGE_SIZE``, ``limit``) so a handful of incidents spans pages."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import aiohttp
import pytest

from tests.support import running_app
from tests.web_seed import SEEDED_AT, Seeded, seed

UNSAFE = "javascript:alert(1)"


async def _open(
    engine: Any,
    key: str,
    *,
    resolve: bool = False,
    annotations: dict[str, str] | None = None,
    links: dict[str, str] | None = None,
    generator: str | None = None,
) -> int:
    """A new incident on checkout-api through the core use case (resolved by anna if asked)."""
    from core.incidents.lifecycle import Resolve
    from core.incidents.ports import AlertBatch, NewAlert
    from core.incidents.service import act, ingest
    from storage.uow import SqlUnitOfWork, session_factory

    sessions = session_factory(engine)
    at = SEEDED_AT + timedelta(minutes=5)
    labels = {"service": "checkout-api", "severity": "critical", "alertname": key}
    notes = {"summary": f"{key} on checkout", **(annotations or {})}
    alert = NewAlert(f"fp-{key}", "firing", at, None, labels, notes, generator)
    batch = AlertBatch("alertmanager", key, "firing", key, labels, notes, (alert,), links or {})
    result = await ingest(SqlUnitOfWork(sessions), batch, at)
    assert result.incident_id is not None
    if resolve:
        await act(SqlUnitOfWork(sessions), result.incident_id, Resolve("anna"), "anna", at)
    return result.incident_id


async def _text(http: aiohttp.ClientSession, url: str) -> str:
    async with http.get(url) as response:
        assert response.status == 200, url
        return await response.text()


async def test_every_page_down_to_the_oldest(engine: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from web.incidents import pages

    seeded: Seeded = await seed(engine)
    extra = [await _open(engine, f"k{n}", resolve=n % 2 == 0) for n in range(5)]
    resolved = sorted([seeded.resolved, extra[0], extra[2], extra[4]], reverse=True)
    every = sorted([seeded.triggered, seeded.acknowledged, seeded.resolved, *extra], reverse=True)
    monkeypatch.setattr(pages, "PAGE_SIZE", 2)
    async with running_app(engine, seeded.clock) as base, aiohttp.ClientSession() as http:
        seen: list[int] = []
        url: str | None = f"{base}/incidents?all=1"
        while url is not None:
            html = await _text(http, url)
            seen += [int(i) for i in re.findall(r'<td><a href="/incidents/(\d+)">#', html)]
            more = re.search(r'rel="next" href="([^"]+)"', html)
            url = f"{base}{more.group(1).replace('&amp;', '&')}" if more else None
        assert seen == every
        assert "all=1&amp;before=" in await _text(http, f"{base}/incidents?all=1")
        old = await _text(http, f"{base}/incidents?all=1&before={seeded.acknowledged}")
        assert f'href="/incidents/{seeded.resolved}"' in old  # the oldest, from any depth

        got: list[int] = []
        before = ""
        while True:
            async with http.get(
                f"{base}/api/v1/incidents?status=resolved&limit=1{before}"
            ) as response:
                doc = await response.json()
            got += [i["id"] for i in doc["incidents"]]
            if doc["next_before"] is None:
                break
            before = f"&before={doc['next_before']}"
        assert got == resolved
        async with http.get(f"{base}/api/v1/incidents?status=resolved&before=1") as response:
            assert (await response.json()) == {"incidents": [], "next_before": None}


async def test_unsafe_addresses_are_text_not_links(sqlite_engine: Any) -> None:
    seeded = await seed(sqlite_engine)
    bad = await _open(
        sqlite_engine,
        "Unsafe",
        annotations={"runbook_url": UNSAFE, "dashboard": UNSAFE, "note": UNSAFE},
        links={"graph": UNSAFE, "source": "https://prom.example.com/graph?g0.expr=up"},
        generator=UNSAFE,
    )
    async with running_app(sqlite_engine, seeded.clock) as base, aiohttp.ClientSession() as http:
        html = await _text(http, f"{base}/incidents/{bad}")
        assert 'href="javascript' not in html.lower()
        assert html.count(UNSAFE) >= 4  # runbook, dashboard, graph, the annotation: as text
        assert '<a href="https://prom.example.com/graph?g0.expr=up"' in html
        seeded_page = await _text(http, f"{base}/incidents/{seeded.triggered}")
        assert '<a href="https://runbooks.example.com/payments/checkout-api"' in seeded_page


async def test_the_buttons_are_the_allowed_actions(sqlite_engine: Any) -> None:
    seeded = await seed(sqlite_engine)
    async with running_app(sqlite_engine, seeded.clock) as base, aiohttp.ClientSession() as http:
        for incident, buttons in (
            (seeded.triggered, ["acknowledge", "resolve"]),
            (seeded.acknowledged, ["resolve"]),
            (seeded.resolved, []),
        ):
            html = await _text(http, f"{base}/incidents/{incident}")
            shown = re.findall(rf'formaction="/incidents/{incident}/(\w+)"', html)
            assert shown == buttons, incident
            assert ("Acting as" in html) == bool(buttons)


@pytest.fixture
async def sqlite_engine(tmp_path: Any) -> Any:
    from storage.engine import create_engine

    eng = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'pages.db'}")
    try:
        yield eng
    finally:
        await eng.dispose()
