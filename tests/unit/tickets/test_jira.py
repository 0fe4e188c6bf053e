"""The Jira adapter against the fake Jira on loopback, Cloud (REST v3, ADF) and Server
(REST v2, wiki): the issue (project, summary, priority, component, labels, assignee by
email), comments, the transition to done; Cloud or Server by URL or serverInfo; an engineer
Jira does not know; a refused component; down then back; a create that timed out."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import aiohttp
import pytest

from integrations.ticketing.jira import JiraTracker, is_cloud_url
from tests.fake_trackers import TOKEN, FakeTrackers
from tests.unit.tickets.common import BASE, World, later, ok, shown


def jira(fake: FakeTrackers, world: World, total: float = 5) -> JiraTracker:
    return JiraTracker(
        fake.url,
        fake.jira_user,
        TOKEN,
        "OPS",
        world.clock,
        timeout=aiohttp.ClientTimeout(total=total),
    )


def adf_text(node: Any) -> str:
    """The text of an ADF document, one paragraph or list item a line."""
    if isinstance(node, dict):
        if node.get("type") == "text":
            return str(node["text"])
        inner = "".join(adf_text(c) for c in node.get("content", []))
        return inner + "\n" if node.get("type") in ("paragraph", "heading") else inner
    return ""


def links(node: Any) -> list[str]:
    if not isinstance(node, dict):
        return []
    here = [m["attrs"]["href"] for m in node.get("marks", []) if m.get("type") == "link"]
    return here + [u for c in node.get("content", []) for u in links(c)]


@pytest.mark.parametrize("deployment", ["Cloud", "Server"])
async def test_an_issue_commented_and_done(deployment: str) -> None:
    with FakeTrackers(jira_deployment=deployment) as fake:
        world = await World().start()
        tracker = jira(fake, world)
        destination = world.destination(tracker)
        try:
            assert await destination.deliver(await world.message("open")) == ok()
            assert tracker.cloud is (deployment == "Cloud")  # asked serverInfo once
            assert len(fake.made("GET", "serverInfo")) == 1
            [issue] = fake.jira_issues.values()
            fields = issue["fields"]
            assert fields["project"] == {"key": "OPS"}
            assert fields["summary"] == "[critical] Checkout API: Checkout 5xx above 5%"
            assert fields["priority"] == {"name": "Highest"}
            assert fields["components"] == [{"name": "checkout-api"}]
            assert fields["issuetype"] == {"name": "Task"}
            idem = f"oncall-incident-{world.incident_id}"
            assert fields["labels"] == ["oncall", idem, "service-checkout-api"]
            incident = f"{BASE}/incidents/{world.incident_id}"
            if deployment == "Cloud":
                assert fields["assignee"] == {"accountId": "alice-jira"}
                assert fake.made("GET", "/rest/api/3/user/search")[0].query == {
                    "query": "alice@example.com"
                }
                text = adf_text(fields["description"])
                assert incident in links(fields["description"])
                assert "https://runbooks.example.com/checkout" in links(fields["description"])
            else:
                assert fields["assignee"] == {"name": "alice-jira"}
                assert fake.made("GET", "/rest/api/2/user/search")[0].query == {
                    "username": "alice@example.com"
                }
                text = shown(fields["description"])
                assert f"|{incident}]" in fields["description"]
            assert "More than 5% of checkouts fail" in text
            paged = "Paged: Alice Example" if deployment == "Cloud" else "* *Paged:* Alice Example"
            assert paged in text
            assert "Tier 1: schedule Checkout primary, 5 min to acknowledge" in text
            async with world.unit() as uow:
                ticket = await uow.tickets.for_incident(world.incident_id)
            assert ticket is not None
            assert (ticket.key, ticket.url, ticket.assignee) == (
                "OPS-1",
                f"{fake.url}/browse/OPS-1",
                "alice",
            )
            ack = await world.message("acknowledged", event=2, actor="alice")
            assert await destination.deliver(ack) == ok()
            resolve = await world.message("resolve", event=3, actor="bob")
            assert await destination.deliver(resolve) == ok()
            assert await destination.deliver(resolve) == ok()  # once: no second comment
            bodies = fake.comments["OPS-1"]
            read = [adf_text(b) if deployment == "Cloud" else shown(b) for b in bodies]
            assert [r.splitlines()[0] for r in read] == [
                "Acknowledged by Alice Example.",
                "Resolved by Bob. The ticket is closed with the incident.",
            ]
            assert issue["status"]["statusCategory"]["key"] == "done"
            [moved] = fake.made("POST", "/transitions")
            assert moved.body == {"transition": {"id": "31"}}
        finally:
            await destination.aclose()


async def test_cloud_by_its_url_and_server_bearer_tokens() -> None:
    assert is_cloud_url("https://acme.atlassian.net")
    assert is_cloud_url("https://ACME.atlassian.net/")
    assert not is_cloud_url("https://jira.acme.com")
    assert not is_cloud_url("https://atlassian.net.evil.com")
    with FakeTrackers(jira_deployment="Server", jira_user=None) as fake:
        world = await World().start()
        destination = world.destination(jira(fake, world))
        try:
            assert await destination.deliver(await world.message("open")) == ok()
            assert {r.headers["Authorization"] for r in fake.requests} == {f"Bearer {TOKEN}"}
        finally:
            await destination.aclose()


async def test_an_engineer_jira_does_not_know_is_named_in_a_comment() -> None:
    with FakeTrackers(jira_deployment="Cloud") as fake:
        world = await World(assignee="bob").start()
        destination = world.destination(jira(fake, world))
        try:
            opened = await world.message("open")
            assert await destination.deliver(opened) == ok()
            [issue] = fake.jira_issues.values()
            assert "assignee" not in issue["fields"]
            [note] = fake.comments["OPS-1"]
            assert adf_text(note) == (
                "Paged Bob; no Jira user has the email bob@example.com, "
                "so this jira ticket is unassigned.\n"
            )
            assert await destination.deliver(opened) == ok()
            assert len(fake.comments["OPS-1"]) == 1
        finally:
            await destination.aclose()


async def test_a_component_jira_refuses_is_left_out() -> None:
    with FakeTrackers() as fake:
        world = await World(service="search", severity="warning").start()
        destination = world.destination(jira(fake, world))
        try:
            assert await destination.deliver(await world.message("open")) == ok()
            posts = fake.made("POST", r"/rest/api/2/issue$")
            assert [p.status for p in posts] == [400, 201]
            assert posts[0].body["fields"]["components"] == [{"name": "Search Engine"}]
            [issue] = fake.jira_issues.values()
            assert "components" not in issue["fields"]
            assert issue["fields"]["priority"] == {"name": "Medium"}
        finally:
            await destination.aclose()


async def test_down_then_back_and_a_timed_out_create_make_one_issue() -> None:
    with FakeTrackers() as fake:
        world = await World().start()
        destination = world.destination(jira(fake, world, total=0.3))
        try:
            opened = await world.message("open")
            fake.fail("POST", r"/search$", 503)
            assert await destination.deliver(opened) == later()
            fake.slow("POST", r"/issue$", delay=1.0)
            assert await destination.deliver(opened) == later()  # Jira made it; no answer
            assert len(fake.jira_issues) == 1
            assert await destination.deliver(opened) == ok()  # found by its label
            assert len(fake.jira_issues) == 1
            async with world.unit() as uow:
                ticket = await uow.tickets.for_incident(world.incident_id)
            assert ticket is not None and ticket.key == "OPS-1"
        finally:
            await destination.aclose()


async def test_no_way_to_done_is_an_error_unless_done_already() -> None:
    with FakeTrackers() as fake:
        world = await World().start()
        destination = world.destination(jira(fake, world))
        try:
            assert await destination.deliver(await world.message("open")) == ok()
            fake.fail("GET", r"/transitions$", 200, times=2, body={"transitions": []})
            result = await destination.deliver(await world.message("resolve", event=2))
            assert not result.ok and not result.retry and "done" in (result.error or "")
            fake.jira_issues["OPS-1"]["status"] = {"statusCategory": {"key": "done"}}
            assert await destination.deliver(await world.message("resolve", event=2)) == ok()
            assert len(fake.comments["OPS-1"]) == 1  # the closing comment once
        finally:
            await destination.aclose()


async def test_a_reassignment_moves_the_jira_assignee() -> None:
    with FakeTrackers(jira_deployment="Cloud") as fake:
        world = await World(assignee="bob").start()
        destination = world.destination(jira(fake, world))
        try:
            assert await destination.deliver(await world.message("open")) == ok()
            async with world.unit() as uow:
                await uow.incidents.save_state(
                    world.incident_id, replace(world.incident.state, assignee="alice")
                )
                await uow.commit()
            reassigned = await world.message("reassigned", event=2, actor="bob")
            assert await destination.deliver(reassigned) == ok()
            assert await destination.deliver(reassigned) == ok()
            [issue] = fake.jira_issues.values()
            assert issue["fields"]["assignee"] == {"accountId": "alice-jira"}
            assert len(fake.made("PUT", "/assignee$")) == 1
            async with world.unit() as uow:
                ticket = await uow.tickets.for_incident(world.incident_id)
            assert ticket is not None and ticket.assignee == "alice"
        finally:
            await destination.aclose()
