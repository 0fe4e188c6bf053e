"""A failure repeating on every tick is logged once, reminded once a minute, and its end said."""

from __future__ import annotations

import logging

import pytest

from scheduling.failures import RepeatedFailures


def test_a_repeating_failure_is_one_traceback_a_reminder_a_minute_and_one_recovery(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = [0.0]
    failures = RepeatedFailures(logging.getLogger("t"), monotonic=lambda: clock[0])
    caplog.set_level(logging.INFO, logger="t")

    def fail(error: Exception) -> None:
        try:
            raise error
        except Exception:
            failures.failed("outbox", "scheduled job outbox failed")

    for second in range(121):  # two minutes of the database away, a tick a second
        clock[0] = float(second)
        fail(ConnectionRefusedError("database away"))
    failures.succeeded("outbox")
    records = [(r.levelname, r.getMessage(), r.exc_info is not None) for r in caplog.records]
    assert records[0] == ("ERROR", "scheduled job outbox failed", True)
    assert [r[0] for r in records[1:]] == ["WARNING", "WARNING", "INFO"]
    assert "still failing: 61 times in a row" in records[1][1]
    assert records[-1][1] == "outbox works again after 121 failure(s) in a row"
    caplog.clear()
    fail(ConnectionRefusedError("database away"))  # a new streak: its traceback again
    fail(ValueError("another error"))  # a different error: its traceback too
    assert [(r.levelname, r.exc_info is not None) for r in caplog.records] == [
        ("ERROR", True),
        ("ERROR", True),
    ]
    failures.succeeded("never-failed")  # nothing to say
    assert len(caplog.records) == 2
