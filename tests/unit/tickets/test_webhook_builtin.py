"""The webhook adapter (signed JSON POSTs, verifiable with the documented recipe) and the
builtin tracker (numbered tickets in our own database, comments and status recorded)."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from integrations.ticketing.builtin import BuiltinTracker
from integrations.ticketing.webhook import WebhookTracker, signature
from tests.fake_trackers import FakeTrackers
from tests.unit.tickets.common import BASE, T0, World, later, ok

SECRET = "hook-secret-789"


def verify(secret: str, headers: dict[str, str], body: bytes, now: float) -> bool:
    """docs/ticketing.md's receiver check, as a receiver would write it."""
    timestamp = headers["X-Oncall-Request-Timestamp"]
    if abs(now - int(timestamp)) > 300:
        return False
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers["X-Oncall-Signature"])


async def test_webhook_events_are_signed_and_verifiable() -> None:
    with FakeTrackers() as fake:
        world = await World().start()
        destination = world.destination(WebhookTracker(f"{fake.url}/hook", SECRET, world.clock))
        try:
            opened = await world.message("open")
            assert await destination.deliver(opened) == ok()
            assert await destination.deliver(opened) == ok()  # recorded: not sent again
            ack = await world.message("acknowledged", event=2, actor="alice")
            assert await destination.deliver(ack) == ok()
            resolve = await world.message("resolve", event=3, actor="alice")
            assert await destination.deliver(resolve) == ok()
            assert [json.loads(h.raw)["event"] for h in fake.hooks] == [
                "open",
                "acknowledged",
                "resolve",
            ]
            for hook in fake.hooks:
                assert verify(SECRET, hook.headers, hook.raw, T0.timestamp())
                assert not verify("other", hook.headers, hook.raw, T0.timestamp())
                assert not verify(SECRET, hook.headers, hook.raw + b" ", T0.timestamp())
                assert not verify(SECRET, hook.headers, hook.raw, T0.timestamp() + 301)
                idem = f"oncall-incident-{world.incident_id}"
                assert hook.headers["X-Oncall-Idempotency-Key"] == idem
                assert hook.headers["X-Oncall-Request-Timestamp"] == str(int(T0.timestamp()))
            first = json.loads(fake.hooks[0].raw)
            assert first["incident"]["id"] == world.incident_id
            assert first["incident_url"] == f"{BASE}/incidents/{world.incident_id}"
            assert first["summary"] == "[critical] Checkout API: Checkout 5xx above 5%"
            assert (first["priority"], first["assignee"], first["ticket"]) == (
                "Highest",
                "alice",
                None,
            )
            assert fake.hooks[0].headers["X-Oncall-Delivery"] == opened.key
            later_hook = json.loads(fake.hooks[1].raw)
            assert later_hook["ticket"] == {
                "system": "webhook",
                "key": "EXT-1",
                "url": "https://tickets.example/EXT",
            }
            assert later_hook["actor"] == "alice"
            async with world.unit() as uow:
                ticket = await uow.tickets.for_incident(world.incident_id)
            assert ticket is not None and (ticket.key, ticket.status) == ("EXT-1", "closed")
            assert all(SECRET not in r.raw.decode() for r in fake.requests)
        finally:
            await destination.aclose()


def test_the_signature_is_slacks_scheme() -> None:
    body = b'{"event":"open"}'
    digest = hmac.new(b"k", b"v0:1700000000:" + body, hashlib.sha256).hexdigest()
    assert signature("k", "1700000000", body) == f"v0={digest}"


@pytest.mark.parametrize("status", [500, 429])
async def test_a_webhook_down_retries_then_delivers(status: int) -> None:
    with FakeTrackers() as fake:
        world = await World().start()
        destination = world.destination(WebhookTracker(f"{fake.url}/hook", SECRET, world.clock))
        try:
            fake.fail("POST", "/hook", status, headers={"Retry-After": "3"})
            opened = await world.message("open")
            result = await destination.deliver(opened)
            assert result == later() and SECRET not in (result.error or "")
            assert await destination.deliver(opened) == ok()
            assert len(fake.hooks) == 1
        finally:
            await destination.aclose()


async def test_builtin_tickets_are_numbered_commented_and_closed() -> None:
    world = await World().start()
    second = World()
    second.store, second.clock = world.store, world.clock
    second.incident = world.incident.__class__(**{**world.incident.__dict__, "dedup_key": "g2"})
    await second.start()
    destination = world.destination(BuiltinTracker(world.unit))
    assert await destination.deliver(await world.message("open")) == ok()
    assert await destination.deliver(await second.message("open")) == ok()
    ack = await world.message("acknowledged", event=2, actor="alice")
    assert await destination.deliver(ack) == ok()
    assert await destination.deliver(ack) == ok()
    assert await destination.deliver(await world.message("resolve", event=3, actor="alice")) == ok()
    async with world.unit() as uow:
        tickets = await uow.tickets.for_incidents([world.incident_id, second.incident_id])
        comments = await uow.tickets.comments(world.incident_id)
    first, other = tickets[world.incident_id], tickets[second.incident_id]
    assert (first.system, first.key, first.status, first.assignee) == (
        "builtin",
        "T-1",
        "closed",
        "alice",
    )
    assert first.url == f"{BASE}/incidents/{world.incident_id}"
    assert (other.key, other.status) == ("T-2", "open")
    assert [(c.kind, c.body.splitlines()[0]) for c in comments] == [
        ("acknowledged", "Acknowledged by Alice Example."),
        ("resolve", "Resolved by Alice Example. The ticket is closed with the incident."),
    ]


async def test_a_review_is_a_comment_once() -> None:
    world = await World().start()
    destination = world.destination(BuiltinTracker(world.unit))
    review = {"summary": "Disk full", "cause": "no rotation", "follow_ups": ["rotate logs"],
              "author": "alice"}  # fmt: skip
    message = await world.message("review", event=9, review=review)
    assert await destination.deliver(message) == later()  # no ticket yet: it waits
    assert await destination.deliver(await world.message("open")) == ok()
    assert await destination.deliver(message) == ok()
    assert await destination.deliver(message) == ok()
    async with world.unit() as uow:
        [made] = [c for c in await uow.tickets.comments(world.incident_id) if c.kind == "review"]
    assert made.body.splitlines()[:2] == ["Post-incident review", "Author: Alice Example"]
    assert "- rotate logs" in made.body.splitlines()
