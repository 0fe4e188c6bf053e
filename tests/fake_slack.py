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
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import json
import math
import time
from collections import defaultdict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

TEAM_ID = "T0FAKE0001"
TEAM_DOMAIN = "oncall-fake"
API_APP_ID = "A0FAKEAPP1"
BOT_USER_ID = "U0FAKEBOT1"
BOT_ID = "B0FAKEBOT1"

FAILURE_KINDS = (
    "429", "500", "ratelimited", "channel_not_found", "not_in_channel", "invalid_auth", "timeout",
)  # fmt: skip


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


class FakeSlack:
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
    ) -> None:
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

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> FakeSlack:
        """Listen on 127.0.0.1 at a free port."""
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{name}", self._response)
        self._closing = asyncio.Event()
        self._runner = web.AppRunner(
            app, access_log=None, shutdown_timeout=1.0, handler_cancellation=True
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self._base_url = f"http://{host}:{port}"
        return self

    async def stop(self) -> None:
        """Stop listening; requests held by a "timeout" failure are let go first."""
        if self._closing is not None:
            self._closing.set()
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

    # -- what tests read -------------------------------------------------------------------

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

    def dm_channel(self, user_id: str) -> str:
        """The stable "D…" channel id that conversations.open gives for a user."""
        return "D" + hashlib.sha1(user_id.encode()).hexdigest()[:10].upper()

    # -- failure injection -----------------------------------------------------------------

    def fail_next(self, method: str, kind: str, times: int = 1, retry_after: int = 1) -> None:
        """Make the next ``times`` calls of ``method`` fail. ``kind``: "429" (HTTP 429 with a
        Retry-After of ``retry_after`` seconds), "500", "timeout" (held ``hang_seconds``, not
        carried out, no answer unless the client waits that long: then HTTP 503), or a Slack
        error code answered as HTTP 200 ``ok: false`` ("ratelimited", "channel_not_found",
        "not_in_channel", "invalid_auth", or any other)."""
        if not kind or not kind.replace("_", "").isalnum():
            raise ValueError(f"unknown failure kind {kind!r}; known: {FAILURE_KINDS}")
        for _ in range(times):
            self._failures[method].append((kind, retry_after))

    # -- server ----------------------------------------------------------------------------

    def next_ts(self) -> str:
        """A new message ts, increasing: "1733200000.000100", "1733200000.000200", ..."""
        micros = 1_733_200_000_000_000 + next(self._serial) * 100
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def next_id(self, prefix: str) -> str:
        return f"{prefix}0FAKE{next(self._serial):05d}"

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
            return self._answer(Call(method, params, token, at), *_failure(kind, retry_after))
        if token is None:
            return self._answer(Call(method, params, token, at), 200, _error("not_authed"))
        if self.token is not None and token != self.token:
            return self._answer(Call(method, params, token, at), 200, _error("invalid_auth"))
        handler = _METHODS.get(method)
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

    # -- Web API methods: each takes the params and gives the answer without "ok" ------------

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": f"https://{self.team_domain}.slack.com/",
            "team": "Oncall Fake",
            "user": "oncall",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _channel(self, params: dict[str, Any]) -> str:
        channel = str(params.get("channel") or "")
        if not channel:
            raise MethodError("channel_not_found")
        return self.dm_channel(channel) if channel[0] in "UW" else channel

    def _message_fields(self, params: dict[str, Any]) -> dict[str, Any]:
        fields = {k: params[k] for k in _MESSAGE_FIELDS if params.get(k) is not None}
        for key in ("blocks", "attachments", "metadata"):  # JSON-encoded in a form body
            if key in fields:
                fields[key] = _decoded(fields[key])
        if "text" in fields:
            fields["text"] = str(fields["text"])
        return fields

    def _chat_post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params)
        if not any(params.get(k) for k in ("text", "blocks", "attachments")):
            raise MethodError("no_text")
        ts = self.next_ts()
        message = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
            "text": "",
            **self._message_fields(params),
            "ts": ts,
        }
        self.messages[(channel, ts)] = message
        return {"channel": channel, "ts": ts, "message": message}

    def _chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = self._channel(params), str(params.get("ts") or "")
        if (channel, ts) not in self.messages:
            raise MethodError("message_not_found")
        message = {**self.messages[(channel, ts)], **self._message_fields(params)}
        message["edited"] = {"user": self.bot_user_id, "ts": self.next_ts()}
        self.messages[(channel, ts)] = message
        return {"channel": channel, "ts": ts, "text": message["text"], "message": message}

    def _chat_delete(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = self._channel(params), str(params.get("ts") or "")
        if self.messages.pop((channel, ts), None) is None:
            raise MethodError("message_not_found")
        return {"channel": channel, "ts": ts}

    def _chat_post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        self._channel(params)
        if not params.get("user"):
            raise MethodError("user_not_in_channel")
        if not any(params.get(k) for k in ("text", "blocks", "attachments")):
            raise MethodError("no_text")
        return {"message_ts": self.next_ts()}

    def _conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        users = _listed(params.get("users"))
        if params.get("channel"):
            return {"channel": {"id": str(params["channel"])}}
        if not users:
            raise MethodError("users_list_not_supplied")
        if len(users) == 1:
            channel = self.dm_channel(users[0])
        else:
            channel = "G" + hashlib.sha1(",".join(sorted(users)).encode()).hexdigest()[:10].upper()
        again = channel in self.opened_dms
        self.opened_dms[channel] = users[0]
        answer: dict[str, Any] = {"channel": {"id": channel}}
        return {**answer, "no_op": True, "already_open": True} if again else answer

    def _user(self, user_id: str, email: str | None = None) -> dict[str, Any]:
        email = email or next((e for e, u in self.users_by_email.items() if u == user_id), None)
        name = email.split("@")[0] if email else user_id.lower()
        profile = {"real_name": name, "display_name": name, "team": self.team_id}
        return {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "real_name": name,
            "deleted": False,
            "is_bot": False,
            "tz": "Europe/London",
            "tz_offset": 0,
            "profile": {**profile, "email": email} if email else profile,
        }

    def _users_lookup_by_email(self, params: dict[str, Any]) -> dict[str, Any]:
        email = str(params.get("email") or "").lower()  # Slack matches emails in any case
        found = [(e, u) for e, u in self.users_by_email.items() if e.lower() == email]
        if not found:
            raise MethodError("users_not_found")
        return {"user": self._user(found[0][1], found[0][0])}

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user_id = str(params.get("user") or "")
        if user_id[:1] not in ("U", "W"):
            raise MethodError("user_not_found")
        return {"user": self._user(user_id)}

    def _view(self, view: Any, view_id: str) -> dict[str, Any]:
        view = _decoded(view)
        if not isinstance(view, dict) or "type" not in view:
            raise MethodError("invalid_arguments")
        return {
            "id": view_id,
            "team_id": self.team_id,
            "private_metadata": "",
            "callback_id": "",
            "external_id": "",
            "state": {"values": {}},
            "clear_on_close": False,
            "notify_on_close": False,
            **view,
            "hash": f"{time.time():.6f}.{next(self._serial):08x}",
            "root_view_id": view_id,
            "previous_view_id": None,
            "app_id": self.app_id,
            "bot_id": self.bot_id,
        }

    def _views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("trigger_id"):
            raise MethodError("invalid_trigger_id")
        view = self._view(params.get("view"), self.next_id("V"))
        self.views[view["id"]] = view
        return {"view": view}

    def _views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        view_id = params.get("view_id")
        if not view_id and params.get("external_id"):
            found = [v for v in self.views.values() if v["external_id"] == params["external_id"]]
            view_id = found[0]["id"] if found else None
        old = self.views.get(str(view_id))
        if old is None:
            raise MethodError("not_found")
        if params.get("hash") and params["hash"] != old["hash"]:
            raise MethodError("hash_conflict")
        self.views[old["id"]] = self._view(params.get("view"), old["id"])
        return {"view": self.views[old["id"]]}

    def _views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        user_id = str(params.get("user_id") or "")
        if not user_id:
            raise MethodError("invalid_arguments")
        old = self.home_views.get(user_id)
        view = self._view(params.get("view"), old["id"] if old else self.next_id("V"))
        self.home_views[user_id] = view
        return {"view": view}

    def _usergroups_users_update(self, params: dict[str, Any]) -> dict[str, Any]:
        usergroup, users = str(params.get("usergroup") or ""), _listed(params.get("users"))
        if not usergroup.startswith("S"):
            raise MethodError("no_such_subteam")
        if not users:
            raise MethodError("no_users_provided")
        self.usergroups[usergroup] = users
        group = {"id": usergroup, "team_id": self.team_id, "is_usergroup": True}
        return {"usergroup": {**group, "users": users, "user_count": len(users)}}

    def _conversation(self, channel: str) -> dict[str, Any]:
        is_im = channel.startswith("D")
        topic = {
            "value": self.topics.get(channel, ""),
            "creator": self.bot_user_id if channel in self.topics else "",
            "last_set": self._topic_set.get(channel, 0),
        }
        about = {
            "id": channel,
            "is_channel": channel.startswith("C"),
            "is_group": channel.startswith("G"),
            "is_im": is_im,
            "is_private": not channel.startswith("C"),
            "is_archived": False,
            "created": 1_733_000_000,
        }
        if is_im:
            return {**about, "user": self.opened_dms.get(channel, "")}
        purpose = {"value": "", "creator": "", "last_set": 0}
        about = {**about, "name": channel.lower(), "is_member": True}
        return {**about, "topic": topic, "purpose": purpose}

    def _conversations_set_topic(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, topic = self._channel(params), str(params.get("topic") or "")
        if len(topic) > 250:
            raise MethodError("too_long")
        self.topics[channel], self._topic_set[channel] = topic, int(time.time())
        return {"channel": self._conversation(channel)}

    def _conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"channel": self._conversation(self._channel(params))}

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


class MethodError(Exception):
    """A Slack error answer (``{"ok": false, "error": code}``) from a method handler."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


_MESSAGE_FIELDS = ("text", "blocks", "attachments", "metadata", "thread_ts")

_METHODS = {
    "auth.test": "_auth_test",
    "chat.postMessage": "_chat_post_message",
    "chat.update": "_chat_update",
    "chat.postEphemeral": "_chat_post_ephemeral",
    "chat.delete": "_chat_delete",
    "conversations.open": "_conversations_open",
    "conversations.info": "_conversations_info",
    "conversations.setTopic": "_conversations_set_topic",
    "users.lookupByEmail": "_users_lookup_by_email",
    "users.info": "_users_info",
    "views.open": "_views_open",
    "views.update": "_views_update",
    "views.publish": "_views_publish",
    "usergroups.users.update": "_usergroups_users_update",
}


def _decoded(value: Any) -> Any:
    """A JSON-encoded form field (blocks, view) decoded; anything else as it is."""
    if isinstance(value, str) and value[:1] in ("[", "{"):
        with contextlib.suppress(ValueError):
            return json.loads(value)
    return value


def _listed(value: Any) -> list[str]:
    """A comma-separated string (as slack_sdk sends users) or a list, as a list of ids."""
    items = value if isinstance(value, list) else str(value or "").split(",")
    return [str(item).strip() for item in items if str(item).strip()]
