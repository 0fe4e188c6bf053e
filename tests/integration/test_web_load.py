"""The load page, ``GET /api/v1/report`` and ``GET /api/v1/load`` over real HTTP, on the
seeded database (tests/web_seed.py), on SQLite and PostgreSQL.

In the example configuration payments' weekly rotations hand over on Mondays at 09:00 Berlin
time. The week of Monday 2 February 2026 (00:00 to 00:00 the next Monday, Berlin) is lukas's
as primary from 09:00 (159 h) and anna's as secondary (159 h), after anna's primary (9 h) and
sofia's secondary (9 h) mornings of the week before: anna 168 h, lukas 159 h, sofia 9 h, dana
(a manager) 0 h. The seeded resolved incident (DiskFull, 28 February) paged lukas, the
primary then, and anna acknowledged it after 2 minutes and resolved it after 40.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cli_common import Viewer
from bot.cli_report import document
from core.metrics.report import response_report
from core.rest.grant import ACTOR as REST_ACTOR
from storage.uow import SqlUnitOfWork, session_factory
from tests.support import running_app
from tests.unit.oncall.common import at
from tests.web_seed import Seeded, seed

WEEK = "since=2026-02-02&until=2026-02-09"
MONTH = "since=2026-02-01&until=2026-03-02T12:00:00Z"


@pytest.fixture
async def app(engine: AsyncEngine) -> AsyncIterator[tuple[str, Seeded]]:
    seeded = await seed(engine)
    async with running_app(engine, seeded.clock) as url:
        yield url, seeded


async def get(url: str) -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, response.content_type, await response.text()


async def get_json(url: str) -> Any:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def test_the_report_has_the_resolved_incidents_figures_and_equals_the_cli_document(
    app: tuple[str, Seeded], engine: AsyncEngine
) -> None:
    url, seeded = app
    found = await get_json(f"{url}/api/v1/report?{MONTH}&team=payments")
    assert found["overall"]["incidents"] == 1
    assert found["overall"]["time_to_acknowledge"] == {"median": 120, "p90": 120}
    assert found["overall"]["time_to_resolve"] == {"median": 2400, "p90": 2400}
    (incident,) = found["incidents"]
    assert incident["id"] == seeded.resolved
    assert (incident["acknowledged_by"], incident["resolved_by"]) == ("anna", "anna")
    assert (incident["time_to_acknowledge"], incident["time_to_resolve"]) == (120, 2400)

    start = datetime(2026, 1, 31, 23, 0, tzinfo=UTC)  # 2026-02-01 in Berlin
    end = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    report = await response_report(
        SqlUnitOfWork(session_factory(engine), write=False), start, end, "payments"
    )
    assert found == document(report, Viewer(None))
    assert found["by_person"] and found["by_team"][0]["team"] == "payments"

    # tz: the same document with the times in that zone
    zoned = await get_json(f"{url}/api/v1/report?{MONTH}&team=payments&tz=America/New_York")
    assert zoned["since"] == "2026-02-01T00:00:00-05:00"  # dates read in the zone asked for
    everyone = await get_json(f"{url}/api/v1/report?{MONTH}")
    assert everyone["team"] is None and everyone["overall"]["incidents"] == 1


async def test_load_per_person_over_a_fixed_week_and_the_pages_of_the_seeded_incident(
    app: tuple[str, Seeded],
) -> None:
    url, _ = app
    week = await get_json(f"{url}/api/v1/load?team=payments&{WEEK}")
    assert (week["since"], week["until"]) == (
        "2026-02-01T23:00:00+00:00",
        "2026-02-08T23:00:00+00:00",
    )
    hours = {p["person"]: p["hours_on_call"] for p in week["people"]}
    assert hours == {"anna": 168.0, "lukas": 159.0, "sofia": 9.0, "dana": 0.0}
    assert all(p["pages"] == 0 for p in week["people"])  # nothing resolved that week

    month = await get_json(f"{url}/api/v1/load?team=payments&{MONTH}")
    people = {p["person"]: p for p in month["people"]}
    assert list(people) == ["anna", "lukas", "sofia", "dana"]  # the file's order
    assert people["anna"]["pages"] == 0  # she acknowledged, but lukas was paged
    assert people["lukas"]["pages"] == 1
    assert people["anna"]["teams"] == ["payments", "platform"]
    assert people["dana"] == {
        "person": "dana",
        "name": "Dana Fischer",
        "teams": ["payments", "platform"],
        "hours_on_call": 0.0,
        "pages": 0,
        "off_hours_minutes": 0,
        "rest_granted": {"count": 0, "minutes": 0},
    }
    report = await get_json(f"{url}/api/v1/report?team=payments&{MONTH}")
    for p in report["by_person"]:
        assert people[p["person"]]["pages"] == p["pages"]
        assert people[p["person"]]["hours_on_call"] == round(p["on_call_seconds"] / 3600, 2)
        assert people[p["person"]]["off_hours_minutes"] == p["off_hours_seconds"] // 60

    everyone = await get_json(f"{url}/api/v1/load?{WEEK}")
    assert len(everyone["people"]) == 12  # every configured person, zeros included


async def test_rest_granted_is_the_time_off_the_rest_rule_recorded_in_the_period(
    app: tuple[str, Seeded], engine: AsyncEngine
) -> None:
    url, _ = app
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        for person, by, start, end in [
            ("sofia", REST_ACTOR, "2026-02-03 10:00", "2026-02-03 18:00"),  # 480 min inside
            ("sofia", REST_ACTOR, "2026-02-08 20:00", "2026-02-09 04:00"),  # 180 min inside
            ("sofia", "sofia", "2026-02-05 00:00", "2026-02-06 00:00"),  # a holiday: not rest
        ]:
            await uow.schedules.add_time_off(
                person_id=person,
                start=at(start),
                end=at(end),
                created_at=at(start),
                created_by=by,
            )
        await uow.commit()
    week = await get_json(f"{url}/api/v1/load?team=payments&{WEEK}")
    rest = {p["person"]: p["rest_granted"] for p in week["people"]}
    assert rest["sofia"] == {"count": 2, "minutes": 480 + 180}
    assert rest["anna"] == {"count": 0, "minutes": 0}
    status, _, html = await get(f"{url}/load?team=payments&{WEEK}&tz=Europe/Berlin")
    assert status == 200 and "660 min" in html


async def test_the_page_shows_every_member_with_bars_and_the_numbers(
    app: tuple[str, Seeded],
) -> None:
    url, _ = app
    status, kind, html = await get(f"{url}/load?team=payments&{WEEK}&tz=Europe/Berlin")
    assert (status, kind) == (200, "text/html")
    for name in ("Anna Schmidt", "Lukas Weber", "Sofia Rossi", "Dana Fischer"):
        assert html.count(f'data-person="{name}"') == 4  # one bar in each of the four charts
    assert html.count('class="mean"') == 4
    for figure in ("Hours on call", "Pages received", "Off-hours minutes", "Rest granted"):
        assert figure in html
    assert "168.0 h" in html and "159.0 h" in html
    assert '<tr data-person="dana">' in html
    assert '<th scope="row">Mean</th><td></td><td>84.0</td>' in html  # (168+159+9+0)/4
    assert "Mon 02 Feb 2026 00:00" in html
    assert "style=" not in html  # the CSP forbids inline styles

    status, _, html = await get(f"{url}/load")  # the last 30 days, everyone
    assert status == 200 and "Olivia Chen" in html and "Marcus Reed" in html


BAD = [
    ("since=2026-03-02&until=2026-03-01", 400, "until must be after since"),
    ("since=2026-03-02&until=2026-03-02", 400, "until must be after since"),
    ("until=notadate", 400, "is not a date or time"),
    ("team=nope", 404, "unknown team"),
    ("tz=Bad/Zone", 400, "unknown time zone"),
    ("since=2025-01-01&until=2026-03-01", 400, "at most 366 days"),
    ("until=0001-01-01", 400, "between 1970 and 2200"),  # would overflow in Berlin
    ("since=9999-12-30T00:00-01:00&until=9999-12-31T23:59-01:00", 400, "between 1970 and 2200"),
    ("since=1969-12-31T00:00Z&until=1970-01-02T00:00Z", 400, "between 1970 and 2200"),
]


async def test_bad_inputs_answer_a_4xx_page_and_problem_and_change_nothing(
    app: tuple[str, Seeded],
) -> None:
    """One seeded database for the whole table (seeding costs seconds)."""
    url, _ = app
    before = await get_json(f"{url}/api/v1/report?{MONTH}")
    for query, status, words in BAD:
        for path in ("/api/v1/load", "/api/v1/report"):
            got, kind, body = await get(f"{url}{path}?{query}")
            assert (got, kind) == (status, "application/problem+json"), (query, body)
            assert words in body, query
        got, kind, body = await get(f"{url}/load?{query}")
        assert (got, kind) == (status, "text/html"), query
        assert words in body.replace("&#39;", "'") and 'role="alert"' in body, query
    for query in ("team=" + "x" * 65, "team=a%20b", "since=" + "2" * 41):
        got, kind, _ = await get(f"{url}/api/v1/load?{query}")
        assert (got, kind) == (400, "application/problem+json"), query
    assert await get_json(f"{url}/api/v1/report?{MONTH}") == before
    # exactly 366 days is allowed
    found = await get_json(f"{url}/api/v1/load?since=2025-03-01T00:00Z&until=2026-03-02T00:00Z")
    assert found["since"] == "2025-03-01T00:00:00+00:00"


@pytest.fixture
async def sqlite_app(tmp_path: Path) -> AsyncIterator[str]:
    from storage.engine import create_engine

    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'load.db'}")
    try:
        seeded = await seed(engine)
        async with running_app(engine, seeded.clock) as url:
            yield url
    finally:
        await engine.dispose()


async def test_the_load_page_in_a_browser(sqlite_app: str, page: Any, tmp_path: Path) -> None:
    await page.goto(f"{sqlite_app}/load?team=payments&{MONTH}")
    assert await page.locator("h1").inner_text() == "Load: Payments"
    assert await page.locator("svg.bars").count() == 4
    bars = page.locator("svg.bars").first.locator("g.load-bar rect")
    assert await bars.count() == 4
    widths = [float(await bars.nth(i).get_attribute("width") or "0") for i in range(4)]
    assert widths[0] > 0 and widths[3] == 0  # anna carries hours; dana, a manager, none
    rows = page.locator("table.load tbody tr")
    assert await rows.count() == 4
    assert "Lukas Weber" in await rows.nth(1).inner_text()
    box = await page.locator("svg.bars").first.bounding_box()
    assert box is not None and box["width"] > 600  # the chart is drawn at the page's width
    await page.screenshot(path=tmp_path / "load.png", full_page=True)
    assert (tmp_path / "load.png").stat().st_size > 0
