"""The few REST calls of a tracker over one aiohttp session, with errors as outcomes.

:class:`TrackerError` is what every call raises for something other than the answers it
expects: ``retry`` for what may pass (429, 408, 5xx, a timeout, a refused connection; with
the tracker's ``Retry-After`` as seconds or an HTTP date, or GitHub's rate-limit reset),
else for good (400, 401, 403, 404, 409, 422...), with a message that names the call, the
status and the tracker's own words, never a credential (every secret given to
:class:`TrackerClient` is replaced by ``***`` in what it raises, and query strings, which
may hold an email address, are left out).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp

from core.ports import Clock

TIMEOUT = aiohttp.ClientTimeout(total=15, connect=5, sock_read=10)
MAX_ANSWER = 2_000_000  # bytes of a tracker's answer we read at most
HINTS = {
    401: "the credentials were refused",
    403: "the account may not do this",
    404: "not found (check the URL, project or repository)",
}


class TrackerError(Exception):
    """A call that did not give an expected answer; ``str()`` is safe to log."""

    def __init__(self, message: str, *, retry: bool, after: timedelta | None = None) -> None:
        super().__init__(message)
        self.retry = retry
        self.after = after


def retry_after(headers: Mapping[str, str], now: datetime) -> timedelta | None:
    """``Retry-After`` (seconds or an HTTP date), else GitHub's ``x-ratelimit-reset`` when no
    calls remain; None when neither says. Never negative, at most an hour."""
    value = headers.get("Retry-After")
    wait: float | None = None
    if value:
        try:
            wait = float(value)
        except ValueError:
            try:
                wait = (parsedate_to_datetime(value) - now).total_seconds()
            except (TypeError, ValueError):
                wait = None
    elif headers.get("x-ratelimit-remaining") == "0" and headers.get("x-ratelimit-reset"):
        try:
            wait = float(headers["x-ratelimit-reset"]) - now.timestamp()
        except ValueError:
            wait = None
    if wait is None:
        return None
    return timedelta(seconds=min(max(wait, 0.0), 3600.0))


def tracker_words(body: Any) -> str:
    """What a tracker said about an error, in one short line: Jira's ``errorMessages`` and
    ``errors``, GitHub's ``message`` and ``errors``, else the text itself."""
    if isinstance(body, dict):
        parts: list[str] = []
        for key in ("message", "errorMessages"):
            value = body.get(key)
            parts += value if isinstance(value, list) else [value] if value else []
        errors = body.get("errors")
        if isinstance(errors, dict):
            parts += [f"{k}: {v}" for k, v in errors.items()]
        elif isinstance(errors, list):
            parts += [json.dumps(e, sort_keys=True) if isinstance(e, dict) else e for e in errors]
        text = "; ".join(str(p) for p in parts)
    else:
        text = str(body or "")
    text = " ".join(text.split())
    return text[:300]


class TrackerClient:
    """One session for one tracker's base URL; paths are joined to it, nothing else is
    ever fetched (a URL in an alert is only ever shown)."""

    def __init__(
        self,
        base_url: str,
        headers: Mapping[str, str],
        clock: Clock,
        *,
        secrets: Sequence[str] = (),
        timeout: aiohttp.ClientTimeout = TIMEOUT,
        name: str = "tracker",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._headers = {"User-Agent": "oncall-bot", **headers}
        self._secrets = [s for s in secrets if s]
        self._timeout = timeout
        self._session: aiohttp.ClientSession | None = None
        self.name = name
        self._clock = clock

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    async def call(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        data: bytes | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        accept: Sequence[int] = (),
    ) -> tuple[int, Any]:
        """``(status, JSON body or None)`` for a 2xx answer, or one of ``accept``; else
        :class:`TrackerError`."""
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        what = f"{self.name} {method} {path}"
        try:
            async with self._session.request(
                method,
                self.base_url + path,
                json=body if data is None else None,
                data=data,
                params=params,
                headers={**self._headers, **(headers or {})},
                allow_redirects=False,
            ) as response:
                raw = await response.content.read(MAX_ANSWER)
                status, answer_headers = response.status, response.headers
        except TimeoutError:
            raise TrackerError(f"{what}: timed out", retry=True) from None
        except aiohttp.ClientError as exc:
            reason = self._redact(str(exc))[:200]
            raise TrackerError(f"{what}: {type(exc).__name__} {reason}", retry=True) from None
        try:
            parsed: Any = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode("utf-8", "replace")
        if 200 <= status < 300 or status in accept:
            return status, parsed
        words = self._redact(tracker_words(parsed))
        hint = HINTS.get(status)
        message = (
            f"{what}: {status}" + (f" {hint}" if hint else "") + (f": {words}" if words else "")
        )
        after = retry_after(answer_headers, self._clock.now())
        limited = status == 403 and after is not None  # GitHub's rate limits answer 403
        retry = status in (408, 425, 429) or status >= 500 or limited
        raise TrackerError(message, retry=retry, after=after if retry else None)

    async def aclose(self) -> None:
        """Close the session (on the way out)."""
        if self._session is not None:
            await self._session.close()
            self._session = None
