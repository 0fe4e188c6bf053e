"""The dashboard's incidents over real HTTP on the seeded database (SQLite and PostgreSQL):
the API's listing and documents, acknowledge and resolve through the API and the page forms,
the pages' facts, hostile alert text shown as text, and every bad input refused with nothing
changed. One browser test (SQLite) presses Acknowledge on the triggered incident's page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.support import running_app
from tests.web_seed import HOSTILE, Seeded, seed

JSON = {"Content-Type": "application/json"}


async def _stored(engine: Any, incident_id: int) -> tuple[Any, list[str], Any]:
    """The incident's record, its outbox message kinds and its ticket, read from storage."""
    from storage.uow import SqlUnitOfWork, session_factory

    async with SqlUnitOfWork(session_factory(engine), write=False) as uow:
        record = await uow.incidents.get(incident_id)
        kinds = [m.kind for m in await uow.outbox.for_incident(incident_id)]
        ticket = await uow.tickets.for_incident(incident_id)
    return record, kinds, ticket


def _session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def _json(http: aiohttp.ClientSession, url: str, status: int = 200) -> Any:
    async with http.get(url) as response:
        assert response.status == status, await response.text()
        return await response.json(content_type=None)


async def test_listing_and_documents(engine: Any) -> None:
    seeded: Seeded = await seed(engine)
    async with running_app(engine, seeded.clock) as base, _session() as http:
        open_doc = await _json(http, f"{base}/api/v1/incidents")
        assert [i["id"] for i in open_doc["incidents"]] == [seeded.triggered, seeded.acknowledged]
        triggered = open_doc["incidents"][0]
        _, _, ticket = await _stored(engine, seeded.triggered)
        expected_ticket = (
            None
            if ticket is None
            else {
                "system": ticket.system,
                "key": ticket.key,
                "url": ticket.url,
                "status": ticket.status,
            }
        )
        assert triggered == {
            "id": seeded.triggered,
            "title": "HighErrors",
            "service": "checkout-api",
            "severity": "critical",
            "status": "triggered",
            "alerts": 1,
            "assignee": triggered["assignee"],
            "tier": 1,
            "opened_at": "2026-03-02T09:00:00Z",
            "acknowledged_at": None,
            "resolved_at": None,
            "team": "payments",
            "ticket": expected_ticket,
        }
        all_doc = await _json(http, f"{base}/api/v1/incidents?status=all&tz=Europe/Berlin")
        assert [i["id"] for i in all_doc["incidents"]] == [
            seeded.triggered,
            seeded.acknowledged,
            seeded.resolved,
        ]
        resolved = all_doc["incidents"][2]
        assert resolved["status"] == "resolved"
        assert resolved["opened_at"] == "2026-02-28T10:00:00+01:00"
        assert resolved["acknowledged_at"] == "2026-02-28T10:02:00+01:00"
        assert resolved["resolved_at"] == "2026-02-28T10:40:00+01:00"
        only = await _json(http, f"{base}/api/v1/incidents?status=acknowledged")
        assert [i["id"] for i in only["incidents"]] == [seeded.acknowledged]
        first = await _json(http, f"{base}/api/v1/incidents?status=all&limit=2")
        assert first["next_before"] == seeded.acknowledged
        rest = await _json(
            http, f"{base}/api/v1/incidents?status=all&limit=2&before={seeded.acknowledged}"
        )
        assert [i["id"] for i in rest["incidents"]] == [seeded.resolved]
        assert rest["next_before"] is None

        doc = await _json(http, f"{base}/api/v1/incidents/{seeded.resolved}")
        assert doc["incident"]["labels"]["alertname"] == "DiskFull"
        assert doc["incident"]["annotations"]["summary"] == "DiskFull on checkout"
        assert doc["metrics"] == {
            "opened_at": "2026-02-28T09:00:00Z",
            "acknowledged_at": "2026-02-28T09:02:00Z",
            "resolved_at": "2026-02-28T09:40:00Z",
            "time_to_acknowledge": 120,
            "time_to_resolve": 2400,
            "acknowledged_by": "anna",
            "resolved_by": "anna",
            "escalations": 0,
            "responder": "anna",
            "off_hours": doc["metrics"]["off_hours"],
        }
        assert doc["review"] is None
        texts = [e["text"] for e in doc["timeline"]]
        assert "acknowledged by Anna Schmidt" in texts and "resolved by Anna Schmidt" in texts
        hostile = await _json(http, f"{base}/api/v1/incidents/{seeded.triggered}")
        assert hostile["incident"]["labels"]["pod"] == HOSTILE
        assert hostile["metrics"] is None

        for bad in ("abc", "0", "99999999999999999999", "-1"):
            async with http.get(f"{base}/api/v1/incidents/{bad}") as response:
                assert response.status == 400
                assert response.content_type == "application/problem+json"
        await _json(http, f"{base}/api/v1/incidents/424242", 404)
        await _json(http, f"{base}/api/v1/incidents?tz=Mars/Base", 400)
        await _json(http, f"{base}/api/v1/incidents?limit=0", 400)
        await _json(http, f"{base}/api/v1/incidents?limit=201", 400)
        await _json(http, f"{base}/api/v1/incidents?status=closed", 400)


