"""Incoming activities as Microsoft Teams sends them (JSON dicts, camelCase), and
``post_activity`` to send one to the bot's ``/api/messages``.

Shapes follow what Teams posts: the bot is the ``recipient`` (``28:<app id>``), users are
``29:...`` with an ``aadObjectId``, personal chats are ``a:...`` conversations, channel messages
live in ``19:<channel>@thread.tacv2;messageid=<root>`` with ``channelData.team``,
``channelData.channel`` and ``channelData.tenant``. In a channel the bot only hears messages
that @mention it: the text starts ``<at>Bot</at>`` and a ``mention`` entity names it.

Every builder takes ``service_url`` (the fake connector's ``url``) and gives each activity a
new id. ``bot_id`` defaults to ``28:test-app-id``, matching ``FakeIdentity()``'s app id.
"""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from typing import Any, Literal

import aiohttp

__all__ = [
    "BOT_ID",
    "BOT_NAME",
    "TENANT_ID",
    "bot_removed",
    "card_action",
    "channel_message",
    "conversation_update_bot_added",
    "installation_update",
    "personal_message",
    "post_activity",
]

TENANT_ID = "72f988bf-0000-4000-8000-00000000fake"
BOT_ID = "28:test-app-id"
BOT_NAME = "On-call"
_ids = itertools.count(1_700_000_000_000)


def _base(
    kind: str,
    *,
    service_url: str,
    conversation: dict[str, Any],
    sender: dict[str, Any],
    channel_data: dict[str, Any],
    bot_id: str,
) -> dict[str, Any]:
    return {
        "type": kind,
        "id": str(next(_ids)),
        "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": sender,
        "conversation": conversation,
        "recipient": {"id": bot_id, "name": BOT_NAME},
        "locale": "en-US",
        "channelData": channel_data,
    }


def _user(user_id: str, aad_object_id: str | None, name: str) -> dict[str, Any]:
    user: dict[str, Any] = {"id": user_id, "name": name}
    if aad_object_id:
        user["aadObjectId"] = aad_object_id
    return user


def _personal(conversation_id: str, tenant_id: str) -> dict[str, Any]:
    return {"conversationType": "personal", "tenantId": tenant_id, "id": conversation_id}


