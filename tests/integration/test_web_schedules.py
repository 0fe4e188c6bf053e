"""The schedules pages and API over real HTTP, on a seeded database (SQLite and PostgreSQL).

After :func:`tests.web_seed.seed`, an override (lukas, 4 March 12:00-18:00 UTC) and a time off
(anna, 10 March 00:00 to 11 March 00:00 UTC) are added through the core use cases, and time
off for both members of platform-secondary (20 March 00:00-06:00 UTC), which leaves a gap. In the
example configuration payments-primary hands over on Mondays at 09:00 Berlin time: sofia holds
2 to 9 March, anna 9 to 16 March, lukas 16 to 23 March (turns 8, 9, 10 of anna, lukas, sofia).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from core.oncall.actions import add_override, add_time_off
from core.oncall.listing import schedule_listing
from core.oncall.targets import Target
from storage.uow import SqlUnitOfWork, session_factory
from tests.support import running_app
from tests.web_seed import SEEDED_AT, seed

OVERRIDE = (datetime(2026, 3, 4, 12, tzinfo=UTC), datetime(2026, 3, 4, 18, tzinfo=UTC))
TIME_OFF = (datetime(2026, 3, 10, tzinfo=UTC), datetime(2026, 3, 11, tzinfo=UTC))
GAP = (datetime(2026, 3, 20, tzinfo=UTC), datetime(2026, 3, 20, 6, tzinfo=UTC))
SHIFTS = "/api/v1/schedules/payments-primary/shifts"


@dataclass
class Site:
    base: str
    engine: Any
    http: aiohttp.ClientSession

    async def get(self, path: str, **params: str) -> tuple[int, str, Any]:
        async with self.http.get(self.base + path, params=params) as r:
            text = await r.text()
            body = await r.json(content_type=None) if "json" in r.content_type else None
            return r.status, r.content_type, body if body is not None else text


async def _prepare(engine: Any) -> Any:
    seeded = await seed(engine)
    sessions = session_factory(engine)
    now = seeded.clock.now()
    await add_override(
        SqlUnitOfWork(sessions),
        schedule_id="payments-primary",
        person_id="lukas",
        start=OVERRIDE[0],
        end=OVERRIDE[1],
        actor="test",
        now=now,
    )
    await add_time_off(
        SqlUnitOfWork(sessions),
        person_id="anna",
        start=TIME_OFF[0],
        end=TIME_OFF[1],
        actor="test",
        now=now,
    )
    for person in ("marcus", "dana"):  # both managers away: a gap in platform-secondary
        await add_time_off(
            SqlUnitOfWork(sessions),
            person_id=person,
            start=GAP[0],
            end=GAP[1],
            actor="test",
            now=now,
        )
    return seeded


@pytest.fixture
async def site(engine: Any) -> AsyncIterator[Site]:
    seeded = await _prepare(engine)
    jar = aiohttp.CookieJar(unsafe=True)  # keep cookies of 127.0.0.1 (the tz cookie)
    async with (
        running_app(engine, seeded.clock) as base,
        aiohttp.ClientSession(cookie_jar=jar) as http,
    ):
        yield Site(base, engine, http)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _who(doc: dict[str, Any], at: datetime) -> tuple[str, str]:
    for s in doc["shifts"]:
        if _at(s["from"]) <= at < _at(s["to"]):
            return s["person"], s["source"]
    raise AssertionError(f"nobody at {at}")


async def test_every_schedule_with_who_is_on_call_now_api_and_page(site: Site) -> None:
    status, _, doc = await site.get("/api/v1/schedules")
    assert status == 200
    by_id = {s["id"]: s for s in doc["schedules"]}
    assert list(by_id)[:2] == ["payments-primary", "payments-secondary"]
    primary = by_id["payments-primary"]
    assert primary["timezone"] == "Europe/Berlin" and primary["team"] == "payments"
    assert primary["layers"] == [{"id": "weekly", "name": "weekly"}]
    assert primary["on_call"]["person"] == "sofia"
    assert _at(primary["on_call"]["until"]) == datetime(2026, 3, 4, 12, tzinfo=UTC)
    assert primary["next"]["person"] == "lukas" and primary["next"]["source"] == "override"
    assert [la["id"] for la in by_id["identity-primary"]["layers"]] == ["weekly", "weekends"]
    status, _, doc = await site.get("/api/v1/schedules", tz="America/Chicago")
    assert doc["schedules"][0]["on_call"]["since"] == "2026-03-02T02:00:00-06:00"
    status, _, html = await site.get("/schedules")
    assert status == 200
    for sid in ("payments-primary", "platform-follow-the-sun", "identity-primary"):
        assert f'href="/schedules/{sid}"' in html
    row = html.split('href="/schedules/payments-primary"', 1)[1].split("</tr>", 1)[0]
    assert "Sofia Rossi" in row and "Wed 04 Mar 13:00" in row and "Lukas Weber" in row


async def test_api_shifts_have_the_override_the_cover_the_layers_and_the_time_off(
    site: Site,
) -> None:
    status, _, doc = await site.get(SHIFTS, **{"from": "2026-03-02", "to": "2026-03-16"})
    assert status == 200
    assert doc["schedule"] == "payments-primary"
    # dates are read in the schedule's zone (Berlin, UTC+1 in March before the 29th)
    assert (doc["from"], doc["to"]) == ("2026-03-01T23:00:00Z", "2026-03-15T23:00:00Z")
    assert _who(doc, datetime(2026, 3, 3, 12, tzinfo=UTC)) == ("sofia", "layer:weekly")
    assert _who(doc, datetime(2026, 3, 4, 15, tzinfo=UTC)) == ("lukas", "override")
    assert _who(doc, datetime(2026, 3, 9, 12, tzinfo=UTC)) == ("anna", "layer:weekly")
    assert _who(doc, datetime(2026, 3, 10, 12, tzinfo=UTC)) == ("lukas", "cover")
    assert _who(doc, datetime(2026, 3, 12, 12, tzinfo=UTC)) == ("anna", "layer:weekly")
    assert doc["gaps"] == []
    [layer] = doc["layers"]
    assert layer["layer"] == "weekly"
    # the layer knows nothing of the override: sofia holds her whole turn there
    assert {
        "person": "sofia",
        "from": "2026-03-02T08:00:00Z",
        "to": "2026-03-09T08:00:00Z",
        "source": "layer:weekly",
    } in layer["shifts"]
    assert {
        "person": "lukas",
        "from": "2026-03-10T00:00:00Z",
        "to": "2026-03-11T00:00:00Z",
        "source": "cover",
    } in layer["shifts"]
    assert doc["time_off"] == [
        {"person": "anna", "from": "2026-03-10T00:00:00Z", "to": "2026-03-11T00:00:00Z"}
    ]


async def test_api_final_shifts_are_the_listing_of_the_core(site: Site) -> None:
    lo, hi = "2026-03-02T00:00:00+00:00", "2026-03-30T00:00:00+00:00"
    _, _, doc = await site.get(SHIFTS, **{"from": lo, "to": hi})
    listing = await schedule_listing(
        SqlUnitOfWork(session_factory(site.engine), write=False),
        Target("schedule", "payments-primary"),
        _at(lo),
        _at(hi),
    )
    [one] = listing.schedules
    assert [(s["person"], _at(s["from"]), _at(s["to"]), s["source"]) for s in doc["shifts"]] == [
        (s.person.id, s.start, s.end, s.source) for s in one.shifts
    ]
    assert [(_at(g["from"]), _at(g["to"])) for g in doc["gaps"]] == [
        (g.start, g.end) for g in one.gaps
    ]


async def test_api_shifts_default_window_zone_and_two_layers(site: Site) -> None:
    _, _, doc = await site.get(SHIFTS)
    now = SEEDED_AT.replace(hour=10)
    assert _at(doc["from"]) == now and (_at(doc["to"]) - now).days == 14
    _, _, doc = await site.get(SHIFTS, tz="America/Chicago", **{"from": "2026-03-09"})
    assert (
        doc["from"] == "2026-03-09T00:00:00-05:00"
    )  # read in Chicago, which went to CDT on the 8th
    assert doc["shifts"][0]["to"] == "2026-03-09T03:00:00-05:00"  # 09:00 Berlin
    _, _, doc = await site.get(
        "/api/v1/schedules/identity-primary/shifts", **{"from": "2026-03-06", "to": "2026-03-09"}
    )
    assert {s["source"] for s in doc["shifts"]} == {"layer:weekly", "layer:weekends"}
    assert [la["layer"] for la in doc["layers"]] == ["weekly", "weekends"]


BAD_API = [
    ({"from": "tomorrow"}, "from 'tomorrow' is not a date or time"),
    ({"to": "2026-13-01"}, "is not a date or time"),
    ({"from": "2026-03-10", "to": "2026-03-09"}, "'to' must be after 'from'"),
    ({"from": "2026-03-10", "to": "2026-03-10"}, "'to' must be after 'from'"),
    ({"from": "2026-03-01", "to": "2026-05-03"}, "62 days long at most"),
    ({"from": "2046-03-01"}, "within ten years"),
    ({"from": "0001-01-01T00:00+05:00"}, "out of range"),
    ({"tz": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
    ({"from": "x" * 41}, "from:"),
]


async def test_a_gap_in_the_api_and_on_the_page(site: Site) -> None:
    path = "/schedules/platform-secondary"
    _, _, doc = await site.get(
        f"/api/v1{path}/shifts", **{"from": "2026-03-16", "to": "2026-03-23"}
    )
    assert doc["gaps"] == [{"from": "2026-03-20T00:00:00Z", "to": "2026-03-20T06:00:00Z"}]
    assert [t["person"] for t in doc["time_off"]] == ["dana", "marcus"]
    status, _, html = await site.get(path, **{"from": "2026-03-16", "days": "7", "tz": "UTC"})
    assert status == 200 and '<g class="bar gap">' in html
    assert re.search(r'class="bad">nobody</td>\s*<td>Fri 20 Mar 00:00</td>', _table(html))
    assert "Time off: Dana Fischer" in html and "Time off: Marcus Reed" in html


async def test_api_bad_inputs_are_400_and_unknown_schedules_404(site: Site) -> None:
    for params, detail in BAD_API:
        status, content_type, doc = await site.get(SHIFTS, **params)
        assert (status, content_type) == (400, "application/problem+json"), (params, doc)
        assert detail in doc["detail"], (params, doc)
    status, content_type, doc = await site.get("/api/v1/schedules/nope/shifts")
    assert (status, content_type) == (404, "application/problem+json")
    assert doc["detail"] == "unknown schedule 'nope'"
    status, _, doc = await site.get("/api/v1/schedules/bad%20id/shifts")
    assert status == 400
    status, _, _ = await site.get("/api/v1/schedules", tz="Nowhere/Land")
    assert status == 400


def _table(html: str) -> str:
    return html.split('id="final-shifts"', 1)[1].split("</table>", 1)[0]


async def test_page_shows_layers_final_override_and_time_off(site: Site) -> None:
    status, _, html = await site.get("/schedules/payments-primary", **{"from": "2026-03-02"})
    assert status == 200
    assert "Layer weekly" in html and "Final schedule" in html
    assert '<g class="bar override">' in html and "Lukas Weber (override)" in html
    assert '<g class="bar cover">' in html
    assert '<g class="bar timeoff">' in html and "Time off: Anna Schmidt" in html
    table = _table(html)
    # Berlin by default (the schedule's zone): the override from 13:00 to 19:00 local
    assert re.search(r"Lukas Weber</td>\s*<td>Wed 04 Mar 13:00</td>\s*<td>Wed 04 Mar 19:00", table)
    assert 'badge override">override' in table
    assert "Times in Europe/Berlin" in html


async def test_page_times_in_the_chosen_zone_are_remembered(site: Site) -> None:
    query = {"from": "2026-03-02", "tz": "America/Chicago"}
    async with site.http.get(site.base + "/schedules/payments-primary", params=query) as r:
        assert r.status == 200
        html = await r.text()
        assert r.cookies["oncall_tz"].value == "America/Chicago"
    # 08:00 UTC hand-over = 02:00 in Chicago (CST, UTC-6, before 8 March)
    assert re.search(r"Sofia Rossi</td>\s*<td>Mon 02 Mar 02:00</td>", _table(html))
    assert "Wed 04 Mar 06:00" in _table(html)  # the override's start, 12:00 UTC
    status, _, html = await site.get("/schedules/payments-primary", **{"from": "2026-03-02"})
    assert status == 200 and "Times in America/Chicago" in html
    assert "Wed 04 Mar 06:00" in _table(html)
    # the period links keep days and tz, the picker keeps from and days
    assert 'name="from" value="2026-03-02"' in html and 'name="days" value="14"' in html
    status, _, html = await site.get("/schedules/payments-primary", **query, days="7")
    assert 'href="?days=7&amp;from=2026-03-09&amp;tz=America%2FChicago" rel="next"' in html
    assert 'href="?days=7&amp;from=2026-02-23&amp;tz=America%2FChicago" rel="prev"' in html


async def test_page_over_the_berlin_dst_change(site: Site) -> None:
    status, _, html = await site.get(
        "/schedules/payments-primary", **{"from": "2026-03-23", "tz": "Europe/Berlin"}
    )
    assert status == 200
    table = _table(html)
    # 09:00 Berlin on both sides of 29 March: 08:00 UTC before, 07:00 UTC after
    assert re.search(r"<td>Mon 23 Mar 09:00</td>\s*<td>Mon 30 Mar 09:00</td>", table)
    assert re.search(r"<td>Mon 30 Mar 09:00</td>\s*<td>Mon 06 Apr 00:00</td>", table)
    assert "Sun 29" in html  # the day tick of the short day
    status, _, html = await site.get(
        "/schedules/payments-primary", **{"from": "2026-03-23", "tz": "UTC"}
    )
    assert re.search(r"<td>Mon 30 Mar 07:00</td>", _table(html))


BAD_PAGE = [
    ({"from": "2026-02-30"}, "is not a date"),
    ({"days": "0"}, "days must be a whole number from 1 to 31"),
    ({"days": "32"}, "days must be a whole number from 1 to 31"),
    ({"days": "two"}, "days must be a whole number from 1 to 31"),
    ({"days": "\u00b2"}, "days must be a whole number from 1 to 31"),  # '²'.isdigit(), not int
    ({"days": "9" * 5000}, "days must be a whole number from 1 to 31"),  # int() refuses > 4300
    ({"days": ""}, "days must be a whole number from 1 to 31"),
    ({"tz": "Mars/Olympus"}, "unknown time zone"),
    ({"from": "1900-01-01"}, "within ten years"),
    ({"from": "9999-12-31"}, "out of range"),
]


async def test_page_bad_inputs_are_400_and_unknown_schedules_404(site: Site) -> None:
    for query, message in BAD_PAGE:
        status, content_type, html = await site.get("/schedules/payments-primary", **query)
        assert (status, content_type) == (400, "text/html"), query
        assert message in html.replace("&#39;", "'"), query
    for sid in ("nope", "%3Cscript%3E"):
        async with site.http.get(site.base + "/schedules/" + sid) as r:
            assert (r.status, r.content_type) == (404, "text/html")
            assert "<script>" not in await r.text()
    status, _, _ = await site.get("/schedules", tz="Mars/Olympus")
    assert status == 400


async def test_browser_shows_the_schedule_and_changes_zone(page: Any, tmp_path: Path) -> None:
    from storage.engine import create_engine

    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'browser.db'}")
    try:
        seeded = await _prepare(engine)
        async with running_app(engine, seeded.clock) as base:
            await page.goto(f"{base}/schedules/payments-primary?from=2026-03-02")
            assert await page.locator("svg.timeline text", has_text="Layer weekly").is_visible()
            assert await page.locator("svg.timeline text", has_text="Final schedule").is_visible()
            assert await page.locator("g.bar.override rect").first.is_visible()
            assert await page.locator("g.bar.timeoff rect").first.is_visible()
            table = page.locator("#final-shifts")
            assert "Wed 04 Mar 13:00" in await table.inner_text()  # Berlin
            await page.fill("#tz", "America/Chicago")
            await page.click("form.tz button")
            await page.wait_for_url("**tz=America%2FChicago**")
            text = await table.inner_text()
            assert "Wed 04 Mar 06:00" in text and "Wed 04 Mar 13:00" not in text
            assert "from=2026-03-02" in page.url
            await page.screenshot(path=tmp_path / "schedule.png", full_page=True)
    finally:
        await engine.dispose()
