"""GitHub Issues (REST, ``GITHUB_API_URL``, ``GITHUB_REPO``).

The issue: the ticket's summary as title, the description as Markdown ending with the
marker ``<!-- oncall-incident-<id> -->`` (the idempotency key; alert text cannot forge it:
``<`` is escaped in everything it says), labels ``oncall``, ``service:<id>`` and
``severity:<s>``, the paged person's ``github:`` login as assignee. Finding by the key reads
the newest 100 issues labelled ``oncall`` (the list endpoint, not search, which lags behind).
A login GitHub refuses as assignee (422: not a collaborator) makes an unassigned issue.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from core.ports import Clock
from core.tickets.document import Document
from core.tickets.markup import GITHUB_TITLE, markdown, safe_url, title
from core.tickets.ports import TicketRecord
from core.tickets.text import label
from integrations.ticketing.http import TIMEOUT, TrackerClient, TrackerError, tracker_words
from integrations.ticketing.tracker import Created, TicketEvent

API_VERSION = "2022-11-28"


def marker(idempotency_key: str) -> str:
    """The line that carries the idempotency key in an issue's body."""
    return f"<!-- {idempotency_key} -->"


class GitHubTracker:
    system = "github"

    def __init__(
        self, api_url: str, repo: str, token: str, clock: Clock, *, timeout: Any = TIMEOUT
    ) -> None:
        headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
        }
        self._client = TrackerClient(
            api_url, headers, clock, secrets=[token], timeout=timeout, name="GitHub"
        )
        owner, _, name = repo.partition("/")
        self._issues = f"/repos/{quote(owner, safe='')}/{quote(name, safe='')}/issues"

    async def find(self, event: TicketEvent) -> Created | None:
        params = {
            "labels": "oncall",
            "state": "all",
            "sort": "created",
            "direction": "desc",
            "per_page": "100",
        }
        _, issues = await self._client.call("GET", self._issues, params=params)
        wanted = marker(event.idempotency_key)
        for issue in issues if isinstance(issues, list) else []:
            body = issue.get("body") or "" if isinstance(issue, dict) else ""
            if "pull_request" not in issue and wanted in body.splitlines():
                return _created(issue)
        return None

    async def create(self, event: TicketEvent) -> Created:
        text = event.text
        assert text is not None
        person = event.config.person(text.assignee) if text.assignee else None
        login = person.github if person else None
        payload: dict[str, Any] = {
            "title": title(text.summary, GITHUB_TITLE),
            "body": markdown(text.body) + "\n\n" + marker(event.idempotency_key),
            "labels": [
                "oncall",
                label(f"service:{text.service}"),
                label(f"severity:{text.severity}"),
            ],
        }
        why = None if login else "they have no github login in the configuration"
        if login:
            payload["assignees"] = [login]
        status, issue = await self._client.call("POST", self._issues, body=payload, accept=(422,))
        if status == 422:
            if not login:
                raise TrackerError(
                    f"GitHub POST {self._issues}: 422: {tracker_words(issue)}", retry=False
                )
            del payload["assignees"]  # not assignable here: the issue without an assignee
            why = f"GitHub refused {login} as assignee"
            _, issue = await self._client.call("POST", self._issues, body=payload)
        return _created(issue, why)

    async def comment(self, ticket: TicketRecord, event: TicketEvent, body: Document) -> str | None:
        path = f"{self._issue(ticket)}/comments"
        _, answer = await self._client.call("POST", path, body={"body": markdown(body)})
        return str(answer["id"]) if isinstance(answer, dict) and "id" in answer else None

    async def assign(self, ticket: TicketRecord, event: TicketEvent, person_id: str) -> bool:
        """Replace the assignees with the person's login; False without one, or when GitHub
        refuses it (422: not a collaborator)."""
        person = event.config.person(person_id)
        if person is None or not person.github:
            return False
        body = {"assignees": [person.github]}
        status, issue = await self._client.call(
            "PATCH", self._issue(ticket), body=body, accept=(422,)
        )
        logins = [
            a.get("login") for a in (issue or {}).get("assignees") or [] if isinstance(a, dict)
        ]
        return status != 422 and person.github in logins

    async def close(self, ticket: TicketRecord, event: TicketEvent) -> None:
        path = self._issue(ticket)
        await self._client.call(
            "PATCH", path, body={"state": "closed", "state_reason": "completed"}
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    def _issue(self, ticket: TicketRecord) -> str:
        number = ticket.external_id or ticket.key.lstrip("#")
        return f"{self._issues}/{quote(number, safe='')}"


def _created(issue: Any, why: str | None = None) -> Created:
    if not isinstance(issue, dict) or not isinstance(issue.get("number"), int):
        raise TrackerError("GitHub answered an issue without a number", retry=True)
    number = issue["number"]
    assigned = bool(issue.get("assignees") or issue.get("assignee"))
    return Created(
        f"#{number}",
        safe_url(issue.get("html_url")),
        str(number),
        assigned=assigned,
        unassigned_why=None if assigned else why or "GitHub did not take them as assignee",
    )