def _channel(
    team_id: str, channel_id: str, tenant_id: str, root_id: str | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The conversation and channelData of a channel (the thread of ``root_id`` if given)."""
    conversation_id = f"{channel_id};messageid={root_id}" if root_id else channel_id
    conversation = {
        "isGroup": True,
        "conversationType": "channel",
        "tenantId": tenant_id,
        "id": conversation_id,
    }
    data = {
        "teamsChannelId": channel_id,
        "teamsTeamId": team_id,
        "channel": {"id": channel_id},
        "team": {"id": team_id},
        "tenant": {"id": tenant_id},
    }
    return conversation, data


def personal_message(
    text: str,
    *,
    user_id: str,
    aad_object_id: str | None,
    service_url: str,
    conversation_id: str | None = None,
    tenant_id: str = TENANT_ID,
    user_name: str = "Test User",
    bot_id: str = BOT_ID,
) -> dict[str, Any]:
    """A message in the 1:1 chat of ``user_id`` with the bot (text as typed, no mention).
    ``conversation_id`` defaults to one derived from the user id, stable per user."""
    activity = _base(
        "message",
        service_url=service_url,
        conversation=_personal(conversation_id or f"a:personal-{user_id}", tenant_id),
        sender=_user(user_id, aad_object_id, user_name),
        channel_data={"tenant": {"id": tenant_id}},
        bot_id=bot_id,
    )
    activity.update(text=text, textFormat="plain")
    return activity


def channel_message(
    text: str,
    *,
    team_id: str,
    channel_id: str,
    service_url: str,
    user_id: str,
    aad_object_id: str | None,
    mention_bot: bool = True,
    root_id: str | None = None,
    tenant_id: str = TENANT_ID,
    user_name: str = "Test User",
    bot_id: str = BOT_ID,
) -> dict[str, Any]:
    """A message in a team channel. With ``mention_bot`` the text is ``<at>On-call</at> text``
    with the mention entity, as Teams delivers it; without, as if the bot were not named (Teams
    would not deliver that unless the bot had RSC permissions: a test of robustness).
    ``root_id`` makes it a reply in that thread (conversation id ``...;messageid=<root>``)."""
    conversation, data = _channel(team_id, channel_id, tenant_id, root_id)
    activity = _base(
        "message",
        service_url=service_url,
        conversation=conversation,
        sender=_user(user_id, aad_object_id, user_name),
        channel_data=data,
        bot_id=bot_id,
    )
    activity.update(text=text, textFormat="plain")
    if mention_bot:
        at = f"<at>{BOT_NAME}</at>"
        activity["text"] = f"{at} {text}"
        activity["entities"] = [
            {"type": "mention", "mentioned": {"id": bot_id, "name": BOT_NAME}, "text": at}
        ]
    return activity


def card_action(
    verb: str,
    data: dict[str, Any],
    *,
    service_url: str,
    user_id: str,
    aad_object_id: str | None,
    conversation_id: str,
    reply_to_id: str | None = None,
    team_id: str | None = None,
    channel_id: str | None = None,
    tenant_id: str = TENANT_ID,
    user_name: str = "Test User",
    bot_id: str = BOT_ID,
) -> dict[str, Any]:
    """An ``Action.Execute`` click: an ``invoke`` named ``adaptiveCard/action`` with
    ``value.action = {type, verb, data}``. ``reply_to_id`` is the card's activity id (Teams
    sends it). With ``team_id`` and ``channel_id`` it comes from a card in that channel
    (``conversation_id`` is then the card's thread), else from a personal chat."""
    if team_id and channel_id:
        conversation, channel_data = _channel(team_id, channel_id, tenant_id, None)
        conversation["id"] = conversation_id
    else:
        conversation = _personal(conversation_id, tenant_id)
        channel_data = {"tenant": {"id": tenant_id}}
    activity = _base(
        "invoke",
        service_url=service_url,
        conversation=conversation,
        sender=_user(user_id, aad_object_id, user_name),
        channel_data=channel_data,
        bot_id=bot_id,
    )
    activity["name"] = "adaptiveCard/action"
    activity["value"] = {
        "action": {"type": "Action.Execute", "verb": verb, "data": data},
        "trigger": "manual",
    }
    if reply_to_id:
        activity["replyToId"] = reply_to_id
    return activity


def installation_update(
    action: Literal["add", "remove"] = "add",
    scope: Literal["personal", "team"] = "personal",
    *,
    service_url: str,
    user_id: str = "29:installer",
    aad_object_id: str | None = "aad-installer",
    conversation_id: str | None = None,
    team_id: str = "19:team-fake@thread.tacv2",
    tenant_id: str = TENANT_ID,
    bot_id: str = BOT_ID,
) -> dict[str, Any]:
    """The bot installed in (``add``) or removed from (``remove``) a personal scope (the
    installer's 1:1 chat) or a team (its General channel, whose id is the team id)."""
    if scope == "team":
        conversation, channel_data = _channel(team_id, team_id, tenant_id, None)
    else:
        conversation = _personal(conversation_id or f"a:personal-{user_id}", tenant_id)
        channel_data = {"tenant": {"id": tenant_id}}
    channel_data["settings"] = {"selectedChannel": {"id": team_id}} if scope == "team" else {}
    activity = _base(
        "installationUpdate",
        service_url=service_url,
        conversation=conversation,
        sender=_user(user_id, aad_object_id, "Installer"),
        channel_data=channel_data,
        bot_id=bot_id,
    )
    activity["action"] = action
    return activity


def _membership(
    added: bool,
    *,
    service_url: str,
    team_id: str | None,
    team_name: str,
    user_id: str,
    conversation_id: str | None,
    tenant_id: str,
    bot_id: str,
) -> dict[str, Any]:
    if team_id:
        conversation, channel_data = _channel(team_id, team_id, tenant_id, None)
        channel_data["team"] = {"id": team_id, "name": team_name, "aadGroupId": f"aad-{team_id}"}
        channel_data["eventType"] = "teamMemberAdded" if added else "teamMemberRemoved"
    else:
        conversation = _personal(conversation_id or f"a:personal-{user_id}", tenant_id)
        channel_data = {"tenant": {"id": tenant_id}}
    activity = _base(
        "conversationUpdate",
        service_url=service_url,
        conversation=conversation,
        sender=_user(user_id, None, "Installer"),
        channel_data=channel_data,
        bot_id=bot_id,
    )
    activity["membersAdded" if added else "membersRemoved"] = [{"id": bot_id}]
    return activity


def conversation_update_bot_added(
    *,
    service_url: str,
    team_id: str | None = "19:team-fake@thread.tacv2",
    team_name: str = "Payments",
    user_id: str = "29:installer",
    conversation_id: str | None = None,
    tenant_id: str = TENANT_ID,
    bot_id: str = BOT_ID,
) -> dict[str, Any]:
    """``conversationUpdate`` with the bot in ``membersAdded``: to a team (``eventType``
    ``teamMemberAdded``, conversation = the General channel = the team id), or with
    ``team_id=None`` to the personal chat of ``user_id``."""
    return _membership(
        True,
        service_url=service_url,
        team_id=team_id,
        team_name=team_name,
        user_id=user_id,
        conversation_id=conversation_id,
        tenant_id=tenant_id,
        bot_id=bot_id,
    )


def bot_removed(
    *,
    service_url: str,
    team_id: str | None = "19:team-fake@thread.tacv2",
    team_name: str = "Payments",
    user_id: str = "29:installer",
    conversation_id: str | None = None,
    tenant_id: str = TENANT_ID,
    bot_id: str = BOT_ID,
) -> dict[str, Any]:
    """``conversationUpdate`` with the bot in ``membersRemoved`` (``teamMemberRemoved``)."""
    return _membership(
        False,
        service_url=service_url,
        team_id=team_id,
        team_name=team_name,
        user_id=user_id,
        conversation_id=conversation_id,
        tenant_id=tenant_id,
        bot_id=bot_id,
    )


async def post_activity(url: str, activity: dict[str, Any], token: str | None) -> tuple[int, Any]:
    """POSTs ``activity`` to ``url`` (the bot's ``/api/messages``) with ``Bearer token`` (no
    ``Authorization`` header if None). Returns the status and the JSON answer, or its text
    when it is not JSON (an empty body gives ``""``)."""
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=json.dumps(activity), headers=headers) as response,
    ):
        text = await response.text()
        try:
            return response.status, json.loads(text)
        except ValueError:
            return response.status, text
