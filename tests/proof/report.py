"""The table ``make proof`` prints, and the rule that fails it.

Scenarios call :func:`record` once each (from any pytest-xdist worker: rows are appended as
JSON lines to one file, :data:`RESULTS`). The plugin (``-p tests.proof.report``) empties the
file at the start of the run, prints the table at the end, and makes the run fail when a row
has ``lost`` or ``duplicated`` above zero, even if the scenario's own assertions missed it.
The table is also written as Markdown next to it (``results.md``), for docs/reliability.md.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

RESULTS = Path(os.environ.get("ONCALL_PROOF_RESULTS", Path.cwd() / ".proof" / "results.jsonl"))
COLUMNS = ("scenario", "did", "expected", "delivered", "duplicated", "lost", "figures")


def record(
    scenario: str,
    did: str,
    *,
    expected: int,
    delivered: int,
    duplicated: int = 0,
    lost: int | None = None,
    **figures: Any,
) -> dict[str, Any]:
    """Append one row: ``expected`` pages (or alerts, tickets: say which in ``did``), how many
    arrived, how many arrived more than once, how many never did (default ``expected -
    delivered`` when that is positive), and free figures (latencies in seconds, counts)."""
    if lost is None:
        lost = max(expected - delivered, 0)
    row = {
        "scenario": scenario,
        "did": did,
        "expected": expected,
        "delivered": delivered,
        "duplicated": duplicated,
        "lost": lost,
        "figures": {k: _plain(v) for k, v in figures.items()},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a", encoding="utf-8") as out:
        out.write(json.dumps(row) + "\n")
    return row


def _plain(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 3)
    return value


def rows() -> list[dict[str, Any]]:
    """Every row recorded in this run, in the order they were written."""
    if not RESULTS.exists():
        return []
    return [json.loads(line) for line in RESULTS.read_text(encoding="utf-8").splitlines() if line]


def failed(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows that lost or doubled something."""
    return [r for r in found if r["lost"] > 0 or r["duplicated"] > 0]


def markdown(found: list[dict[str, Any]]) -> str:
    """The rows as a Markdown table."""
    lines = [
        "| scenario | what it did | expected | delivered | duplicated | lost | figures |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in found:
        figures = ", ".join(f"{k} {v}" for k, v in r["figures"].items())
        lines.append(
            f"| {_cell(r['scenario'])} | {_cell(r['did'])} | {r['expected']} | "
            f"{r['delivered']} | {r['duplicated']} | {r['lost']} | {_cell(figures)} |"
        )
    return "\n".join(lines)


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell: pipes and angle brackets escaped (a scenario's
    hostile input is shown, not rendered), no line breaks."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace("|", "\\|").replace("\n", " ")


def _is_controller(config: pytest.Config) -> bool:
    return not hasattr(config, "workerinput")


def pytest_sessionstart(session: pytest.Session) -> None:
    if _is_controller(session.config) and RESULTS.exists():
        RESULTS.unlink()


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if not _is_controller(config):
        return
    found = rows()
    terminalreporter.section("proof")
    if not found:
        terminalreporter.write_line("no scenario recorded figures")
        return
    table = markdown(found)
    terminalreporter.write_line(table)
    RESULTS.with_name("results.md").write_text(table + "\n", encoding="utf-8")
    bad = failed(found)
    if bad:
        names = ", ".join(r["scenario"] for r in bad)
        terminalreporter.write_line(f"LOST OR DOUBLED: {names}", red=True, bold=True)
    else:
        terminalreporter.write_line(
            f"{len(found)} scenarios: nothing lost, nothing doubled", green=True
        )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _is_controller(session.config) and failed(rows()) and exitstatus == 0:
        session.exitstatus = 1
