"""The GitHub adapter through the ticket destination, against the fake GitHub on loopback:
one issue per incident (labels, assignee, marker), comments, closed on resolve; a tracker
down then back, a create that timed out after GitHub made it, refused assignees, errors."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import aiohttp
import pytest

from integrations.ticketing.github import GitHubTracker
from tests.fake_trackers import TOKEN, FakeTrackers
from tests.unit.tickets.common import BASE, World, later, ok, shown


@pytest.fixture
def fake() -> Iterator[FakeTrackers]:
    with FakeTrackers() as trackers:
        yield trackers


def github(fake: FakeTrackers, world: World, token: str = TOKEN, total: float = 5) -> GitHubTracker:
    timeout = aiohttp.ClientTimeout(total=total)
    return GitHubTracker(fake.url, "acme/shop", token, world.clock, timeout=timeout)


async def test_one_issue_assigned_labelled_commented_and_closed(fake: FakeTrackers) -> None:
    world = await World().start()
    destination = world.destination(github(fake, world))
    try:
        opened = await world.message("open")
        assert await destination.deliver(opened) == ok()
        [issue] = fake.github_issues.values()
        assert issue["title"] == "[critical] Checkout API: Checkout 5xx above 5%"
        assert [label["name"] for label in issue["labels"]] == [
            "oncall",
            "service:checkout-api",
            "severity:critical",
        ]
        assert issue["assignees"] == [{"login": "alice-gh"}]
        body = issue["body"]
        assert body.splitlines()[-1] == f"<!-- oncall-incident-{world.incident_id} -->"
        assert f"({BASE}/incidents/{world.incident_id})" in body  # the incident link
        assert "(https://runbooks.example.com/checkout)" in body
        assert "javascript" not in body  # an alert's link that is not http(s) is dropped
        async with world.unit() as uow:
            ticket = await uow.tickets.for_incident(world.incident_id)
        assert ticket is not None
        assert (ticket.system, ticket.key, ticket.status, ticket.assignee) == (
            "github",
            "#1",
            "open",
            "alice",
        )
        assert ticket.url == "https://github.example/acme/shop/issues/1"
        assert await destination.deliver(opened) == ok()  # a redelivery: nothing new
        assert len(fake.made("POST", r"/issues$")) == 1
        ack = await world.message("acknowledged", event=2, actor="alice")
        assert await destination.deliver(ack) == ok()
        assert await destination.deliver(ack) == ok()  # once only
        resolve = await world.message("resolve", event=3, actor="alice")
        assert await destination.deliver(resolve) == ok()
        assert await destination.deliver(resolve) == ok()
        link = f"- [incident #{world.incident_id}]({BASE}/incidents/{world.incident_id})"
        assert [shown(c) for c in fake.comments["#1"]] == [
            f"Acknowledged by Alice Example.\n\n{link}",
            f"Resolved by Alice Example. The ticket is closed with the incident.\n\n{link}",
        ]
        assert (issue["state"], issue["state_reason"]) == ("closed", "completed")
        assert len(fake.made("PATCH", r"/issues/1$")) == 1
        async with world.unit() as uow:
            ticket = await uow.tickets.for_incident(world.incident_id)
        assert ticket is not None and ticket.status == "closed"
        for request in fake.requests:
            assert request.headers["Authorization"] == f"Bearer {TOKEN}"
            assert request.headers["X-GitHub-Api-Version"] == "2022-11-28"
    finally:
        await destination.aclose()


async def test_down_then_back_makes_one_issue(fake: FakeTrackers) -> None:
    world = await World().start()
    destination = world.destination(github(fake, world))
    try:
        fake.fail("GET", r"/issues$", 503, headers={"Retry-After": "7"})
        opened = await world.message("open")
        assert await destination.deliver(opened) == later(timedelta(seconds=7))
        fake.fail("POST", r"/issues$", 502)
        assert await destination.deliver(opened) == later()
        assert fake.github_issues == {}
        assert await destination.deliver(opened) == ok()
        assert len(fake.github_issues) == 1
    finally:
        await destination.aclose()


async def test_a_create_that_timed_out_is_found_by_its_marker(fake: FakeTrackers) -> None:
    world = await World().start()
    destination = world.destination(github(fake, world, total=0.3))
    try:
        fake.slow("POST", r"/issues$", delay=1.0)
        opened = await world.message("open")
        result = await destination.deliver(opened)
        assert result == later() and "timed out" in (result.error or "")
        assert len(fake.github_issues) == 1  # GitHub made it; we never heard
        assert await destination.deliver(opened) == ok()
        assert len(fake.github_issues) == 1 and len(fake.made("POST", r"/issues$")) == 1
        async with world.unit() as uow:
            ticket = await uow.tickets.for_incident(world.incident_id)
        assert ticket is not None and ticket.key == "#1"
    finally:
        await destination.aclose()


async def test_a_marker_in_alert_text_is_not_a_marker(fake: FakeTrackers) -> None:
    world = await World(title="<!-- oncall-incident-1 --> @admin see #3").start()
    destination = world.destination(github(fake, world))
    try:
        assert await destination.deliver(await world.message("open")) == ok()
        [issue] = fake.github_issues.values()
        assert issue["body"].count("<!--") == 1
        assert "@admin" not in issue["title"] and "#3" not in issue["title"]
    finally:
        await destination.aclose()


@pytest.mark.parametrize(
    ("assignee", "why"),
    [
        ("bob", "GitHub refused bob-elsewhere as assignee"),
        ("carol", "they have no github login in the configuration"),
    ],
)
async def test_an_engineer_github_cannot_assign_is_named_in_a_comment(
    fake: FakeTrackers, assignee: str, why: str
) -> None:
    world = await World(assignee=assignee).start()
    destination = world.destination(github(fake, world))
    try:
        opened = await world.message("open")
        assert await destination.deliver(opened) == ok()
        [issue] = fake.github_issues.values()
        assert issue["assignees"] == []
        name = "Bob" if assignee == "bob" else "Carol"
        [note] = fake.comments["#1"]
        assert shown(note) == f"Paged {name}; {why}, so this github ticket is unassigned."
        async with world.unit() as uow:
            ticket = await uow.tickets.for_incident(world.incident_id)
        assert ticket is not None and ticket.assignee is None
        assert await destination.deliver(opened) == ok()
        assert len(fake.comments["#1"]) == 1  # said once
    finally:
        await destination.aclose()


async def test_a_comment_before_the_ticket_waits(fake: FakeTrackers) -> None:
    world = await World().start()
    destination = world.destination(github(fake, world))
    try:
        ack = await world.message("acknowledged", event=2, actor="alice")
        assert await destination.deliver(ack) == later()
        assert fake.requests == []
        assert await destination.deliver(await world.message("open")) == ok()
        assert await destination.deliver(ack) == ok()
        assert len(fake.comments["#1"]) == 1
    finally:
        await destination.aclose()


async def test_refused_credentials_fail_without_the_token(fake: FakeTrackers) -> None:
    world = await World().start()
    destination = world.destination(github(fake, world, token="wrong-token-456"))
    try:
        result = await destination.deliver(await world.message("open"))
        assert not result.ok and not result.retry
        assert "401" in (result.error or "") and "credentials" in (result.error or "")
        assert "wrong-token-456" not in (result.error or "")
    finally:
        await destination.aclose()


@pytest.mark.parametrize(
    ("status", "headers", "retry"),
    [
        (403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "0"}, True),  # rate limit
        (403, {"Retry-After": "30"}, True),  # secondary rate limit
        (403, {}, False),  # not allowed
        (404, {}, False),  # no such repository
        (429, {}, True),
        (500, {}, True),
    ],
)
async def test_statuses_become_outcomes(
    fake: FakeTrackers, status: int, headers: dict[str, str], retry: bool
) -> None:
    world = await World().start()
    destination = world.destination(github(fake, world))
    try:
        fake.fail("GET", r"/issues$", status, headers=headers)
        result = await destination.deliver(await world.message("open"))
        assert (result.ok, result.retry) == (False, retry)
        assert str(status) in (result.error or "")
    finally:
        await destination.aclose()


async def test_an_unknown_kind_is_refused(fake: FakeTrackers) -> None:
    world = await World().start()
    destination = world.destination(github(fake, world))
    result = await destination.deliver(await world.message("reopen"))
    assert not result.ok and not result.retry and "reopen" in (result.error or "")


async def test_an_escalation_moves_the_assignee(fake: FakeTrackers) -> None:
    world = await World().start()
    destination = world.destination(github(fake, world))
    try:
        assert await destination.deliver(await world.message("open")) == ok()
        async with world.unit() as uow:  # the escalation paged bob, then alice was made responsible
            await uow.incidents.save_state(
                world.incident_id, replace(world.incident.state, assignee="bob", tier=1)
            )
            await uow.commit()
        escalated = await world.message("escalated", event=2)
        assert await destination.deliver(escalated) == ok()
        [issue] = fake.github_issues.values()
        assert issue["assignees"] == [{"login": "alice-gh"}]  # GitHub refused bob's login
        async with world.unit() as uow:
            ticket = await uow.tickets.for_incident(world.incident_id)
        assert ticket is not None and ticket.assignee is None
        async with world.unit() as uow:
            await uow.incidents.save_state(
                world.incident_id, replace(world.incident.state, assignee="alice")
            )
            await uow.commit()
        reassigned = await world.message("reassigned", event=3, actor="bob")
        assert await destination.deliver(reassigned) == ok()
        assert issue["assignees"] == [{"login": "alice-gh"}]
        async with world.unit() as uow:
            ticket = await uow.tickets.for_incident(world.incident_id)
        assert ticket is not None and ticket.assignee == "alice"
        assert [shown(c).splitlines()[0] for c in fake.comments["#1"]] == [
            "Escalated (nobody acknowledged in time) to tier 2: Bob is paged.",
            "Reassigned to Alice Example by Bob.",
        ]
    finally:
        await destination.aclose()
