"""A fake Bot Framework connector (the activity's ``serviceUrl``) on loopback, for tests that
drive botbuilder's ``ConnectorClient`` and ``TeamsInfo`` without Teams.

Give ``connector.url`` as the incoming activity's ``serviceUrl`` (and as the ``service_url`` of
the token from ``FakeIdentity.token``). It answers the v3 REST paths of
``botframework/connector/aio/operations_async`` and ``connector/teams/operations``:

- ``POST /v3/conversations`` (create: ``{"id", "activityId", "serviceUrl"}``),
  ``GET /v3/conversations``;
- ``POST /v3/conversations/{cid}/activities`` (send) and ``.../activities/{aid}`` (reply), both
  answering a new unique ``{"id"}``; ``PUT .../activities/{aid}`` (update), ``DELETE`` same;
- ``GET /v3/conversations/{cid}/members``, ``.../pagedmembers``, ``.../members/{uid}`` (from
  ``members``, looked up by id or ``aadObjectId``; 404 ``MemberNotFoundInConversation``);
- ``GET /v3/teams/{tid}/conversations`` (``channels``) and ``GET /v3/teams/{tid}`` (``teams``),
  404 for a team in neither.

Every request is recorded (failed and refused ones too). With an identity, a request whose
bearer token ``identity.verify`` refuses is answered 401 and recorded ``authorized=False``;
without one, every request is accepted and ``authorized`` says whether it carried a bearer
token. ``messages`` holds the current body of each posted activity (updates applied, deletes
removed). Runs in its own thread: botbuilder's ``TeamsConnectorClient`` calls synchronously.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web

from tests.fake_identity import FakeIdentity
from tests.loopback_thread import LoopbackThread

__all__ = ["FakeConnector", "Recorded", "fake_connector"]

_WRITES = ("POST", "PUT", "DELETE")


@dataclass
class Recorded:
    """One request: ``status`` is the answer given; ``body`` the JSON sent, if any."""

    method: str
    path: str
    conversation_id: str | None
    activity_id: str | None
    body: dict[str, Any] | None
    authorized: bool
    status: int


@dataclass
class _Failure:
    status: int
    count: int
    headers: dict[str, str]
    path_contains: str | None


Handler = Callable[[web.Request, dict[str, Any] | None], Awaitable[tuple[int, Any]]]


class FakeConnector:
    """The connector. ``with FakeConnector(identity) as connector:`` or ``start()``/``stop()``."""

    def __init__(self, identity: FakeIdentity | None = None) -> None:
        self.identity = identity
        self.records: list[Recorded] = []
        self.members: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, list[dict[str, Any]]] = {}
        self.teams: dict[str, dict[str, Any]] = {}
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        self._failures: list[_Failure] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server = LoopbackThread(self._app)

    # --- lifecycle -------------------------------------------------------------------------
    def start(self) -> FakeConnector:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> FakeConnector:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The ``serviceUrl``, with the trailing slash Teams sends."""
        if not self._server.port:
            raise RuntimeError("FakeConnector is not started")
        return f"http://127.0.0.1:{self._server.port}/"

    # --- what tests read -------------------------------------------------------------------
    def _select(self, test: Callable[[Recorded], bool]) -> list[Recorded]:
        with self._lock:
            return [r for r in self.records if test(r)]

    def sent(self, conversation_id: str | None = None) -> list[Recorded]:
        """Activities POSTed and accepted (new ones and replies), in order. A reply's
        ``activity_id`` is its own new id; the replied-to id is in its ``path``."""
        return self._select(
            lambda r: (
                r.method == "POST"
                and "/activities" in r.path
                and 200 <= r.status < 300
                and conversation_id in (None, r.conversation_id)
            )
        )

    def updates(self, conversation_id: str | None = None) -> list[Recorded]:
        """Activities PUT (updated) and accepted, in order."""
        return self._select(
            lambda r: (
                r.method == "PUT"
                and 200 <= r.status < 300
                and conversation_id in (None, r.conversation_id)
            )
        )

    def created(self) -> list[Recorded]:
        """Conversations created (``POST /v3/conversations``) and accepted."""
        return self._select(
            lambda r: r.method == "POST" and r.path == "/v3/conversations" and r.status < 300
        )

    def fail_next(
        self,
        status: int,
        count: int = 1,
        headers: dict[str, str] | None = None,
        path_contains: str | None = None,
    ) -> None:
        """Answers the next ``count`` writes (POST, PUT, DELETE) whose path contains
        ``path_contains`` (any, if None) with ``status`` and ``headers`` (e.g. 429 with
        ``{"Retry-After": "1"}``). Rules queue up; the first matching one is used. The failed
        requests are recorded with that status and change nothing."""
        with self._lock:
            self._failures.append(_Failure(status, count, dict(headers or {}), path_contains))

    async def wait_for(
        self,
        predicate: Callable[[list[Recorded]], bool],
        timeout: float = 10,  # noqa: ASYNC109 (the same API as the other fakes' waits)
    ) -> None:
        """Waits (polling, from any loop) until ``predicate(records)`` holds; AssertionError
        naming what was recorded after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                records = list(self.records)
            if predicate(records):
                return
            if time.monotonic() > deadline:
                seen = [(r.method, r.path, r.status) for r in records]
                raise AssertionError(f"connector wait timed out after {timeout} s; saw {seen}")
            await asyncio.sleep(0.01)

    # --- the server ------------------------------------------------------------------------
    def _app(self) -> web.Application:
        app = web.Application()
        routes: list[tuple[str, str, Handler]] = [
            ("POST", "/v3/conversations", self._create),
            ("GET", "/v3/conversations", self._list_conversations),
            ("POST", "/v3/conversations/{cid}/activities", self._send),
            ("POST", "/v3/conversations/{cid}/activities/{aid}", self._send),
            ("PUT", "/v3/conversations/{cid}/activities/{aid}", self._update),
            ("DELETE", "/v3/conversations/{cid}/activities/{aid}", self._delete),
            ("GET", "/v3/conversations/{cid}/members", self._list_members),
            ("GET", "/v3/conversations/{cid}/pagedmembers", self._paged_members),
            ("GET", "/v3/conversations/{cid}/members/{uid}", self._member),
            ("GET", "/v3/teams/{tid}/conversations", self._channels),
            ("GET", "/v3/teams/{tid}", self._team),
        ]
        for method, path, handler in routes:
            app.router.add_route(method, path, self._wrap(handler))
        return app

    def _authorized(self, request: web.Request) -> bool:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer" or not token:
            return False
        return self.identity is None or self.identity.verify(token) is not None

    def _failure_for(self, method: str, path: str) -> _Failure | None:
        if method not in _WRITES:
            return None
        with self._lock:
            for rule in self._failures:
                if rule.count > 0 and (rule.path_contains is None or rule.path_contains in path):
                    rule.count -= 1
                    self._failures = [f for f in self._failures if f.count > 0]
                    return rule
        return None

    def _wrap(self, handler: Handler) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def serve(request: web.Request) -> web.Response:
            body: dict[str, Any] | None = None
            if request.can_read_body:
                parsed = await request.json()
                body = parsed if isinstance(parsed, dict) else {"value": parsed}
            cid = request.match_info.get("cid")
            aid = request.match_info.get("aid")
            authorized = self._authorized(request)
            headers: dict[str, str] = {}
            if self.identity is not None and not authorized:
                status, answer = 401, _error("Unauthorized", "bearer token refused")
            elif (failure := self._failure_for(request.method, request.path)) is not None:
                status, answer = failure.status, _error("Failed", f"injected {failure.status}")
                headers = failure.headers
            else:
                status, answer = await handler(request, body)
                cid, aid = _ids_of(request, answer, cid, aid, status)
            record = Recorded(request.method, request.path, cid, aid, body, authorized, status)
            with self._lock:
                self.records.append(record)
            if answer is None:
                return web.Response(status=status, headers=headers)
            return web.json_response(answer, status=status, headers=headers)

        return serve

    def _new_id(self) -> str:
        return f"{next(self._ids)}-{uuid.uuid4().hex[:10]}"

    async def _create(self, request: web.Request, body: dict[str, Any] | None) -> tuple[int, Any]:
        cid = f"a:fake-conversation-{self._new_id()}"
        answer: dict[str, Any] = {"id": cid, "serviceUrl": self.url}
        if body and body.get("activity"):
            answer["activityId"] = aid = self._new_id()
            with self._lock:
                self.messages[(cid, aid)] = body["activity"]
        return 201, answer

    async def _list_conversations(self, request: web.Request, body: object) -> tuple[int, Any]:
        return 200, {"conversations": [], "continuationToken": None}

    async def _send(self, request: web.Request, body: dict[str, Any] | None) -> tuple[int, Any]:
        aid = self._new_id()
        with self._lock:
            self.messages[(request.match_info["cid"], aid)] = dict(body or {}, id=aid)
        return 201, {"id": aid}

    async def _update(self, request: web.Request, body: dict[str, Any] | None) -> tuple[int, Any]:
        key = (request.match_info["cid"], request.match_info["aid"])
        with self._lock:
            if key not in self.messages:
                return 404, _error("ActivityNotFoundInConversation", "no such activity")
            self.messages[key] = dict(body or {}, id=key[1])
        return 200, {"id": key[1]}

    async def _delete(self, request: web.Request, body: object) -> tuple[int, Any]:
        key = (request.match_info["cid"], request.match_info["aid"])
        with self._lock:
            self.messages.pop(key, None)
        return 200, None

    async def _list_members(self, request: web.Request, body: object) -> tuple[int, Any]:
        return 200, list(self.members.values())

    async def _paged_members(self, request: web.Request, body: object) -> tuple[int, Any]:
        return 200, {"members": list(self.members.values()), "continuationToken": None}

    async def _member(self, request: web.Request, body: object) -> tuple[int, Any]:
        uid = request.match_info["uid"]
        member = self.members.get(uid) or next(
            (m for m in self.members.values() if uid in (m.get("id"), m.get("aadObjectId"))),
            None,
        )
        if member is None:
            return 404, _error("MemberNotFoundInConversation", "The member was not found")
        return 200, member

    async def _channels(self, request: web.Request, body: object) -> tuple[int, Any]:
        tid = request.match_info["tid"]
        if tid not in self.channels and tid not in self.teams:
            return 404, _error("NotFound", "team not found")
        return 200, {"conversations": self.channels.get(tid, [])}

    async def _team(self, request: web.Request, body: object) -> tuple[int, Any]:
        tid = request.match_info["tid"]
        if tid not in self.channels and tid not in self.teams:
            return 404, _error("NotFound", "team not found")
        return 200, self.teams.get(tid) or {"id": tid, "name": f"Team {tid}", "aadGroupId": tid}


def _ids_of(
    request: web.Request, answer: Any, cid: str | None, aid: str | None, status: int
) -> tuple[str | None, str | None]:
    """The ids to record: a created conversation's own id (and its first activity's), a new
    activity's or a reply's own new id (the replied-to id stays in ``path``)."""
    if request.method != "POST" or not 200 <= status < 300 or not isinstance(answer, dict):
        return cid, aid
    if cid is None:
        return answer.get("id"), answer.get("activityId")
    return cid, answer.get("id")


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


@pytest.fixture
def fake_connector(fake_identity: FakeIdentity) -> Iterator[FakeConnector]:
    """A started ``FakeConnector`` checking tokens against the ``fake_identity`` fixture."""
    with FakeConnector(fake_identity) as connector:
        yield connector
