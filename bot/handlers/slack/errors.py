"""Slack's answers as outbox outcomes: what to retry, when, and what can never succeed."""

from __future__ import annotations

from datetime import timedelta

from slack_sdk.errors import SlackApiError

from scheduling.outbox import Failed, Outcome, Retry

# Errors that say "later": Slack's own rate limit and its transient faults.
RETRYABLE = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)


def retry_after(exc: SlackApiError) -> timedelta | None:
    """The ``Retry-After`` Slack sent (seconds), if any and sensible."""
    headers = getattr(exc.response, "headers", None) or {}
    raw = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if isinstance(raw, list):
        raw = raw[0] if raw else None
    try:
        seconds = float(raw) if raw is not None else None
    except ValueError:
        return None
    if seconds is None or not 0 <= seconds <= 3600:
        return None
    return timedelta(seconds=seconds)


def error_code(exc: SlackApiError) -> str:
    """Slack's ``error`` string (``channel_not_found``), or ``http <status>``."""
    data = getattr(exc.response, "data", None)
    if isinstance(data, dict) and data.get("error"):
        return str(data["error"])
    return f"http {getattr(exc.response, 'status_code', '?')}"


def outcome_of(exc: SlackApiError, method: str) -> Outcome:
    """429 and 5xx and transient errors: retry (honouring ``Retry-After``); the rest
    (``channel_not_found``, ``not_in_channel``, ``invalid_auth``, ...) fail the message, so a
    message that cannot succeed never loops. The text names the method and error, never a
    token."""
    status = getattr(exc.response, "status_code", 0) or 0
    code = error_code(exc)
    text = f"slack {method}: {code}" + (f" (http {status})" if status and status != 200 else "")
    if status == 429 or status >= 500 or code in RETRYABLE:
        return Retry(text, retry_after(exc))
    return Failed(text)
