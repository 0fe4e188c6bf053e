"""``oncall incidents ID`` as users run it, on SQLite and PostgreSQL: the timeline in words,
each message and its error, the ticket, the response metrics and the review; text and JSON;
an unknown id is exit 2.

The example configuration pages sofia for the ledger incident opened at 2026-03-04 11:00.

One check starts the real ``oncall`` console script (the resolved incident's table, end to
end); the others run the same Typer app in this process (``typer.testing.CliRunner`` on
``bot.cli.app``, with the same environment), because each subprocess costs over a second.
"""

from __future__ import annotations

import asyncio
import json
import os

import pytest
from click.testing import Result
from typer.testing import CliRunner

from bot.cli import app
from core.incidents.lifecycle import Acknowledge, Resolve
from core.incidents.service import act
from core.reviews.service import submit_review
from core.tickets.ports import TicketRecord
from storage.engine import create_engine
from storage.uow import SqlUnitOfWork, session_factory
from tests.integration.test_cli_incidents import OPENED, open_incident
from tests.support import apply_example, oncall_env, run_oncall
from tests.unit.oncall.common import at


@pytest.fixture
async def env(database_url: str) -> dict[str, str]:
    await apply_example(database_url)
    await open_incident(database_url)
    return oncall_env(database_url)


async def answered_and_reviewed(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        sessions = session_factory(engine)
        await act(SqlUnitOfWork(sessions), 1, Acknowledge("sofia"), "sofia", at("2026-03-04 11:04"))
        await act(SqlUnitOfWork(sessions), 1, Resolve("sofia"), "sofia", at("2026-03-04 11:30"))
        async with SqlUnitOfWork(sessions) as uow:
            ticket = TicketRecord(1, "builtin", "T-1", None, "open", OPENED, idempotency_key="k")
            await uow.tickets.add(ticket)
            await uow.commit()
        fields = {"summary": "Ledger disk full", "cause": "logs", "follow_ups": "- rotate logs"}
        await submit_review(SqlUnitOfWork(sessions), 1, "sofia", fields, at("2026-03-04 12:00"))
    finally:
        await engine.dispose()


def in_process(*args: str, env: dict[str, str]) -> Result:
    """``oncall ARGS`` in this process, the environment exactly ``env`` for its settings
    (what this process has and ``env`` lacks is removed for the call)."""
    gone: dict[str, str | None] = {k: None for k in os.environ if k not in env}
    return CliRunner().invoke(app, list(args), env={**gone, **env}, catch_exceptions=False)


def detail_json(env: dict[str, str]) -> dict:
    result = in_process("incidents", "1", "--json", env=env)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_an_open_incident_has_no_ticket_metrics_or_review_yet(env: dict[str, str]) -> None:
    document = detail_json(env)
    assert document["incident"]["status"] == "triggered"
    assert (document["ticket"], document["metrics"], document["review"]) == (None, None, None)
    texts = [e["text"] for e in document["timeline"]]
    assert texts[:2] == ["routed to payments-ledger", "opened"]
    assert any(t.startswith("paged ") and "(tier 1)" in t for t in texts)
    table = in_process("incidents", "1", env=env)
    assert table.exit_code == 0, table.stderr
    assert "Ticket: none" in table.stdout and "Review: none yet" in table.stdout
    assert "Metrics: none (not resolved)" in table.stdout


async def test_a_resolved_incident_shows_ticket_metrics_and_review(
    env: dict[str, str], database_url: str
) -> None:
    await answered_and_reviewed(database_url)
    document = await asyncio.to_thread(detail_json, env)
    assert document["incident"]["status"] == "resolved"
    timeline = document["timeline"]
    assert [e["kind"] for e in timeline][-2:] == ["acknowledge", "resolve"]
    assert timeline[-2]["at"] == "2026-03-04T11:04:00+00:00"
    assert timeline[-2]["text"].startswith("acknowledged by ")
    assert document["ticket"] == {
        "system": "builtin",
        "key": "T-1",
        "url": None,
        "status": "open",
        "created_at": "2026-03-04T11:00:00+00:00",
    }
    metrics = document["metrics"]
    assert metrics["time_to_acknowledge"] == 240 and metrics["time_to_resolve"] == 1800
    assert (metrics["acknowledged_by"], metrics["resolved_by"]) == ("sofia", "sofia")
    assert metrics["escalations"] == 0 and metrics["responder"] == "sofia"
    assert document["review"] == {
        "summary": "Ledger disk full",
        "cause": "logs",
        "follow_ups": ["rotate logs"],
        "author": "sofia",
        "created_at": "2026-03-04T12:00:00+00:00",
        "updated_at": "2026-03-04T12:00:00+00:00",
        "revision": 1,
    }
    kinds = [m["kind"] for m in document["messages"]]
    assert "review.offer" in kinds and "review" in kinds
    table = run_oncall("incidents", "1", env=env)  # the console script, end to end
    assert table.returncode == 0, table.stderr
    out = table.stdout
    assert "Ticket: T-1 (builtin, open)" in out
    assert "Metrics: acknowledged after 4m00s by sofia, resolved after 30m00s by sofia" in out
    assert "Review by sofia" in out and "Summary: Ledger disk full" in out
    assert "  - rotate logs" in out


def test_an_unknown_id_is_exit_2(env: dict[str, str]) -> None:
    for args in (["incidents", "7"], ["incidents", "7", "--json"]):
        result = in_process(*args, env=env)
        assert result.exit_code == 2, args
        assert result.stderr.strip() == "error: no incident 7", args
        assert result.stdout == "", args