async def test_acknowledge_then_resolve_through_the_api(engine: Any) -> None:
    seeded = await seed(engine)
    target = seeded.triggered
    async with running_app(engine, seeded.clock) as base, _session() as http:
        url = f"{base}/api/v1/incidents/{target}"
        async with http.post(f"{url}/acknowledge", data="as=lukas") as response:
            assert response.status == 415
        async with http.post(f"{url}/acknowledge", data="{", headers=JSON) as response:
            assert response.status == 400
        async with http.post(f"{url}/acknowledge", json={"who": "lukas"}) as response:
            assert response.status == 400
        async with http.post(f"{url}/acknowledge", json={"as": "nobody"}) as response:
            assert response.status == 400
            assert "nobody" in (await response.json(content_type=None))["detail"]
        async with http.post(
            f"{base}/api/v1/incidents/424242/acknowledge", json={"as": "lukas"}
        ) as response:
            assert response.status == 404
        record, kinds_before, _ = await _stored(engine, target)
        assert record.state.status == "triggered"

        async with http.post(
            f"{url}/acknowledge?tz=Europe/Berlin", json={"as": "lukas"}
        ) as response:
            assert response.status == 200, await response.text()
            doc = await response.json()
        assert doc["incident"]["status"] == "acknowledged"
        assert doc["incident"]["acknowledged_at"] == "2026-03-02T11:00:00+01:00"
        assert doc["timeline"][-1]["text"] == "acknowledged by Lukas Weber"
        record, kinds, _ = await _stored(engine, target)
        assert record.state.acknowledged_by == "lukas"
        assert "incident.acknowledged" in kinds[len(kinds_before) :]

        async with http.post(f"{url}/resolve", json={"as": "lukas"}) as response:
            assert response.status == 200
            doc = await response.json()
        assert doc["incident"]["status"] == "resolved"
        assert doc["incident"]["resolved_at"] == "2026-03-02T10:00:00Z"  # the clock: +1 hour
        assert doc["timeline"][-1]["text"] == "resolved by Lukas Weber"
        assert doc["metrics"]["time_to_acknowledge"] == 3600
        assert doc["metrics"]["resolved_by"] == "lukas"
        _, kinds_after, _ = await _stored(engine, target)
        assert "incident.resolved" in kinds_after[len(kinds) :]

        async with http.post(f"{url}/acknowledge", json={"as": "lukas"}) as response:
            assert response.status == 409
            assert response.content_type == "application/problem+json"
            assert "resolved" in (await response.json(content_type=None))["detail"]
        async with http.post(f"{url}/resolve", json={"as": "anna"}) as response:
            assert response.status == 200  # a second resolve is a no-op, said so in the timeline
            doc = await response.json()
        assert doc["incident"]["status"] == "resolved"
        assert doc["timeline"][-1]["text"].startswith("resolved by Anna Schmidt (no change")
        _, kinds_final, _ = await _stored(engine, target)
        assert kinds_final == kinds_after


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


async def _page(http: aiohttp.ClientSession, url: str, status: int = 200) -> str:
    async with http.get(url) as response:
        assert response.status == status
        assert response.content_type == "text/html"
        return await response.text()


def _no_hostile(html: str) -> None:
    scripts = re.findall(r"<script[^>]*>", html)
    assert all(s == '<script src="/static/refresh.js">' for s in scripts), scripts
    assert HOSTILE not in html
    assert "&lt;script&gt;alert(" in html


