"""``oncall history`` as users run it, on SQLite and PostgreSQL.

The world (tests.unit.oncall.common): schedule primary is daily from 09:00, ann then bob
(ann Monday 2026-03-02, bob Tuesday, ann Wednesday). On Monday morning dan puts cat on
primary Tuesday 09:00-12:00 (an override), bob takes Tuesday 12:00-18:00 off (ann covers),
ann asks dan to take Wednesday 09:00-12:00 and dan accepts (a swap). An api incident opens
Monday 10:00 and pages ann, who acknowledges at 10:05; the source resolves it at 10:30.

One check starts the real ``oncall`` console script (the table, end to end); the others run
the same Typer app in this process (``typer.testing.CliRunner`` on ``bot.cli.app``, with the
same environment), because each subprocess costs over a second.
"""

from __future__ import annotations

import json
import os

import pytest
from click.testing import Result
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner

from bot.cli import app
from core.config.apply import apply_configuration
from core.incidents.lifecycle import Acknowledge, Resolve
from core.incidents.ports import AlertBatch, NewAlert
from core.incidents.service import act, ingest
from core.oncall.actions import add_override, add_time_off
from core.oncall.swap_actions import decide_swap, request_swap
from storage.uow import SqlUnitOfWork, session_factory
from tests.support import oncall_env, run_oncall
from tests.unit.oncall.common import DOC, at, config

SERVICES = [{**DOC["services"][0], "match": {"service": "api"}}, *DOC["services"][1:]]
WINDOW = ["--since", "2026-03-02", "--until", "2026-03-05"]


def unit(engine: AsyncEngine) -> SqlUnitOfWork:
    return SqlUnitOfWork(session_factory(engine))


@pytest.fixture
async def env(engine: AsyncEngine, database_url: str) -> dict[str, str]:
    cfg = config(services=SERVICES)
    await apply_configuration(unit(engine), cfg, actor="t", source="t", now=at("2026-03-01 00:00"))
    await add_override(
        unit(engine),
        schedule_id="primary",
        person_id="cat",
        start=at("2026-03-03 09:00"),
        end=at("2026-03-03 12:00"),
        actor="dan",
        now=at("2026-03-02 08:00"),
        reason="bob's dentist",
    )
    await add_time_off(
        unit(engine),
        person_id="bob",
        start=at("2026-03-03 12:00"),
        end=at("2026-03-03 18:00"),
        actor="bob",
        now=at("2026-03-02 08:10"),
    )
    swap = await request_swap(
        unit(engine),
        schedule_id="primary",
        requester="ann",
        counterpart="dan",
        give=(at("2026-03-04 09:00"), at("2026-03-04 12:00")),
        now=at("2026-03-02 08:20"),
    )
    await decide_swap(
        unit(engine), swap_id=swap, actor="dan", accept=True, now=at("2026-03-02 08:30")
    )
    labels = {"service": "api", "severity": "critical"}
    batch = AlertBatch(
        "alertmanager", "g1", "firing", "High errors", labels,
        alerts=(NewAlert("fp", "firing", at("2026-03-02 09:59"), None, labels),),
    )  # fmt: skip
    opened = await ingest(unit(engine), batch, at("2026-03-02 10:00"))
    assert opened.incident_id == 1
    await act(unit(engine), 1, Acknowledge("ann"), "ann", at("2026-03-02 10:05"))
    await act(unit(engine), 1, Acknowledge("ann"), "ann", at("2026-03-02 10:06"))  # no change
    await act(unit(engine), 1, Resolve("alertmanager"), "alertmanager", at("2026-03-02 10:30"))
    return oncall_env(database_url)


def in_process(*args: str, env: dict[str, str]) -> Result:
    """``oncall ARGS`` in this process, the environment exactly ``env`` for its settings
    (what this process has and ``env`` lacks is removed for the call)."""
    gone: dict[str, str | None] = {k: None for k in os.environ if k not in env}
    return CliRunner().invoke(app, list(args), env={**gone, **env}, catch_exceptions=False)


def history(env: dict[str, str], *args: str) -> dict:
    result = in_process("history", *WINDOW, *args, "--json", env=env)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def rows(document: dict) -> list[tuple[str, str, str | None, str]]:
    return [(e["at"][:16], e["kind"], e["person"], e["subject"]) for e in document["entries"]]


