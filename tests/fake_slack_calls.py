"""What the fake Slack Web API received: one :class:`Call` per request, and the waits on them.

:class:`CallLog` is the part of :class:`tests.fake_slack.FakeSlack` that tests read: the calls
in arrival order, waits for calls and for ``response_url`` posts that fail with the whole log,
and a one-line-a-call description of it.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Call:
    """One request the fake received.

    ``params`` merges the query string, the form fields and the JSON body, without ``token``;
    values are as sent (a form's ``blocks`` is a JSON string, a JSON body's a list). ``status`` and
    ``answer`` are what the fake replied; a call held by a "timeout" failure has status 0 and no
    answer. ``at`` is ``time.monotonic()`` on arrival.
    """

    method: str
    params: dict[str, Any]
    token: str | None
    at: float
    status: int = 200
    answer: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.answer and self.answer.get("ok"))

    @property
    def error(self) -> str | None:
        return None if self.answer is None else self.answer.get("error")


class CallLog:
    """The calls and ``response_url`` posts received, kept by the server in ``received`` and
    ``responses``."""

    received: list[Call]
    responses: defaultdict[str, list[dict[str, Any]]]

    def calls(self, method: str | None = None) -> list[Call]:
        """Calls received so far, of one method or of all, in arrival order."""
        return [c for c in self.received if method is None or c.method == method]

    async def wait_for(
        self,
        what: str | Callable[[Call], bool] | None = None,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 (the brief's signature; the message needs it)
    ) -> list[Call]:
        """Wait until ``count`` calls match ``what`` (a method name or a predicate on a Call) and
        return the matching calls; on timeout raise AssertionError listing all calls received."""
        match: Callable[[Call], bool]
        if what is None or isinstance(what, str):
            wanted = what or "any method"

            def match(c: Call) -> bool:
                return what is None or c.method == what
        else:
            wanted, match = getattr(what, "__name__", "predicate"), what
        deadline = time.monotonic() + timeout
        while True:
            found = [c for c in self.received if match(c)]
            if len(found) >= count:
                return found
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"FakeSlack: waited {timeout}s for {count} call(s) matching {wanted}, "
                    f"got {len(found)}; received:\n{self.describe()}"
                )
            await asyncio.sleep(0.01)

    async def wait_for_response(
        self,
        name: str,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 (like wait_for)
    ) -> list[dict[str, Any]]:
        """Wait until ``count`` bodies were posted to ``response_url(name)``; return them."""
        deadline = time.monotonic() + timeout
        while len(self.responses[name]) < count:
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"FakeSlack: waited {timeout}s for {count} post(s) to response_url {name!r}, "
                    f"got {self.responses[name]!r}; responses: {dict(self.responses)!r}; "
                    f"calls:\n{self.describe()}"
                )
            await asyncio.sleep(0.01)
        return list(self.responses[name])

    def describe(self) -> str:
        """One line per call received: method, status, error, params (shortened)."""
        if not self.received:
            return "  (nothing)"
        lines = []
        for c in self.received:
            params = json.dumps(c.params, default=str)
            params = params if len(params) <= 300 else params[:297] + "..."
            outcome = "held (timeout)" if c.status == 0 else f"{c.status} {c.error or 'ok'}"
            lines.append(f"  {c.method} -> {outcome} {params}")
        return "\n".join(lines)
