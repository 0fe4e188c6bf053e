"""The Teams bot end to end in this process: commands in a personal chat and in a channel (after
the @mention), who is who, a card's Acknowledge updating every copy, a proactive page, a person
with no personal chat mentioned in the channel, the bot removed, and every kind of bad token
refused with 401 and nothing changed. On SQLite and PostgreSQL; real tokens both ways."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from bot.commands.actions import Action
from storage.incident_tables import IncidentRow
from tests.fake_identity import EXPIRED
from tests.integration.teams_harness import AAD, ALERTS, TEAM, TeamsBot, teams_bot, unit


def text_of(body: Any) -> str:
    """Everything a person can read in an activity (text and card), as one string."""
    return json.dumps(body, ensure_ascii=False)


def card_of(body: dict[str, Any]) -> dict[str, Any]:
    attachments = body.get("attachments") or []
    assert attachments, body
    assert attachments[0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    return attachments[0]["content"]


def verbs(card: dict[str, Any]) -> set[str]:
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Execute":
                found.add(str(node.get("verb")))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return found


async def conversations(bot: TeamsBot) -> list[Any]:
    async with unit(bot.engine) as uow:
        return await uow.conversations.channels() + [
            ref
            for person in ("ann", "bob", "cat", "dan")
            if (ref := await uow.conversations.personal(aad_object_id=AAD[person])) is not None
        ]


async def test_who_in_a_personal_chat_is_answered_like_slack(engine: object) -> None:
    async with teams_bot(engine) as bot:  # type: ignore[arg-type]
        status, _ = await bot.post(bot.personal("ann", "who api"))
        assert status == 200
        replies = bot.connector.sent("a:chat-ann")
        assert len(replies) == 1
        assert "Ann" in text_of(replies[0].body)  # ann is on call in primary at T0
        assert all(r.authorized for r in bot.connector.records)


async def test_oncall_prefix_and_a_channel_mention_mean_the_same(engine: object) -> None:
    async with teams_bot(engine) as bot:  # type: ignore[arg-type]
        await bot.post(bot.personal("ann", "oncall who api"))
        await bot.post(bot.in_channel("ann", "who api"))  # "<at>On-call</at> who api"
        personal = bot.connector.sent("a:chat-ann")
        channel = [r for r in bot.connector.sent() if (r.conversation_id or "").startswith(ALERTS)]
        assert len(personal) == 1 and len(channel) == 1
        assert "Ann" in text_of(channel[0].body)
        # The channel is remembered (under its id, not the thread's) for proactive posts.
        async with unit(bot.engine) as uow:
            ref = await uow.conversations.get(ALERTS)
        assert ref is not None and ref.kind == "channel" and ref.team_id == TEAM


async def test_an_unknown_user_is_told_politely_and_nothing_changes(engine: object) -> None:
    async with teams_bot(engine) as bot:  # type: ignore[arg-type]
        incident = await bot.ingest()
        activity = bot.personal("ann", f"ack {incident}")
        activity["from"] = {
            "id": "29:zed",
            "aadObjectId": "00000000-0000-4000-8000-0000000000ff",
            "name": "Zed",
        }
        status, _ = await bot.post(activity)
        assert status == 200
        reply = text_of(bot.connector.sent()[-1].body)
        assert "not in the on-call configuration" in reply
        async with bot.engine.connect() as conn:
            row = (await conn.execute(select(IncidentRow).where(IncidentRow.id == incident))).one()
        assert row.status == "triggered"


async def test_a_person_is_found_by_the_email_of_their_teams_profile(engine: object) -> None:
    async with teams_bot(engine) as bot:  # type: ignore[arg-type]
        incident = await bot.ingest()
        await bot.post(bot.personal("bob", f"ack {incident}"))
        assert "cknowledged" in text_of(bot.connector.sent("a:chat-bob")[-1].body)
        async with unit(bot.engine) as uow:
            remembered = await uow.identities.by_person("teams", "bob")
        assert remembered is not None and remembered.external_id == AAD["bob"]


async def test_a_proactive_page_then_acknowledge_from_the_card_updates_every_copy(
    engine: object,
) -> None:
    async with teams_bot(engine) as bot:  # type: ignore[arg-type]
        await bot.install_team()
        await bot.install_personal("ann")
        incident = await bot.ingest()
        await bot.deliver()
        page = bot.connector.sent("a:chat-ann")
        assert len(page) == 1, [r.path for r in bot.connector.records]
        card = card_of(page[0].body)
        assert {Action.ACKNOWLEDGE.value, Action.RESOLVE.value} <= verbs(card)
        channel_posts = [r for r in bot.connector.sent() if r.conversation_id == ALERTS]
        assert len(channel_posts) == 1  # the team channel's copy

        status, answer = await bot.post(
            bot.click("ann", Action.ACKNOWLEDGE.value, {"incident": incident}, "a:chat-ann")
        )
        assert status == 200
        assert answer["type"] == "application/vnd.microsoft.card.adaptive"
        assert Action.ACKNOWLEDGE.value not in verbs(answer["value"])  # acknowledged now
        async with bot.engine.connect() as conn:
            row = (await conn.execute(select(IncidentRow).where(IncidentRow.id == incident))).one()
        assert row.status == "acknowledged"

        await bot.deliver()
        updated = {r.conversation_id for r in bot.connector.updates()}
        assert updated == {"a:chat-ann", ALERTS}
        assert all("cknowledged" in text_of(r.body) for r in bot.connector.updates())
        assert len(bot.connector.sent("a:chat-ann")) == 1  # updated in place, not posted again


async def test_a_person_with_no_personal_chat_is_mentioned_in_the_team_channel(
    engine: object,
) -> None:
    async with teams_bot(engine) as bot:  # type: ignore[arg-type]
        await bot.install_team()
        await bot.ingest()
        await bot.deliver()
        posts = [r for r in bot.connector.sent() if r.conversation_id == ALERTS]
        mentioned = [r for r in posts if f'"id": "{AAD["ann"]}"' in text_of(r.body)]
        assert mentioned, posts  # the card in the channel, with ann @mentioned
        assert all("<at>Ann</at>" in text_of(r.body) for r in mentioned)
        assert bot.connector.sent("a:chat-ann") == []
        assert {row.status for row in await bot.outbox()} == {"sent"}  # the page too


async def test_a_bot_removed_from_the_team_stops_using_its_references(engine: object) -> None:
    from tests.teams_activities import installation_update

    async with teams_bot(engine) as bot:  # type: ignore[arg-type]
        await bot.install_team()
        assert {r.conversation_id for r in await conversations(bot)} == {TEAM, ALERTS}
        status, _ = await bot.post(
            installation_update("remove", "team", service_url=bot.connector.url, team_id=TEAM)
        )
        assert status == 200
        assert await conversations(bot) == []
        before = len(bot.connector.sent())
        await bot.ingest()
        await bot.deliver()
        assert len(bot.connector.sent()) == before  # nowhere to post now: nothing sent


@pytest.mark.parametrize(
    "token",
    ["none", "other key", "expired", "other audience", "other issuer", "other service url"],
)
async def test_a_bad_token_is_401_and_changes_nothing(engine: object, token: str) -> None:
    async with teams_bot(engine) as bot:  # type: ignore[arg-type]
        identity, url = bot.identity, bot.connector.url
        given = {
            "none": None,
            "other key": identity.token(service_url=url, other_key=True),
            "expired": identity.token(service_url=url, expires_in=EXPIRED),
            "other audience": identity.token(service_url=url, audience="someone-else"),
            "other issuer": identity.token(service_url=url, issuer="https://evil.example/"),
            "other service url": identity.token(service_url="https://evil.example/"),
        }[token]
        incident = await bot.ingest()
        for activity in (
            bot.personal("ann", "who api"),
            bot.click("ann", Action.ACKNOWLEDGE.value, {"incident": incident}, "a:chat-ann"),
        ):
            status, _ = await bot.post(activity, token=given)
            assert status == 401
        assert bot.connector.records == []
        assert await conversations(bot) == []
        async with bot.engine.connect() as conn:
            row = (await conn.execute(select(IncidentRow).where(IncidentRow.id == incident))).one()
        assert row.status == "triggered"


async def test_bodies_that_are_not_activities_are_400(engine: object) -> None:
    import aiohttp

    async with teams_bot(engine) as bot, aiohttp.ClientSession() as http:  # type: ignore[arg-type]
        token = bot.identity.token(service_url=bot.connector.url)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        for body in (b"[" * 100_000 + b"]" * 100_000, b"\xff\xfe", b"[1, 2]", b'{"text": "x"}'):
            async with http.post(f"{bot.url}/api/messages", data=body, headers=headers) as resp:
                assert resp.status == 400, body[:20]
        async with http.post(
            f"{bot.url}/api/messages", data=b"x", headers={"Content-Type": "text/plain"}
        ) as resp:
            assert resp.status == 415
        status, _ = await bot.post(bot.personal("ann", "who api"))
        assert status == 200  # still answering
        assert len(bot.connector.sent()) == 1


async def test_a_swap_request_reaches_the_counterpart_who_accepts_from_the_card(
    engine: object,
) -> None:
    async with teams_bot(engine) as bot:  # type: ignore[arg-type]
        await bot.install_personal("ann")
        await bot.install_personal("bob")
        await bot.post(bot.personal("ann", "swap @bob primary my next shift"))
        assert "Bob" in text_of(bot.connector.sent("a:chat-ann")[-1].body)
        await bot.deliver()
        (request,) = bot.connector.sent("a:chat-bob")
        card = card_of(request.body)
        assert {Action.SWAP_ACCEPT.value, Action.SWAP_DECLINE.value} <= verbs(card)
        value = next(
            a["data"]["value"]
            for a in json.loads(json.dumps(card)).get("actions", [])
            if a.get("verb") == Action.SWAP_ACCEPT.value
        )
        status, answer = await bot.post(
            bot.click("bob", Action.SWAP_ACCEPT.value, {"value": value}, "a:chat-bob")
        )
        assert status == 200
        assert "You accepted swap" in text_of(answer)
        async with unit(bot.engine) as uow:
            swap = await uow.schedules.swap(int(value))
        assert swap is not None and swap.status == "accepted"
