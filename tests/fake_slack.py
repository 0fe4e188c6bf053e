"""A fake Slack Web API on loopback, for tests that drive slack_sdk and Bolt without Slack.

Give ``fake.api_url`` as ``SLACK_API_URL`` (``AsyncWebClient(base_url=fake.api_url)``). Every call
is recorded as a :class:`Call`, failed ones too, with the answer given. Answers follow Slack's
documented shapes (``{"ok": true, ...}``, errors as ``{"ok": false, "error": ...}`` with HTTP
200), with the state a test wants to assert on kept in plain attributes: ``messages`` (the current
text and blocks of each posted message, by channel and ts), ``topics``, ``usergroups``, ``views``
and ``home_views``.

Failure injection (``fail_next``), per-channel post spacing like Slack's one message a second
(``post_spacing``) and ``response_url`` endpoints for Bolt's ``respond()`` are described on the
methods. The state is in memory and lives as long as the instance.

The calls received and the waits on them are in :mod:`tests.fake_slack_calls`, the Web API
methods in :mod:`tests.fake_slack_methods`; this module is the server that dispatches to them.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import math
import time
from collections import defaultdict, deque
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from tests.fake_slack_calls import Call, CallLog
from tests.fake_slack_methods import METHODS, MethodError, SlackMethods
from tests.fake_slack_socket import SocketMode

__all__ = [
    "API_APP_ID",
    "BOT_ID",
    "BOT_USER_ID",
    "FAILURE_KINDS",
    "TEAM_DOMAIN",
    "TEAM_ID",
    "Call",
    "FakeSlack",
    "MethodError",
]

TEAM_ID = "T0FAKE0001"
TEAM_DOMAIN = "oncall-fake"
API_APP_ID = "A0FAKEAPP1"
BOT_USER_ID = "U0FAKEBOT1"
BOT_ID = "B0FAKEBOT1"

FAILURE_KINDS = (
    "429", "500", "ratelimited", "channel_not_found", "not_in_channel", "invalid_auth", "timeout",
    "lost",
)  # fmt: skip


class FakeSlack(CallLog, SlackMethods, SocketMode):
    """The fake server. Use ``async with FakeSlack() as fake:`` or ``await start()``/``stop()``.

    ``token``: when set, a call with another token answers ``invalid_auth`` (none at all:
    ``not_authed``). ``users_by_email``: what ``users.lookupByEmail`` finds. ``post_spacing``:
    seconds that must pass between successful ``chat.postMessage`` calls to one channel, else HTTP
    429 and ``rate_limited`` counts one. ``hang_seconds``: how long a "timeout" failure holds the
    request at most (longer than any client timeout; it ends when the client gives up or at
    ``stop()``).
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        users_by_email: Mapping[str, str] | None = None,
        post_spacing: float = 0.0,
        hang_seconds: float = 60.0,
        port: int = 0,
    ) -> None:
        self.port = port
        self.token = token
        self.users_by_email: dict[str, str] = dict(users_by_email or {})
        self.post_spacing = post_spacing
        self.hang_seconds = hang_seconds
        self.team_id, self.team_domain, self.app_id = TEAM_ID, TEAM_DOMAIN, API_APP_ID
        self.bot_user_id, self.bot_id = BOT_USER_ID, BOT_ID
        self.received: list[Call] = []
        self.responses: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
        self.rate_limited = 0
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        self.topics: dict[str, str] = {}
        self._topic_set: dict[str, int] = {}
        self.usergroups: dict[str, list[str]] = {}
        self.views: dict[str, dict[str, Any]] = {}
        self.home_views: dict[str, dict[str, Any]] = {}
        self.opened_dms: dict[str, str] = {}
        self._failures: defaultdict[str, deque[tuple[str, int]]] = defaultdict(deque)
        self._last_post: dict[str, float] = {}
        self._serial = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._closing: asyncio.Event | None = None
        self._base_url: str | None = None
        self._socket_init()

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> FakeSlack:
        """Listen on 127.0.0.1 at a free port."""
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{name}", self._response)
        app.router.add_get("/socket", self._socket)
        self._closing = asyncio.Event()
        self._runner = web.AppRunner(
            app, access_log=None, shutdown_timeout=1.0, handler_cancellation=True
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self._base_url = f"http://{host}:{port}"
        return self

    async def stop(self) -> None:
        """Stop listening; requests held by a "timeout" failure are let go first."""
        if self._closing is not None:
            self._closing.set()
        await self._close_sockets()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeSlack:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            raise RuntimeError("FakeSlack is not started")
        return self._base_url

    @property
    def api_url(self) -> str:
        """The Web API base URL, ending in "/api/" as slack_sdk's base_url must."""
        return f"{self.base_url}/api/"

    def response_url(self, name: str) -> str:
        """A response_url whose POSTs land, JSON-decoded, in ``responses[name]``."""
        return f"{self.base_url}/response/{name}"

    # -- failure injection -----------------------------------------------------------------

    def fail_next(self, method: str, kind: str, times: int = 1, retry_after: int = 1) -> None:
        """Make the next ``times`` calls of ``method`` fail. ``kind``: "429" (HTTP 429 with a
        Retry-After of ``retry_after`` seconds), "500", "timeout" (held ``hang_seconds``, not
        carried out, no answer unless the client waits that long: then HTTP 503), "lost" (carried
        out and recorded like a success, then the answer held like "timeout": Slack did it but
        the caller never heard), or a Slack
        error code answered as HTTP 200 ``ok: false`` ("ratelimited", "channel_not_found",
        "not_in_channel", "invalid_auth", or any other)."""
        if not kind or not kind.replace("_", "").isalnum():
            raise ValueError(f"unknown failure kind {kind!r}; known: {FAILURE_KINDS}")
        for _ in range(times):
            self._failures[method].append((kind, retry_after))

    # -- server ----------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        at = time.monotonic()
        method = request.match_info["method"]
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            body = await request.json() if request.can_read_body else {}
            params.update(body if isinstance(body, dict) else {})
        elif request.can_read_body:
            params.update((k, v) for k, v in (await request.post()).items())
        token = params.pop("token", None)
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            token = auth.removeprefix("Bearer ")

        failures = self._failures.get(method)
        if failures:
            kind, retry_after = failures.popleft()
            if kind == "timeout":
                return await self._hold(Call(method, params, token, at, status=0))
            if kind == "lost" and method in METHODS:
                with contextlib.suppress(MethodError):
                    getattr(self, METHODS[method])(params)  # carried out, the answer lost
                return await self._hold(Call(method, params, token, at, status=0))
            return self._answer(Call(method, params, token, at), *_failure(kind, retry_after))
        if method == "apps.connections.open":  # Socket Mode: the app-level token only
            ok = self.app_token is not None and token == self.app_token
            answer = self._connections_open() if ok else _error("invalid_auth")
            return self._answer(Call(method, params, token, at), 200, answer)
        if token is None:
            return self._answer(Call(method, params, token, at), 200, _error("not_authed"))
        if self.token is not None and token != self.token:
            return self._answer(Call(method, params, token, at), 200, _error("invalid_auth"))
        handler = METHODS.get(method)
        if handler is None:
            return self._answer(Call(method, params, token, at), 200, _error("unknown_method"))
        if method == "chat.postMessage" and self.post_spacing > 0:
            wait = self._spacing_wait(params.get("channel"), at)
            if wait > 0:
                self.rate_limited += 1
                answer = _error("ratelimited")
                headers = {"Retry-After": str(max(1, math.ceil(wait)))}
                return self._answer(Call(method, params, token, at), 429, answer, headers)
        try:
            answer = {"ok": True, **getattr(self, handler)(params)}
        except MethodError as e:
            answer = _error(e.code)
        if method == "chat.postMessage" and answer["ok"]:
            self._last_post[answer["channel"]] = at
        return self._answer(Call(method, params, token, at), 200, answer)

    def _spacing_wait(self, channel: Any, at: float) -> float:
        channel = str(channel or "")
        channel = self.dm_channel(channel) if channel[:1] in ("U", "W") else channel
        last = self._last_post.get(channel)
        return 0.0 if last is None else self.post_spacing - (at - last)

    def _answer(
        self,
        call: Call,
        status: int,
        answer: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> web.Response:
        self.received.append(
            Call(call.method, call.params, call.token, call.at, status=status, answer=answer)
        )
        return web.json_response(answer, status=status, headers=headers)

    async def _hold(self, call: Call) -> web.Response:
        self.received.append(call)
        assert self._closing is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), self.hang_seconds)
        return web.json_response(_error("timeout"), status=503)

    async def _response(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        try:
            body = await request.json()
        except ValueError:
            body = dict(await request.post())
        self.responses[name].append(body)
        return web.json_response({"ok": True})


def _error(code: str) -> dict[str, Any]:
    return {"ok": False, "error": code}


def _failure(kind: str, retry_after: int) -> tuple[int, dict[str, Any], dict[str, str] | None]:
    if kind == "429":
        return 429, _error("ratelimited"), {"Retry-After": str(retry_after)}
    if kind == "500":
        return 500, _error("internal_error"), None
    return 200, _error(kind), None
