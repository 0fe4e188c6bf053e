"""The Teams connector's answers as outbox outcomes, ``Retry-After``, activities from JSON,
and the pacer's limits (a fake clock: no sleeping)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from msrest.exceptions import ClientRequestError, HttpOperationError

from bot.handlers.teams.pacing import Pacer, TokenBucket, rate_key_of
from bot.handlers.teams.sender import (
    ConnectorError,
    as_activity,
    connector_error,
    outcome_of,
    parse_retry_after,
)
from core.incidents.ports import ClaimedMessage
from scheduling.outbox import Failed, Retry


class _Response:
    """What msrest keeps as ``HttpOperationError.response`` (a requests response)."""

    def __init__(self, status: int, headers: dict[str, str] | None = None) -> None:
        self.status_code = status
        self.headers = headers or {}
        self.reason = "reason"

    def raise_for_status(self) -> None:
        raise requests.HTTPError(f"{self.status_code} reason")


def http(status: int, headers: dict[str, str] | None = None) -> HttpOperationError:
    return HttpOperationError(None, _Response(status, headers))


# (what the connector raised, the outcome's type, the Retry-After it carries)
TABLE: list[tuple[str, BaseException, type, timedelta | None]] = [
    (
        "rate limited, with Retry-After",
        http(429, {"Retry-After": "1"}),
        Retry,
        timedelta(seconds=1),
    ),
    (
        "rate limited, header in other case",
        http(429, {"retry-after": "7"}),
        Retry,
        timedelta(seconds=7),
    ),
    ("rate limited, no header", http(429), Retry, None),
    ("precondition failed (Teams: try again)", http(412), Retry, None),
    ("request timeout", http(408), Retry, None),
    ("internal error", http(500), Retry, None),
    ("bad gateway", http(502), Retry, None),
    (
        "unavailable, with Retry-After",
        http(503, {"Retry-After": "30"}),
        Retry,
        timedelta(seconds=30),
    ),
    ("gateway timeout", http(504), Retry, None),
    ("network error", ClientRequestError("Error occurred in request."), Retry, None),
    ("timeout", TimeoutError(), Retry, None),
    ("connection refused", ConnectionRefusedError(111, "refused"), Retry, None),
    ("the bot was removed", http(403), Failed, None),
    ("no such conversation", http(404), Failed, None),
    ("bad request", http(400), Failed, None),
    ("card too big", http(413), Failed, None),
    ("our credentials refused", http(401), Failed, None),
]


@pytest.mark.parametrize(("case", "exc", "kind", "after"), TABLE, ids=[t[0] for t in TABLE])
def test_outcome_of_a_connector_error(
    case: str, exc: BaseException, kind: type, after: timedelta | None
) -> None:
    outcome = outcome_of(exc)
    assert isinstance(outcome, kind), case
    if isinstance(outcome, Retry):
        assert outcome.after == after
    # the same through the sender's wrapper, which names the call
    wrapped = connector_error(exc, "send", "19:c@thread.tacv2")
    assert type(outcome_of(wrapped)) is kind
    assert "teams send" in str(wrapped)


def test_the_error_text_names_the_status_and_never_a_header() -> None:
    exc = http(403, {"Authorization": "Bearer secret-token"})
    error = connector_error(exc, "update", "a:1")
    assert error.status == 403 and error.gone
    assert "http 403" in str(outcome_of(error))
    assert "secret-token" not in repr(outcome_of(error))


def test_gone_is_403_and_404_only() -> None:
    gone = {
        s
        for s in (400, 401, 403, 404, 412, 429, 500)
        if ConnectorError("send", "c", s, None, "").gone
    }
    assert gone == {403, 404}


NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", timedelta(seconds=1)),
        ("0.5", timedelta(seconds=0.5)),
        ("0", timedelta(0)),
        ("Mon, 02 Mar 2026 10:00:30 GMT", timedelta(seconds=30)),  # an HTTP date
        ("Mon, 02 Mar 2026 09:00:00 GMT", timedelta(0)),  # a date past: at once
        ("-1", None),  # negative
        ("7200", None),  # over an hour: not believed
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after(raw: str | None, expected: timedelta | None) -> None:
    assert parse_retry_after(raw, NOW) == expected


def test_an_activity_from_json_keeps_its_mention() -> None:
    mention: dict[str, Any] = {
        "type": "mention",
        "text": "<at>Ann</at>",
        "mentioned": {"id": "29:ann", "name": "Ann"},
    }
    activity = as_activity({"text": "<at>Ann</at> hi", "entities": [mention]})
    assert activity.type == "message"
    body = activity.serialize()
    assert body["entities"] == [mention]


class _Time:
    """A monotonic clock that sleeping advances."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


async def test_the_bucket_lets_a_burst_through_then_spreads_the_rest() -> None:
    clock = _Time()
    bucket = TokenBucket(30, monotonic=clock.monotonic, sleep=clock.sleep)
    for _ in range(30):  # a full bucket: no wait
        await bucket.acquire()
    assert clock.now == 100.0
    for _ in range(30):  # then one every 1/30 s
        await bucket.acquire()
    assert clock.now == pytest.approx(101.0)


async def test_one_conversation_is_spaced_others_are_not() -> None:
    clock = _Time()
    pacer = Pacer(0.15, 1000, monotonic=clock.monotonic, sleep=clock.sleep)
    starts: list[tuple[str, float]] = []
    for conversation in ("a", "a", "b", "a;messageid=1"):
        async with pacer.call(conversation):
            starts.append((conversation, clock.now))
    assert starts == [
        ("a", 100.0),
        ("a", pytest.approx(100.15)),
        ("b", pytest.approx(100.15)),  # another conversation: no wait
        ("a;messageid=1", pytest.approx(100.30)),  # a thread counts as its channel
    ]


C = "19:ops@thread.tacv2"
RATE_KEYS: list[tuple[str, dict[str, Any], str | None]] = [
    ("page", {"person": "ann", "teams_channel": C}, "teams:person:ann"),
    ("incident.triggered", {"channel": True, "teams_channel": C}, f"teams:conversation:{C}"),
    ("incident.triggered", {"channel": False, "teams_channel": C}, None),  # not shown there
    ("incident.acknowledged", {"channel": True, "teams_channel": None}, None),
    ("handover", {"teams_channel": C, "incoming": "bob"}, f"teams:conversation:{C}"),
    ("handover", {"teams_channel": None, "incoming": "bob"}, "teams:person:bob"),
    ("handover", {"teams_channel": None, "incoming": None}, None),  # a gap, no channel
    ("coverage_gap", {"manager": {"id": "dan"}}, "teams:person:dan"),
    ("swap.requested", {"counterpart": {"id": "ann"}}, "teams:person:ann"),
    ("swap.decided", {"audience": "requester", "requester": {"id": "bob"}}, "teams:person:bob"),
    ("swap.decided", {"audience": "channel", "teams_channel": C}, f"teams:conversation:{C}"),
    ("something.new", {}, None),
]


@pytest.mark.parametrize(("kind", "payload", "key"), RATE_KEYS)
def test_rate_keys(kind: str, payload: dict[str, Any], key: str | None) -> None:
    spacing = timedelta(seconds=0.15)
    found = rate_key_of(ClaimedMessage(1, "k", "chat", kind, payload, 1, None), spacing)
    assert found == ((key, spacing) if key else None)