async def test_pages_show_the_facts_and_escape_alert_text(engine: Any) -> None:
    seeded = await seed(engine)
    async with running_app(engine, seeded.clock) as base, _session() as http:
        listing = await _page(http, f"{base}/incidents")
        _no_hostile(listing)
        assert f'href="/incidents/{seeded.triggered}"' in listing
        assert f'href="/incidents/{seeded.acknowledged}"' in listing
        assert f'href="/incidents/{seeded.resolved}"' not in listing
        assert f'href="/incidents/{seeded.resolved}"' in await _page(
            http, f"{base}/incidents?all=1"
        )

        page = await _page(http, f"{base}/incidents/{seeded.triggered}")
        _no_hostile(page)
        assert 'data-refresh="30"' in page
        for fact in (
            "HighErrors",
            "Checkout API",
            "payments",
            "critical",
            "triggered",
            "https://runbooks.example.com/payments/checkout-api",
            "https://grafana.example.com/d/checkout",
            "Tier 1",
            "opened",
        ):
            assert fact in page, fact
        assert "Acknowledge</button>" in page and "Resolve</button>" in page
        assert "Acting as" in page

        done = await _page(http, f"{base}/incidents/{seeded.resolved}?tz=Europe/Berlin")
        assert "data-refresh" not in done and "Acknowledge</button>" not in done
        assert "resolved by Anna Schmidt" in done
        assert "2m" in done and "40m" in done  # time to acknowledge, to resolve
        assert "Sat 28 Feb 10:00" in done  # opened, in Berlin
        _, _, ticket = await _stored(engine, seeded.resolved)
        assert (ticket.key in done) if ticket is not None else ('id="ticket">none' in done)

        for bad in ("424242", "abc", "0", "99999999999999999999"):
            assert "No such incident" in await _page(http, f"{base}/incidents/{bad}", 404)


async def test_the_forms_check_csrf_person_and_transition(engine: Any) -> None:
    seeded = await seed(engine)
    async with running_app(engine, seeded.clock) as base, _session() as http:
        page_url = f"{base}/incidents/{seeded.triggered}"
        csrf = _csrf(await _page(http, page_url))
        ack = f"{page_url}/acknowledge"
        for form in ({"as": "lukas"}, {"as": "lukas", "csrf": "wrong-token"}):
            async with http.post(ack, data=form, allow_redirects=False) as response:
                assert response.status == 403
        async with http.post(ack, data={"as": "nobody", "csrf": csrf}, allow_redirects=False) as r:
            assert r.status == 400
        async with http.post(ack, data={"csrf": csrf}, allow_redirects=False) as r:
            assert r.status == 400
        record, _, _ = await _stored(engine, seeded.triggered)
        assert record.state.status == "triggered"

        async with http.post(ack, data={"as": "lukas", "csrf": csrf}, allow_redirects=False) as r:
            assert r.status == 303
            assert r.headers["Location"] == f"/incidents/{seeded.triggered}"
            cookie = r.cookies["oncall_as"]
            assert cookie.value == "lukas" and cookie["httponly"] and cookie["samesite"] == "Strict"
        page = await _page(http, page_url)
        assert 'id="status">acknowledged' in page
        assert "acknowledged by Lukas Weber" in page
        assert '<option value="lukas" selected>' in page

        resolved = f"{base}/incidents/{seeded.resolved}/acknowledge"
        async with http.post(
            resolved, data={"as": "lukas", "csrf": csrf}, allow_redirects=False
        ) as r:
            assert r.status == 409
            assert "Cannot acknowledge" in await r.text()
        async with http.post(
            f"{base}/incidents/424242/resolve", data={"as": "lukas", "csrf": csrf}
        ) as r:
            assert r.status == 404


@pytest.fixture
async def sqlite_engine(tmp_path: Path) -> Any:
    from storage.engine import create_engine

    eng = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'browser.db'}")
    try:
        yield eng
    finally:
        await eng.dispose()


async def test_acknowledge_in_the_browser(sqlite_engine: Any, page: Any, tmp_path: Path) -> None:
    seeded = await seed(sqlite_engine)
    async with running_app(sqlite_engine, seeded.clock) as base:
        await page.goto(f"{base}/incidents/{seeded.triggered}")
        await page.select_option("#as", "sofia")
        await page.click("button:has-text('Acknowledge')")
        await page.wait_for_url(f"{base}/incidents/{seeded.triggered}")
        assert (await page.text_content("#status")).strip() == "acknowledged"
        assert "acknowledged by Sofia Rossi" in await page.text_content("#timeline")
        await page.screenshot(path=tmp_path / "incident.png", full_page=True)
