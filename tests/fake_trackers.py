"""Fake ticket trackers on loopback: Jira (Cloud REST v3 or Server REST v2), GitHub Issues and
a ticket webhook receiver, answering the real paths with the real payload shapes, recording
every request (refused ones too).

Jira (``jira_deployment`` "Cloud" or "Server"): ``GET /rest/api/2/serverInfo``; user search
(Cloud ``/rest/api/3/user/search?query=`` → ``accountId``, Server
``/rest/api/2/user/search?username=`` → ``name``); ``POST /rest/api/{2,3}/issue`` (a v3
description must be an ADF document, a v2 one a string; an unknown component is a 400 with
``errors.components`` as Jira answers it); search by JQL (Cloud ``POST /rest/api/3/search/jql``,
Server ``POST /rest/api/2/search``; only ``labels = "x"`` is read); comments; transitions
(To Do, In Progress, Done); ``GET .../issue/{key}?fields=status``.

GitHub: ``GET/POST /repos/{o}/{r}/issues`` (list filtered by ``labels``, newest first; an
assignee not in ``collaborators`` is a 422 Validation Failed), ``POST .../issues/{n}/comments``,
``PATCH .../issues/{n}``. Webhook: ``POST /hook`` answers ``{"key", "url"}``.

Faults: :meth:`FakeTrackers.fail` answers the next matching requests with a status (and
headers); :meth:`FakeTrackers.slow` does the work of the next matching request, then waits
before answering (a create that times out after the tracker made it).
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import re
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.loopback_thread import LoopbackThread

TOKEN = "secret-token-123"


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    raw: bytes
    status: int = 0


@dataclass
class Fault:
    method: str
    path: re.Pattern[str]
    status: int
    times: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    delay: float = 0.0  # > 0: do the work, then wait this long before answering


class FakeTrackers:
    """Serves Jira, GitHub and a webhook receiver on one loopback port, in its own thread."""

    def __init__(self, *, jira_deployment: str = "Server", jira_user: str | None = "bot@x.io"):
        self.jira_deployment = jira_deployment
        self.jira_user = jira_user
        self.jira_users: dict[str, str] = {"alice@example.com": "alice-jira"}  # email -> id/name
        self.components = {"checkout-api", "Payments"}
        self.collaborators = {"alice-gh", "bob-gh"}
        self.requests: list[Request] = []
        self.jira_issues: dict[str, dict[str, Any]] = {}
        self.github_issues: dict[int, dict[str, Any]] = {}
        self.comments: dict[str, list[Any]] = {}  # issue key (Jira) or "#n" -> bodies
        self.hooks: list[Request] = []
        self._faults: list[Fault] = []
        self._ids = itertools.count(10001)
        self._server = LoopbackThread(self._app)

    # lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> FakeTrackers:
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.port}"

    def fail(self, method: str, path: str, status: int, times: int = 1, **kw: Any) -> None:
        """Answer the next ``times`` requests of ``method`` whose path matches ``path`` (a
        regular expression) with ``status`` (``headers``, ``body`` as given)."""
        self._faults.append(Fault(method, re.compile(path), status, times, **kw))

    def slow(self, method: str, path: str, delay: float, times: int = 1) -> None:
        """Do the next matching requests' work, then wait ``delay`` seconds to answer."""
        self._faults.append(Fault(method, re.compile(path), 0, times, delay=delay))

    def made(self, method: str, pattern: str) -> list[Request]:
        """The requests of ``method`` whose path matches ``pattern`` (answered or not)."""
        return [r for r in self.requests if r.method == method and re.search(pattern, r.path)]

    # serving -----------------------------------------------------------------------------

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._serve)
        return app

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        recorded = Request(
            request.method, request.path, dict(request.query), dict(request.headers), body, raw
        )
        self.requests.append(recorded)
        fault = next(
            (
                f
                for f in self._faults
                if f.times > 0 and f.method == request.method and f.path.search(request.path)
            ),
            None,
        )
        if fault is not None:
            fault.times -= 1
            if not fault.delay:
                recorded.status = fault.status
                return web.json_response(
                    fault.body or {"message": "injected"},
                    status=fault.status,
                    headers=fault.headers,
                )
        if not self._authorized(request):
            recorded.status = 401
            return web.json_response({"message": "Bad credentials"}, status=401)
        status, answer = self._route(
            request.method, request.path, dict(request.query), body, raw, recorded
        )
        if fault is not None and fault.delay:
            await asyncio.sleep(fault.delay)
        recorded.status = status
        if answer is None:
            return web.Response(status=status)
        return web.json_response(answer, status=status)

    def _authorized(self, request: web.Request) -> bool:
        if request.path == "/hook":
            return True  # the receiver checks the signature itself (tests do)
        given = request.headers.get("Authorization", "")
        if request.path.startswith("/rest/"):
            if self.jira_user:
                basic = base64.b64encode(f"{self.jira_user}:{TOKEN}".encode()).decode()
                return given == f"Basic {basic}"
            return given == f"Bearer {TOKEN}"
        return given == f"Bearer {TOKEN}"

    def _route(
        self, method: str, path: str, query: dict[str, str], body: Any, raw: bytes, rec: Request
    ) -> tuple[int, Any]:
        if path == "/hook" and method == "POST":
            self.hooks.append(rec)
            return 200, {"key": f"EXT-{len(self.hooks)}", "url": "https://tickets.example/EXT"}
        if path.startswith("/rest/api/"):
            return self._jira(method, path, query, body)
        if path.startswith("/repos/"):
            return self._github(method, path, query, body)
        return 404, {"message": "Not Found"}

    # Jira --------------------------------------------------------------------------------

    def _jira(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        cloud = self.jira_deployment == "Cloud"
        if path == "/rest/api/2/serverInfo":
            return 200, {
                "baseUrl": self.url,
                "version": "9.12.0",
                "deploymentType": self.jira_deployment,
            }
        version = path.split("/")[3]
        if (version == "3") != cloud and path != "/rest/api/2/serverInfo":
            return 404, {"errorMessages": ["no such API version here"]}
        if path.endswith("/user/search") and method == "GET":
            email = query.get("query" if cloud else "username", "")
            found = self.jira_users.get(email)
            if not found:
                return 200, []
            if cloud:
                return 200, [
                    {
                        "accountId": found,
                        "accountType": "atlassian",
                        "active": True,
                        "displayName": email,
                    }
                ]
            return 200, [{"name": found, "key": found, "emailAddress": email, "active": True}]
        if path in ("/rest/api/3/search/jql", "/rest/api/2/search") and method == "POST":
            match = re.search(r'labels = "([^"]+)"', (body or {}).get("jql", ""))
            wanted = match.group(1) if match else None
            issues = [
                {
                    "id": i["id"],
                    "key": i["key"],
                    "fields": {"assignee": i["fields"].get("assignee"), "status": i["status"]},
                }
                for i in self.jira_issues.values()
                if wanted in i["fields"].get("labels", [])
            ]
            return 200, ({"issues": issues} if cloud else {"issues": issues, "total": len(issues)})
        if path == f"/rest/api/{version}/issue" and method == "POST":
            fields = (body or {}).get("fields") or {}
            description = fields.get("description")
            if cloud and not (isinstance(description, dict) and description.get("type") == "doc"):
                return 400, {
                    "errorMessages": [],
                    "errors": {"description": "Operation value must be an Atlassian Document"},
                }
            if not cloud and not isinstance(description, str):
                return 400, {"errorMessages": [], "errors": {"description": "must be a string"}}
            for component in fields.get("components", []):
                if component.get("name") not in self.components:
                    return 400, {
                        "errorMessages": [],
                        "errors": {
                            "components": f"Component name '{component.get('name')}' is not valid"
                        },
                    }
            number = len(self.jira_issues) + 1
            project = fields["project"]["key"]
            key = f"{project}-{number}"
            issue_id = str(next(self._ids))
            self.jira_issues[key] = {
                "id": issue_id,
                "key": key,
                "fields": fields,
                "status": {"name": "To Do", "statusCategory": {"key": "new"}},
            }
            return 201, {
                "id": issue_id,
                "key": key,
                "self": f"{self.url}/rest/api/{version}/issue/{issue_id}",
            }
        match = re.fullmatch(
            rf"/rest/api/{version}/issue/([^/]+)(/comment|/transitions|/assignee)?", path
        )
        if match is None or match.group(1) not in self.jira_issues:
            return 404, {
                "errorMessages": ["Issue does not exist or you do not have permission to see it."],
                "errors": {},
            }
        issue = self.jira_issues[match.group(1)]
        if match.group(2) == "/comment" and method == "POST":
            text = (body or {}).get("body")
            if cloud != isinstance(text, dict):
                return 400, {"errorMessages": [], "errors": {"comment": "wrong body format"}}
            self.comments.setdefault(issue["key"], []).append(text)
            return 201, {"id": str(next(self._ids)), "body": text}
        if match.group(2) == "/assignee" and method == "PUT":
            user = body or {}
            if (
                user.get("accountId") if cloud else user.get("name")
            ) not in self.jira_users.values():
                return 400, {"errorMessages": [], "errors": {"assignee": "User cannot be assigned"}}
            issue["fields"]["assignee"] = user
            return 204, None
        if match.group(2) == "/transitions" and method == "GET":
            return 200, {
                "expand": "transitions",
                "transitions": [
                    {
                        "id": "11",
                        "name": "To Do",
                        "to": {"name": "To Do", "statusCategory": {"key": "new"}},
                    },
                    {
                        "id": "21",
                        "name": "In Progress",
                        "to": {"name": "In Progress", "statusCategory": {"key": "indeterminate"}},
                    },
                    {
                        "id": "31",
                        "name": "Done",
                        "to": {"name": "Done", "statusCategory": {"key": "done"}},
                    },
                ],
            }
        if match.group(2) == "/transitions" and method == "POST":
            if (body or {}).get("transition", {}).get("id") == "31":
                issue["status"] = {"name": "Done", "statusCategory": {"key": "done"}}
            return 204, None
        if match.group(2) is None and method == "GET":
            return 200, {
                "id": issue["id"],
                "key": issue["key"],
                "fields": {"status": issue["status"]},
            }
        return 405, {"errorMessages": ["method not allowed"]}

    # GitHub ------------------------------------------------------------------------------

    def _github(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        match = re.fullmatch(r"/repos/([^/]+)/([^/]+)/issues(?:/(\d+)(/comments)?)?", path)
        if match is None:
            return 404, {"message": "Not Found"}
        number = int(match.group(3)) if match.group(3) else None
        if number is None and method == "GET":
            wanted = set(filter(None, query.get("labels", "").split(",")))
            issues = [
                i
                for i in sorted(self.github_issues.values(), key=lambda i: -i["number"])
                if wanted <= {label["name"] for label in i["labels"]}
            ]
            return 200, issues[: int(query.get("per_page", "30"))]
        if number is None and method == "POST":
            fields = body or {}
            for login in fields.get("assignees", []):
                if login not in self.collaborators:
                    return 422, {
                        "message": "Validation Failed",
                        "errors": [
                            {
                                "value": login,
                                "resource": "Issue",
                                "field": "assignees",
                                "code": "invalid",
                            }
                        ],
                        "documentation_url": "https://docs.github.com/rest/issues/issues#create-an-issue",
                    }
            number = len(self.github_issues) + 1
            issue = {
                "id": next(self._ids),
                "number": number,
                "title": fields.get("title"),
                "body": fields.get("body"),
                "state": "open",
                "state_reason": None,
                "html_url": f"https://github.example/{match.group(1)}/{match.group(2)}/issues/{number}",
                "labels": [{"name": n} for n in fields.get("labels", [])],
                "assignees": [{"login": n} for n in fields.get("assignees", [])],
            }
            issue["assignee"] = issue["assignees"][0] if issue["assignees"] else None
            self.github_issues[number] = issue
            return 201, issue
        if number not in self.github_issues:
            return 404, {"message": "Not Found"}
        issue = self.github_issues[number]
        if match.group(4) and method == "POST":
            self.comments.setdefault(f"#{number}", []).append((body or {}).get("body"))
            return 201, {"id": next(self._ids), "body": (body or {}).get("body")}
        if method == "PATCH":
            fields = body or {}
            if any(login not in self.collaborators for login in fields.get("assignees", [])):
                return 422, {"message": "Validation Failed", "errors": [{"field": "assignees"}]}
            issue.update({k: v for k, v in fields.items() if k in ("state", "state_reason")})
            if "assignees" in fields:
                issue["assignees"] = [{"login": n} for n in fields["assignees"]]
            return 200, issue
        return 405, {"message": "method not allowed"}
