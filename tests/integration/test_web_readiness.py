"""The readiness page and its API over real HTTP on the seeded database (SQLite and PostgreSQL).

At the seeded time (Mon 2 March 2026 10:00 UTC, 11:00 in Berlin) the example configuration
pages somebody for every service and has no coverage gap in the next 14 days. To see a red
service, :func:`_with_night_desk` applies the example plus a ``night-batch`` service (low
importance) whose only tier is a schedule active 20:00-06:00 UTC: at 10:00 it pages nobody, and
its gaps are 06:00-20:00 every day (10 h today, 13 full days of 14 h, 4 h on the 16th: 15 gaps,
196 h); and a maintenance window on ``payments-ledger`` until 14:00 Berlin time.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml

from tests.support import EXAMPLE_CONFIG, running_app
from tests.web_seed import HOSTILE, Seeded, seed

ORDER = ["checkout-api", "kubernetes", "identity-sso", "payments-ledger", "catch-all", "ci-runners"]
ONCALL = [
    ("payments-primary", "sofia", "2026-03-02T08:00:00+00:00", "2026-03-09T08:00:00+00:00"),
    ("payments-secondary", "lukas", "2026-03-02T08:00:00+00:00", "2026-03-09T08:00:00+00:00"),
    ("platform-follow-the-sun", "sofia", "2026-03-02T05:00:00+00:00", "2026-03-02T13:00:00+00:00"),
    ("platform-secondary", "marcus", "2026-03-02T00:00:00+00:00", "2026-03-09T00:00:00+00:00"),
    ("identity-primary", "liam", "2026-03-02T05:00:00+00:00", "2026-03-02T15:00:00+00:00"),
]


async def _json(http: aiohttp.ClientSession, url: str, status: int = 200) -> Any:
    async with http.get(url) as response:
        assert response.status == status, await response.text()
        if status >= 400:
            assert response.content_type == "application/problem+json"
        return await response.json(content_type=None)


async def _html(http: aiohttp.ClientSession, url: str) -> str:
    async with http.get(url) as response:
        assert response.status == 200
        return await response.text()


async def _with_night_desk(engine: Any, seeded: Seeded) -> None:
    """Apply the example plus the red ``night-batch`` service and a maintenance window."""
    from bot.config_apply import apply_to_engine
    from core.config.validate import validate_document
    from tests.fakes import FrozenClock

    data = yaml.safe_load(EXAMPLE_CONFIG.read_text())
    data["schedules"].append(
        {
            "id": "night-desk",
            "name": "Night desk",
            "team": "platform",
            "timezone": "UTC",
            "layers": [
                {
                    "id": "nights",
                    "members": ["lukas"],
                    "rotation": "weekly",
                    "start": "2026-01-05 20:00",
                    "active": [{"from": "20:00", "to": "06:00"}],
                }
            ],
        }
    )
    data["escalation_policies"].append(
        {
            "id": "nights-only",
            "tiers": [{"targets": ["schedule:night-desk"], "escalate_after": "5m"}],
        }
    )
    data["services"].append(
        {
            "id": "night-batch",
            "name": "Night batch",
            "team": "platform",
            "importance": "low",
            "escalation_policy": "nights-only",
        }
    )
    data["maintenance"] = [
        {"service": "payments-ledger", "from": "2026-03-02 10:00", "to": "2026-03-02 14:00"}
    ]
    result = validate_document(data)
    assert result.config is not None, result.issues
    clock = FrozenClock(seeded.clock.now() - timedelta(minutes=30))
    await apply_to_engine(engine, result.config, source="test", actor="test", clock=clock)


async def test_api_documents_of_the_example(engine: Any) -> None:
    seeded = await seed(engine)
    async with running_app(engine, seeded.clock) as base, aiohttp.ClientSession() as http:
        who = await _json(http, f"{base}/api/v1/oncall")
        assert who["at"] == "2026-03-02T10:00:00+00:00"
        assert [(r["schedule"], r["person"], r["from"], r["to"]) for r in who["oncall"]] == ONCALL
        later = await _json(
            http, f"{base}/api/v1/oncall?at=2026-03-02T14:00:00%2B01:00&tz=Europe/Berlin"
        )
        assert later["at"] == "2026-03-02T14:00:00+01:00"
        sun = next(r for r in later["oncall"] if r["schedule"] == "platform-follow-the-sun")
        assert (sun["person"], sun["from"]) == ("ava", "2026-03-02T14:00:00+01:00")

        gaps = await _json(http, f"{base}/api/v1/gaps")
        assert (gaps["from"], gaps["to"]) == (
            "2026-03-02T10:00:00+00:00",
            "2026-03-16T10:00:00+00:00",
        )
        assert [(s["service"], s["importance"], s["gaps"]) for s in gaps["services"]] == [
            ("checkout-api", "critical", []),
            ("payments-ledger", "high", []),
            ("kubernetes", "critical", []),
            ("ci-runners", "low", []),
            ("identity-sso", "critical", []),
            ("catch-all", "normal", []),
        ]

        services = await _json(http, f"{base}/api/v1/services")
        assert [s["id"] for s in services["services"]] == ORDER
        assert not any(s["pages_nobody"] for s in services["services"])
        checkout = services["services"][0]
        assert checkout["policy"] == "payments-default"
        assert [[t["person"] for t in tier["targets"]] for tier in checkout["tiers"]] == [
            ["sofia"],
            ["lukas", "dana"],
        ]
        assert checkout["next_handover"] == {
            "at": "2026-03-09T08:00:00+00:00",
            "schedule": "payments-primary",
            "person": "anna",
            "person_name": "Anna Schmidt",
        }
        assert checkout["open_incident_ids"] == sorted([seeded.triggered, seeded.acknowledged])
        assert (checkout["mtta_seconds"], checkout["mttr_seconds"]) == (120.0, 2400.0)
        assert (checkout["gaps"], checkout["gap_hours"], checkout["reason"]) == ([], 0.0, None)

        one = await _json(http, f"{base}/api/v1/services/kubernetes?tz=Asia/Tokyo")
        assert one["tiers"][0]["targets"][0]["to"] == "2026-03-02T22:00:00+09:00"
        assert one["next_handover"]["person"] == "ava"
        assert (one["mtta_seconds"], one["open_incidents"]) == (None, 0)
        problem = await _json(http, f"{base}/api/v1/services/nope", 404)
        assert problem["detail"] == "no service 'nope'"

        document = await _json(http, f"{base}/api/v1/openapi.json")
        for path in (
            "/api/v1/services",
            "/api/v1/services/{service_id}",
            "/api/v1/oncall",
            "/api/v1/gaps",
        ):
            assert "get" in document["paths"][path]


BAD = [
    ("/api/v1/services?days=0", "days"),
    ("/api/v1/services?days=61", "days"),
    ("/api/v1/services?days=abc", "days"),
    ("/api/v1/gaps?days=0", "days"),
    ("/api/v1/gaps?days=abc", "days"),
    ("/api/v1/services?tz=Nowhere/Else", "unknown time zone 'Nowhere/Else'"),
    ("/api/v1/services/checkout-api?tz=Nowhere/Else", "unknown time zone"),
    ("/api/v1/gaps?tz=Nowhere/Else", "unknown time zone"),
    ("/api/v1/oncall?tz=Nowhere/Else", "unknown time zone"),
    ("/api/v1/oncall?at=yesterday", "at 'yesterday' is not a date or time"),
    ("/api/v1/oncall?at=0001-01-01T00:00:00%2B14:00", "at"),
    ("/api/v1/oncall?at=2026-03-02T10:00", ""),  # naive: read in UTC, not an error (below)
    ("/api/v1/services/bad%20id", "service_id"),
]


async def test_bad_inputs_are_400_problems_and_change_nothing(engine: Any) -> None:
    seeded = await seed(engine)
    async with running_app(engine, seeded.clock) as base, aiohttp.ClientSession() as http:
        before = await _json(http, f"{base}/api/v1/services")
        for path, detail in BAD:
            if not detail:
                assert (await _json(http, base + path))["at"] == "2026-03-02T10:00:00+00:00"
                continue
            problem = await _json(http, base + path, 400)
            assert problem["status"] == 400 and detail in problem["detail"], path
        assert await _json(http, f"{base}/api/v1/services") == before


async def test_page_shows_every_service_who_is_on_call_and_escapes_alert_text(engine: Any) -> None:
    seeded = await seed(engine)
    async with running_app(engine, seeded.clock) as base, aiohttp.ClientSession() as http:
        html = await _html(http, f"{base}/")
        for name in (
            "Checkout API",
            "Payments ledger",
            "Kubernetes clusters",
            "CI runners",
            "Single sign-on",
            "Unrouted alerts",
        ):
            assert name in html
        assert "Sofia Rossi" in html and "Marcus Reed" in html
        assert "6 services" in html and "0 page nobody now" in html and "2 open incidents" in html
        assert f'href="/incidents/{seeded.triggered}"' in html
        assert "MTTA 2m · MTTR 40m" in html
        assert "Mon 02 Mar 2026 11:00 CET" in html  # the configuration's zone by default
        assert 'data-refresh="60"' in html and "/static/refresh.js" in html
        assert HOSTILE not in html
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
        tokyo = await _html(http, f"{base}/?tz=Asia/Tokyo")
        assert "Mon 02 Mar 2026 19:00 JST" in tokyo
        ignored = await _html(http, f"{base}/?tz=Nowhere/Else")
        assert "Nowhere/Else" not in ignored.split("</form>", 1)[1]


async def test_a_service_paging_nobody_is_first_in_red_with_its_reason(engine: Any) -> None:
    seeded = await seed(engine)
    await _with_night_desk(engine, seeded)
    async with running_app(engine, seeded.clock) as base, aiohttp.ClientSession() as http:
        services = (await _json(http, f"{base}/api/v1/services"))["services"]
        night = services[0]
        assert night["id"] == "night-batch" and night["pages_nobody"] is True
        assert night["reason"] == "every first-tier schedule is in a coverage gap now: Night desk"
        assert night["tiers"][0]["targets"][0]["person"] is None
        assert night["next_handover"]["at"] == "2026-03-02T20:00:00+00:00"
        assert night["next_handover"]["person"] == "lukas"
        assert len(night["gaps"]) == 15 and night["gap_hours"] == 196.0
        assert night["gaps"][0] == {
            "from": "2026-03-02T10:00:00+00:00",
            "to": "2026-03-02T20:00:00+00:00",
        }
        ledger = next(s for s in services if s["id"] == "payments-ledger")
        assert (ledger["status"], ledger["pages_nobody"]) == ("maintenance", False)
        assert ledger["maintenance_until"] == "2026-03-02T13:00:00+00:00"
        assert [s["id"] for s in services[1:]] == ORDER

        gaps = await _json(http, f"{base}/api/v1/gaps?days=1")
        by = {s["service"]: s["gaps"] for s in gaps["services"]}
        assert by["night-batch"] == [
            {"from": "2026-03-02T10:00:00+00:00", "to": "2026-03-02T20:00:00+00:00"},
            {"from": "2026-03-03T06:00:00+00:00", "to": "2026-03-03T10:00:00+00:00"},
        ]
        assert all(not g for sid, g in by.items() if sid != "night-batch")
        who = await _json(http, f"{base}/api/v1/oncall")
        assert ("night-desk", None, None, None) in [
            (r["schedule"], r["person"], r["from"], r["to"]) for r in who["oncall"]
        ]

        html = await _html(http, f"{base}/")
        cards = re.findall(r'<section class="card service( alarm)?" id="service-([^"]+)"', html)
        assert cards[0] == (" alarm", "night-batch")
        assert all(not red for red, _ in cards[1:])
        assert (
            "Pages nobody now:</strong> every first-tier schedule is in a coverage gap now: Night desk"
            in html
        )
        assert "In maintenance until Mon 02 Mar 14:00" in html
        assert "1 pages nobody now" in html and "15 gaps in the next 14 days" in html
        assert "15 gaps, 196.0 h" in html
        assert html.count('class="bar gap"') >= 15


@pytest.fixture
async def sqlite_engine(tmp_path: Path) -> Any:
    from storage.engine import create_engine

    eng = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'readiness.db'}")
    try:
        yield eng
    finally:
        await eng.dispose()


async def test_readiness_in_the_browser(sqlite_engine: Any, page: Any, tmp_path: Path) -> None:
    seeded = await seed(sqlite_engine)
    await _with_night_desk(sqlite_engine, seeded)
    async with running_app(sqlite_engine, seeded.clock) as base:
        await page.set_viewport_size({"width": 390, "height": 844})  # a phone
        await page.goto(f"{base}/")
        first = page.locator("section.service").first
        assert await first.get_attribute("data-service") == "night-batch"
        assert "alarm" in (await first.get_attribute("class") or "")
        assert "Pages nobody now" in await first.inner_text()
        checkout = page.locator("#service-checkout-api")
        assert "Sofia Rossi" in await checkout.inner_text()
        assert await page.locator("#service-night-batch svg.timeline g.bar.gap").count() >= 15
        assert "1 pages nobody now" in await page.text_content("#summary")
        await page.screenshot(path=tmp_path / "readiness.png", full_page=True)
        assert (tmp_path / "readiness.png").stat().st_size > 0


async def test_current_shift_bounds_see_overrides_outside_the_shown_window(engine: Any) -> None:
    """The state is loaded over what who_for reaches (a year each way), not just the 14 days
    shown: an override that ended before now still bounds the current shift's start, and one
    ahead ends it and makes the next hand-over."""
    from core.oncall.actions import add_override
    from storage.uow import SqlUnitOfWork, session_factory
    from tests.unit.oncall.common import at

    seeded = await seed(engine)
    sessions = session_factory(engine)
    for person, start, end in (
        ("anna", at("2026-03-02 08:00"), at("2026-03-02 09:00")),  # over an hour before now
        ("lukas", at("2026-03-05 12:00"), at("2026-03-05 18:00")),
    ):
        await add_override(
            SqlUnitOfWork(sessions),
            schedule_id="payments-primary",
            person_id=person,
            start=start,
            end=end,
            actor="test",
            now=at("2026-03-02 07:00"),
        )
    async with running_app(engine, seeded.clock) as base, aiohttp.ClientSession() as http:
        checkout = await _json(http, f"{base}/api/v1/services/checkout-api")
        (target,) = checkout["tiers"][0]["targets"]
        assert (target["person"], target["from"], target["to"]) == (
            "sofia",
            "2026-03-02T09:00:00+00:00",  # not 08:00, the layer's hand-over
            "2026-03-05T12:00:00+00:00",
        )
        assert checkout["next_handover"]["at"] == "2026-03-05T12:00:00+00:00"
        assert checkout["next_handover"]["person"] == "lukas"


async def test_page_shows_the_incident_cards_description(engine: Any) -> None:
    """The page's description is the incident card's (description, else summary), which the
    incident page shows: the acknowledged incident has no description, so its summary."""
    from core.incidents.cards import current_card
    from storage.uow import SqlUnitOfWork, session_factory

    seeded = await seed(engine)
    async with SqlUnitOfWork(session_factory(engine), write=False) as uow:
        card = await current_card(uow, seeded.acknowledged, seeded.clock.now())
    assert card is not None and card["description"] == "LatencyHigh on checkout"
    async with running_app(engine, seeded.clock) as base, aiohttp.ClientSession() as http:
        html = await _html(http, f"{base}/")
    assert "LatencyHigh on checkout" in html
