"""Hostile bodies at the alert endpoints over real HTTP, on SQLite and PostgreSQL: each a 400
with a JSON error, nothing stored, no traceback logged, and the server answering the next
good delivery (issue 14). The Slack route's are in ``test_slack_hostile_bodies``."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.fakes import FrozenClock
from tests.integration.test_alert_intake import NOW, PAYLOAD, TOKEN, apply_example, counts, post
from tests.support import running_app

DEEP = 100_000

HOSTILE = [
    # (what, body, fragment of the error)
    ("100,000-deep arrays", b"[" * DEEP + b"]" * DEEP, "nested deeper than 64 levels"),
    ("100,000-deep objects", b'{"a":' * DEEP + b"1" + b"}" * DEEP, "nested deeper than 64"),
    (
        "deep inside a good body",
        b'{"groupKey": "g", "x": ' + b"[" * DEEP + b"]" * DEEP + b"}",
        "deeper than 64",
    ),
    ("invalid UTF-8", b'{"groupKey": "\xc3\x28"}', "not UTF-8"),
    ("NaN", b'{"groupKey": "g", "truncatedAlerts": NaN}', "NaN is not a JSON number"),
    ("Infinity", b'{"groupKey": "g", "truncatedAlerts": -Infinity}', "Infinity is not"),
    ("a 5000-digit number", b'{"truncatedAlerts": ' + b"9" * 5000 + b"}", "a number of 5000"),
    ("a float beyond double", b'{"truncatedAlerts": 1e999}', "too large"),
    ("a NUL in a label", b'{"commonLabels": {"a": "\\u0000"}}', "\\u0000"),
    ("a lone surrogate", b'{"receiver": "\\udfff"}', "lone surrogate"),
]


@pytest.fixture
async def base(engine: AsyncEngine) -> AsyncIterator[str]:
    await apply_example(engine)
    async with running_app(engine, FrozenClock(NOW), ONCALL_ALERT_TOKEN=TOKEN) as url:
        yield url


@pytest.mark.parametrize("path", ["alertmanager", "generic"])
@pytest.mark.parametrize(("what", "body", "fragment"), HOSTILE, ids=[h[0] for h in HOSTILE])
async def test_a_hostile_body_is_400_and_changes_nothing(
    engine: AsyncEngine,
    base: str,
    caplog: pytest.LogCaptureFixture,
    path: str,
    what: str,
    body: bytes,
    fragment: str,
) -> None:
    before = await counts(engine)
    with caplog.at_level(logging.DEBUG):
        status, answer = await post(f"{base}/alerts/{path}", None, raw=body)
    assert status == 400, answer
    assert answer["error"].startswith("the body is not JSON: ")
    assert fragment in answer["error"]
    assert await counts(engine) == before  # nothing in the inbox, no incident
    assert "Traceback" not in caplog.text and "Error handling request" not in caplog.text
    assert not [r for r in caplog.records if r.exc_info]
    # The server still answers, and stores the next good delivery.
    good = PAYLOAD if path == "alertmanager" else {"title": "after", "dedup_key": "after"}
    status, answer = await post(f"{base}/alerts/{path}", good)
    assert status == 202 and answer["status"] == "accepted", answer
