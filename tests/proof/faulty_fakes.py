"""Random faults for the chat-faults proof: the fake Slack, the fake Teams connector and the
fake ticket trackers, each failing a share of calls for a while (or everything until told).

- :class:`FaultWindow`: open for some seconds; each call it sees fails with probability
  ``ratio`` while open, decided by a seeded RNG (the run is repeatable up to timing).
- :class:`FaultySlack`: :class:`tests.fake_slack.FakeSlack` answering a failed call with
  HTTP 429 (``Retry-After`` 1 or 2 s) or 500, half each. The call is recorded like any other,
  with that status, and carries nothing out. Any method (the bot's ``auth.test`` too).
- :class:`FaultyConnector`: :class:`tests.fake_teams.FakeConnector` answering a failed
  request (any method) with 429 (``Retry-After`` 1 or 2 s) or 502, recorded, nothing done.
- :func:`tracker_down` / :func:`tracker_up`: every request to a
  :class:`tests.fake_trackers.FakeTrackers` answered 503 until it is up again.

These live here, not in the fakes, so the fakes stay what the other tests rely on.
"""

from __future__ import annotations

import random
import threading
import time
from typing import Any

from aiohttp import web

from tests.fake_slack import FakeSlack
from tests.fake_teams import FakeConnector, _Failure
from tests.fake_trackers import FakeTrackers, Fault

__all__ = ["FaultWindow", "FaultyConnector", "FaultySlack", "tracker_down", "tracker_up"]

_DOWN = 10**9  # "times" of a fault that lasts until it is lifted


class FaultWindow:
    """Decides, call by call, whether to fail: only while open, each with ``ratio``."""

    def __init__(self, ratio: float, seed: int) -> None:
        self.ratio = ratio
        self._rng = random.Random(seed)
        self._until = 0.0
        self._lock = threading.Lock()
        self.injected = 0

    def open(self, seconds: float) -> None:
        """Fail calls from now for ``seconds``."""
        self._until = time.monotonic() + seconds

    def close(self) -> None:
        self._until = 0.0

    @property
    def is_open(self) -> bool:
        return time.monotonic() < self._until

    def hit(self) -> bool:
        """True when this call is to fail (counted in :attr:`injected`)."""
        if not self.is_open:
            return False
        with self._lock:
            if self._rng.random() >= self.ratio:
                return False
            self.injected += 1
            return True

    def choice(self, options: tuple[Any, ...]) -> Any:
        with self._lock:
            return self._rng.choice(options)


class FaultySlack(FakeSlack):
    """The fake Slack with a :class:`FaultWindow` (``faults``) in front of every call."""

    def __init__(self, faults: FaultWindow, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.faults = faults

    async def _api(self, request: web.Request) -> web.Response:
        if self.faults.hit():
            # Queued as the next failure of this method: the fake answers and records it.
            kind = self.faults.choice(("429", "500"))
            retry_after = self.faults.choice((1, 2))
            self.fail_next(request.match_info["method"], kind, retry_after=retry_after)
        return await super()._api(request)


class FaultyConnector(FakeConnector):
    """The fake Teams connector with a :class:`FaultWindow` (``faults``) in front of every
    request (reads too: the fake's own ``fail_next`` only fails writes)."""

    def __init__(self, faults: FaultWindow, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.faults = faults

    def _failure_for(self, method: str, path: str) -> _Failure | None:
        if self.faults.hit():
            status = self.faults.choice((429, 502))
            headers = {"Retry-After": str(self.faults.choice((1, 2)))} if status == 429 else {}
            return _Failure(status, 1, headers, None)
        return super()._failure_for(method, path)


def tracker_down(trackers: FakeTrackers) -> None:
    """Every request answered 503 (after being recorded) until :func:`tracker_up`."""
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        trackers.fail(method, ".*", 503, times=_DOWN, body={"message": "Service Unavailable"})


def tracker_up(trackers: FakeTrackers) -> None:
    """The tracker answers again (the faults :func:`tracker_down` added are spent)."""
    for fault in trackers._faults:
        if isinstance(fault, Fault) and fault.times >= _DOWN // 2:
            fault.times = 0


def tracker_refusals(trackers: FakeTrackers) -> int:
    """How many requests the tracker answered 503."""
    return sum(1 for r in trackers.requests if r.status == 503)