def test_everything_in_time_order(env: dict[str, str]) -> None:
    document = history(env)
    assert (document["since"], document["until"], document["person"]) == (
        "2026-03-02T00:00:00+00:00",
        "2026-03-05T00:00:00+00:00",
        None,
    )
    got = rows(document)
    assert [r for r in got if r[3] != "schedule:office"] == [
        ("2026-03-02T08:00", "override", "cat", "schedule:primary"),
        ("2026-03-02T08:10", "timeoff", "bob", "person:bob"),
        ("2026-03-02T08:10", "cover", "ann", "schedule:primary"),
        ("2026-03-02T08:20", "swap", "ann", "schedule:primary"),
        ("2026-03-02T08:30", "swap", "dan", "schedule:primary"),
        ("2026-03-02T09:00", "shift", "ann", "schedule:primary"),
        ("2026-03-02T10:00", "page", "ann", "incident:1"),
        ("2026-03-02T10:05", "acknowledge", "ann", "incident:1"),
        ("2026-03-02T10:30", "resolve", None, "incident:1"),  # the source is nobody's entry
        ("2026-03-03T09:00", "shift", "cat", "schedule:primary"),
        ("2026-03-03T12:00", "shift", "ann", "schedule:primary"),
        ("2026-03-03T18:00", "shift", "bob", "schedule:primary"),
        ("2026-03-04T09:00", "shift", "dan", "schedule:primary"),
        ("2026-03-04T12:00", "shift", "ann", "schedule:primary"),
    ]
    shifts = {(e["at"][:16], e["source"]) for e in document["entries"] if e["kind"] == "shift"}
    assert {
        ("2026-03-03T09:00", "override"),
        ("2026-03-03T12:00", "cover"),
        ("2026-03-03T18:00", "layer:daily"),
        ("2026-03-04T09:00", "swap"),
    } <= shifts
    primary = [e for e in document["entries"] if e["subject"] == "schedule:primary"]
    first = next(e for e in primary if e["kind"] == "shift")
    assert first["to"] == "2026-03-03T09:00:00+00:00"
    details = {e["kind"]: e["detail"] for e in document["entries"]}
    assert "by dan (bob's dentist)" in details["override"]
    assert details["cover"].startswith("covers for bob from 2026-03-03T12:00")
    assert "accepted by dan (ann with dan)" in details["swap"]
    assert details["page"] == "paged for High errors (api), tier 1"
    assert details["resolve"] == "resolved High errors (api) by alertmanager"
    last = primary[-1]
    # ann's Wednesday shift runs to Thursday 09:00, past --until, in a window long past: it
    # continued after the window, it is not going on "now"
    assert last["to"] == "2026-03-05T00:00:00+00:00"
    assert last["detail"] == "on call (layer:daily) continues after 2026-03-05T00:00:00+00:00"


def test_one_person(env: dict[str, str]) -> None:
    bob = rows(history(env, "--person", "bob"))
    assert [r[1] for r in bob] == ["timeoff", "cover", "shift"]  # the cover is for him
    dan = rows(history(env, "--person", "dan"))
    assert [r[1] for r in dan] == ["override", "swap", "swap", "shift"]
    ann = history(env, "--person", "ann")
    assert [e["kind"] for e in ann["entries"]].count("page") == 1
    assert ann["person"] == "ann"


def test_the_table_lists_the_same(env: dict[str, str]) -> None:
    result = run_oncall("history", *WINDOW, "--person", "cat", env=env)  # end to end
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Mon 2026-03-02 08:00 UTC  override    cat")
    assert any("shift" in line and "on call (override)" in line for line in lines)
    empty = in_process("history", "--since", "2026-02-01", "--until", "2026-02-02", env=env)
    assert empty.stdout.strip() == "nothing happened in this window"


BAD = [
    (["--since", "yesterday-ish"], "error: --since"),
    (["--since", "2026-03-05", "--until", "2026-03-01"], "error: --since must be before"),
    (["--since", "2024-01-01", "--until", "2026-03-01"], "error: the window may be 400 days"),
    (["--person", "zed", "--since", "2026-03-01", "--until", "2026-03-02"], "error: unknown person 'zed'"),
    (["--tz", "Mars/Olympus"], "error: "),
]  # fmt: skip


def test_bad_input_is_exit_2(env: dict[str, str]) -> None:
    for args, message in BAD:
        result = in_process("history", *args, env=env)
        assert result.exit_code == 2, (args, result.stdout + result.stderr)
        assert result.stderr.startswith(message), (args, result.stderr)
        assert result.stdout == "", args
