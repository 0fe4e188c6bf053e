"""The proof table's rule: a row that lost or doubled anything fails the run."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.proof import report


def test_rows_are_recorded_shown_and_judged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report, "RESULTS", tmp_path / "results.jsonl")
    report.record("crash", "SIGKILL serve", expected=10, delivered=10, p50=0.1234)
    report.record("faults", "Slack 429s", expected=5, delivered=4)
    report.record("ha", "two Alertmanagers", expected=3, delivered=4, duplicated=1)
    found = report.rows()
    assert [r["lost"] for r in found] == [0, 1, 0]
    assert [r["scenario"] for r in report.failed(found)] == ["faults", "ha"]
    table = report.markdown(found)
    assert "| crash | SIGKILL serve | 10 | 10 | 0 | 0 | p50 0.123 |" in table
    report.record("injection", "<https://evil|click>", expected=1, delivered=1)
    assert "| injection | &lt;https://evil\\|click> | 1 | 1 | 0 | 0 |  |" in report.markdown(
        report.rows()
    )
