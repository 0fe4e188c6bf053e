"""Jira Cloud (REST v3, descriptions and comments in Atlassian Document Format) and Jira
Server / Data Center (REST v2, wiki markup).

Which one: a ``JIRA_URL`` on ``*.atlassian.net`` is Cloud; any other host is asked once, at
the first call, ``GET /rest/api/2/serverInfo``, whose ``deploymentType`` says ``Cloud`` or
``Server``/``DataCenter`` (a Cloud site on its own domain answers ``Cloud``).
Authentication: with ``JIRA_USER``, Basic ``user:JIRA_API_TOKEN`` (Cloud: the account's email
and an API token); without, ``Bearer JIRA_API_TOKEN`` (a Server/Data Center personal
access token).

The issue: in ``JIRA_PROJECT``, type ``JIRA_ISSUE_TYPE`` (``Task``), labels ``oncall``, the
idempotency key and ``service-<id>``, priority from severity, the service's
``jira_component`` (else its id) as component, the paged engineer as assignee, found by
email (Cloud: ``/rest/api/3/user/search?query=`` → ``accountId``; Server:
``/rest/api/2/user/search?username=`` → ``name``). Found by the key with JQL on the label.
A create refused only for the priority, the component or the assignee (not on the
project's screen, no such component) is made again without them. On resolve: the
transition whose target status category is ``done``; none (the issue is done already, or
the workflow has no way there) is fine when the issue's status is done, else an error.
"""

from __future__ import annotations

import base64
import logging
from typing import Any
from urllib.parse import quote, urlsplit

from core.config.model import Person
from core.ports import Clock
from core.tickets.document import Document
from core.tickets.markup import JIRA_SUMMARY, adf, title, wiki
from core.tickets.ports import TicketRecord
from core.tickets.text import label
from integrations.ticketing.http import TIMEOUT, TrackerClient, TrackerError, tracker_words
from integrations.ticketing.tracker import Created, TicketEvent

log = logging.getLogger("oncall.tickets")
OPTIONAL_FIELDS = ("priority", "components", "assignee")


def is_cloud_url(url: str) -> bool:
    """Whether ``url`` is an Atlassian Cloud site (``*.atlassian.net``)."""
    host = (urlsplit(url).hostname or "").lower()
    return host == "atlassian.net" or host.endswith(".atlassian.net")


