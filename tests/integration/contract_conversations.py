"""The contract of Teams' conversation references, as scenarios of the repository contract.

``tests/integration/test_repository_contract.py`` runs :data:`CONVERSATION_SCENARIOS` with its
own (on the fakes, SQLite and PostgreSQL); they live here to keep that module within bounds.
A scenario sees only ``backend.new_unit`` and the port.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Protocol

import pytest
from sqlalchemy.exc import StatementError

from core.chat.ports import ConversationRef
from core.ports import UnitOfWork

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
SERVICE = "https://smba.trafficmanager.net/emea/"


class HasUnits(Protocol):
    @property
    def new_unit(self) -> Callable[[], UnitOfWork]: ...


Scenario = Callable[[Any], Awaitable[None]]
CONVERSATION_SCENARIOS: list[Scenario] = []


def scenario(fn: Scenario) -> Scenario:
    CONVERSATION_SCENARIOS.append(fn)
    return fn


def reference(conversation_id: str, **extra: Any) -> dict[str, Any]:
    """A serialized botbuilder ConversationReference, as a handler would store it."""
    return {
        "activityId": None,
        "bot": {"id": "28:bot-app-id", "name": "oncall"},
        "channelId": "msteams",
        "conversation": {"id": conversation_id, "tenantId": "tenant-1"},
        "serviceUrl": SERVICE,
        **extra,
    }


def personal(
    conversation_id: str,
    user_id: str | None,
    aad_object_id: str | None,
    at: datetime = T0,
) -> ConversationRef:
    return ConversationRef(
        conversation_id,
        "personal",
        SERVICE,
        "tenant-1",
        None,
        user_id,
        aad_object_id,
        reference(conversation_id, user={"id": user_id, "aadObjectId": aad_object_id}),
        True,
        at,
    )


def channel(conversation_id: str, team_id: str, at: datetime = T0) -> ConversationRef:
    ref = reference(conversation_id, conversation={"id": conversation_id, "isGroup": True})
    return ConversationRef(
        conversation_id, "channel", SERVICE, "tenant-1", team_id, None, None, ref, True, at
    )


async def saved(backend: HasUnits, *refs: ConversationRef) -> None:
    async with backend.new_unit() as uow:
        for ref in refs:
            await uow.conversations.save(ref)
        await uow.commit()


@scenario
async def conversation_refs_are_saved_replaced_and_reactivated(backend: HasUnits) -> None:
    plus_two = timezone(timedelta(hours=2))
    nested = {
        "conversation": {"id": "a:1ann", "conversationType": "personal", "tenantId": "t"},
        "user": {"id": "29:ann", "name": "Ann Ödegaard ✓", "aadObjectId": "aad-ann"},
        "list": (1, [2.5, None, True], {"deep": {"er": "x"}}),
        "empty": {},
    }
    ann = replace(
        personal("a:1ann", "29:ann", "aad-ann"),
        reference=nested,
        updated_at=datetime(2026, 3, 2, 12, 0, tzinfo=plus_two),
    )
    async with backend.new_unit() as uow:
        await uow.conversations.save(ann)  # not committed: gone
    async with backend.new_unit() as uow:
        assert await uow.conversations.get("a:1ann") is None
    await saved(backend, ann)
    async with backend.new_unit() as uow:
        got = await uow.conversations.get("a:1ann")
        assert got is not None
        as_json = {**nested, "list": [1, [2.5, None, True], {"deep": {"er": "x"}}]}
        assert got == replace(ann, reference=as_json)  # tuples come back as lists
        assert got.updated_at == T0 and got.updated_at.utcoffset() == timedelta(0)
        assert await uow.conversations.get("a:1other") is None
        moved = replace(
            ann, service_url="https://smba.trafficmanager.net/amer/", updated_at=T0 + MIN
        )
        await uow.conversations.save(moved)  # replaced in place: one reference
        await uow.commit()
    async with backend.new_unit() as uow:
        got = await uow.conversations.get("a:1ann")
        assert got is not None and got.service_url.endswith("/amer/")
        assert got.updated_at == T0 + MIN
        assert await uow.conversations.deactivate("a:1ann", T0 + 2 * MIN) is True
        assert await uow.conversations.deactivate("a:1ann", T0 + 3 * MIN) is False  # already
        assert await uow.conversations.deactivate("a:1never", T0) is False  # unknown
        await uow.commit()
    async with backend.new_unit() as uow:
        got = await uow.conversations.get("a:1ann")  # kept, inactive
        assert got is not None and (got.active, got.updated_at) == (False, T0 + 2 * MIN)
        assert await uow.conversations.personal(user_id="29:ann") is None
        await uow.conversations.save(replace(moved, updated_at=T0 + 4 * MIN))  # seen again
        await uow.commit()
    async with backend.new_unit() as uow:
        got = await uow.conversations.personal(aad_object_id="aad-ann")
        assert got is not None and (got.active, got.updated_at) == (True, T0 + 4 * MIN)
        with pytest.raises((ValueError, StatementError)):
            await uow.conversations.save(replace(ann, updated_at=datetime(2026, 3, 2, 10, 0)))


@scenario
async def a_personal_chat_is_found_by_either_id_newest_first(backend: HasUnits) -> None:
    old = personal("a:1old", "29:ann", "aad-ann", T0)
    new = personal("a:1new", "29:ann-2", "aad-ann", T0 + MIN)
    late_seen = personal("a:1bob-b", "29:bob", None, T0 + 5 * MIN)
    early_seen = personal("a:1bob-a", "29:bob", None, T0 + 2 * MIN)  # saved after, older
    group = ConversationRef(
        "19:group@thread.v2", "groupChat", SERVICE, None, None, "29:cat", "aad-cat", {}, True, T0
    )
    await saved(backend, old, new, late_seen, early_seen, group)
    async with backend.new_unit() as uow:
        found = uow.conversations.personal
        assert await found(user_id="29:ann") == old
        assert await found(aad_object_id="aad-ann") == new  # the newest of the two
        assert await found(user_id="29:ann", aad_object_id="aad-ann") == new
        assert await found(user_id="29:ann", aad_object_id="aad-nobody") == old
        assert await found(user_id="29:nobody", aad_object_id="aad-ann") == new
        assert await found(user_id="29:bob") == late_seen  # by updated_at, not saving order
        assert await found() is None
        assert await found(user_id="29:nobody") is None
        assert await found(user_id="29:cat") is None  # a group chat is no personal chat
        assert await found(aad_object_id="aad-cat") is None
        assert await uow.conversations.deactivate("a:1new", T0 + 3 * MIN)
        await uow.commit()
    async with backend.new_unit() as uow:
        assert await uow.conversations.personal(aad_object_id="aad-ann") == old  # inactive: skipped
        tie = personal("a:1tie", "29:ann", None, T0)  # as new as ``old``, seen after it
        await uow.conversations.save(tie)
        assert await uow.conversations.personal(user_id="29:ann") == tie


@scenario
async def channels_of_a_team_and_a_team_removed(backend: HasUnits) -> None:
    general = channel("19:general@thread.tacv2", "team-1", T0)
    other_team = channel("19:other@thread.tacv2", "team-2", T0 + MIN)
    ops = channel("19:ops@thread.tacv2", "team-1", T0 + 2 * MIN)
    ann = personal("a:1ann", "29:ann", "aad-ann")
    group = ConversationRef(
        "19:group@thread.v2", "groupChat", SERVICE, None, None, None, None, {}, True, T0
    )
    await saved(backend, general, other_team, ops, ann, group)
    await saved(backend, replace(general, updated_at=T0 + 9 * MIN))  # keeps its place
    async with backend.new_unit() as uow:
        ids = [r.conversation_id for r in await uow.conversations.in_team("team-1")]
        assert ids == ["19:general@thread.tacv2", "19:ops@thread.tacv2"]
        every = [r.conversation_id for r in await uow.conversations.channels()]
        assert every == [
            "19:general@thread.tacv2",
            "19:other@thread.tacv2",
            "19:ops@thread.tacv2",
        ]  # channels only, in the order first seen
        assert await uow.conversations.in_team("team-none") == []
        assert await uow.conversations.deactivate("19:ops@thread.tacv2", T0 + 10 * MIN)
        assert [r.team_id for r in await uow.conversations.in_team("team-1")] == ["team-1"]
        assert await uow.conversations.deactivate_team("team-1", T0 + 11 * MIN) == 1  # general
        assert await uow.conversations.deactivate_team("team-1", T0 + 12 * MIN) == 0
        assert await uow.conversations.deactivate_team("team-none", T0) == 0
        await uow.commit()
    async with backend.new_unit() as uow:
        assert await uow.conversations.in_team("team-1") == []
        assert await uow.conversations.channels() == [other_team]
        gone = await uow.conversations.get("19:general@thread.tacv2")
        assert gone is not None and (gone.active, gone.updated_at) == (False, T0 + 11 * MIN)
        first_off = await uow.conversations.get("19:ops@thread.tacv2")
        assert first_off is not None and first_off.updated_at == T0 + 10 * MIN  # untouched
        assert await uow.conversations.get("19:group@thread.v2") == group  # no team: stays
        assert await uow.conversations.personal(user_id="29:ann") == ann
        await uow.conversations.save(replace(general, updated_at=T0 + 20 * MIN))  # re-added
        await uow.commit()
    async with backend.new_unit() as uow:
        back = [r.conversation_id for r in await uow.conversations.channels()]
        assert back == ["19:general@thread.tacv2", "19:other@thread.tacv2"]