class JiraTracker:
    system = "jira"

    def __init__(
        self,
        url: str,
        user: str | None,
        token: str,
        project: str,
        clock: Clock,
        *,
        issue_type: str = "Task",
        timeout: Any = TIMEOUT,
    ) -> None:
        if user:
            basic = base64.b64encode(f"{user}:{token}".encode()).decode()
            auth, secrets = f"Basic {basic}", [token, basic]
        else:
            auth, secrets = f"Bearer {token}", [token]
        headers = {"Authorization": auth, "Accept": "application/json"}
        self._client = TrackerClient(
            url, headers, clock, secrets=secrets, timeout=timeout, name="Jira"
        )
        self._base = url.rstrip("/")
        self._project = project
        self._issue_type = issue_type
        self.cloud: bool | None = True if is_cloud_url(url) else None

    async def _is_cloud(self) -> bool:
        if self.cloud is None:
            _, info = await self._client.call("GET", "/rest/api/2/serverInfo")
            kind = info.get("deploymentType", "") if isinstance(info, dict) else ""
            self.cloud = str(kind).lower() == "cloud"
            log.info("Jira at %s is %s", self._base, "Cloud" if self.cloud else kind or "Server")
        return self.cloud

    async def _api(self) -> str:
        return "/rest/api/3" if await self._is_cloud() else "/rest/api/2"

    async def _render(self, body: Document) -> Any:
        return adf(body) if await self._is_cloud() else wiki(body)

    async def find(self, event: TicketEvent) -> Created | None:
        cloud = await self._is_cloud()
        jql = f'project = "{self._project}" AND labels = "{event.idempotency_key}"'
        query = {"jql": jql, "fields": ["assignee", "status"], "maxResults": 1}
        path = "/rest/api/3/search/jql" if cloud else "/rest/api/2/search"
        _, answer = await self._client.call("POST", path, body=query)
        issues = answer.get("issues") if isinstance(answer, dict) else None
        if not issues:
            return None
        issue = issues[0]
        fields = issue.get("fields") or {}
        return self._created(issue, assigned=bool(fields.get("assignee")))

    async def _user(self, person: Person | None) -> tuple[dict[str, str] | None, str | None]:
        """The Jira user of ``person`` as the assignee field wants it, else why not."""
        if person is None:
            return None, "they are not in the configuration"
        if not person.email:
            return None, "they have no email in the configuration"
        cloud = await self._is_cloud()
        path = "/rest/api/3/user/search" if cloud else "/rest/api/2/user/search"
        params = {"query": person.email} if cloud else {"username": person.email}
        _, users = await self._client.call("GET", path, params=params)
        for user in users if isinstance(users, list) else []:
            if not isinstance(user, dict) or user.get("active") is False:
                continue
            if (
                cloud
                and user.get("accountId")
                and user.get("accountType", "atlassian") == "atlassian"
            ):
                return {"accountId": str(user["accountId"])}, None
            if not cloud and user.get("name"):
                return {"name": str(user["name"])}, None
        return None, f"no Jira user has the email {person.email}"

    async def create(self, event: TicketEvent) -> Created:
        text = event.text
        assert text is not None
        service = next((s for s in event.config.services if s.id == text.service), None)
        component = service.jira_component if service and service.jira_component else text.service
        person = event.config.person(text.assignee) if text.assignee else None
        assignee, why = await self._user(person) if text.assignee else (None, None)
        fields: dict[str, Any] = {
            "project": {"key": self._project},
            "summary": title(text.summary, JIRA_SUMMARY),
            "issuetype": {"name": self._issue_type},
            "description": await self._render(text.body),
            "labels": ["oncall", event.idempotency_key, label(f"service-{text.service}", 255)],
            "priority": {"name": text.priority},
            "components": [{"name": component}],
        }
        if assignee is not None:
            fields["assignee"] = assignee
        path = f"{await self._api()}/issue"
        status, answer = await self._client.call(
            "POST", path, body={"fields": fields}, accept=(400,)
        )
        if status == 400:
            errors = answer.get("errors") if isinstance(answer, dict) else None
            refused = set(errors or {})
            if not refused or refused - set(OPTIONAL_FIELDS) or answer.get("errorMessages"):
                raise TrackerError(f"Jira POST {path}: 400: {tracker_words(answer)}", retry=False)
            for name in refused:
                fields.pop(name, None)
            log.warning("Jira refused %s; the issue is made without", ", ".join(sorted(refused)))
            if "assignee" in refused:
                assignee, why = None, "Jira refused them as assignee"
            _, answer = await self._client.call("POST", path, body={"fields": fields})
        created = self._created(answer, assigned=assignee is not None)
        return Created(created.key, created.url, created.external_id, created.assigned, why)

    async def comment(self, ticket: TicketRecord, event: TicketEvent, body: Document) -> str | None:
        path = f"{await self._api()}/issue/{quote(ticket.key, safe='')}/comment"
        _, answer = await self._client.call("POST", path, body={"body": await self._render(body)})
        return str(answer["id"]) if isinstance(answer, dict) and "id" in answer else None

    async def assign(self, ticket: TicketRecord, event: TicketEvent, person_id: str) -> bool:
        """``PUT .../issue/{key}/assignee`` with the person's Jira user, found by email; False
        when Jira has none or refuses them (400: not assignable in the project)."""
        user, _why = await self._user(event.config.person(person_id))
        if user is None:
            return False
        path = f"{await self._api()}/issue/{quote(ticket.key, safe='')}/assignee"
        status, _ = await self._client.call("PUT", path, body=user, accept=(400,))
        return status != 400

    async def close(self, ticket: TicketRecord, event: TicketEvent) -> None:
        issue = f"{await self._api()}/issue/{quote(ticket.key, safe='')}"
        _, answer = await self._client.call("GET", f"{issue}/transitions")
        transitions = answer.get("transitions") if isinstance(answer, dict) else None
        for transition in transitions or []:
            target = (transition.get("to") or {}).get("statusCategory") or {}
            if target.get("key") == "done":
                body = {"transition": {"id": str(transition["id"])}}
                await self._client.call("POST", f"{issue}/transitions", body=body)
                return
        _, found = await self._client.call("GET", issue, params={"fields": "status"})
        status = ((found or {}).get("fields") or {}).get("status") or {}
        if (status.get("statusCategory") or {}).get("key") != "done":
            raise TrackerError(f"Jira {ticket.key}: no transition leads to done", retry=False)

    async def aclose(self) -> None:
        await self._client.aclose()

    def _created(self, issue: Any, *, assigned: bool) -> Created:
        if not isinstance(issue, dict) or not isinstance(issue.get("key"), str):
            raise TrackerError("Jira answered an issue without a key", retry=True)
        key = issue["key"]
        url = f"{self._base}/browse/{quote(key, safe='')}"
        return Created(key, url, str(issue.get("id") or "") or None, assigned=assigned)
