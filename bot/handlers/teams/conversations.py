"""Where the bot may write later: conversation references, kept from the activities it gets.

Every activity carries a conversation reference (its ``serviceUrl``, tenant, the bot and the
conversation). The bot keeps one per personal chat, group chat and team channel it is in, so
the worker can page people, post to a team's ``teams_channel`` and send hand-overs through
``continue_conversation``. A channel's reference is kept under the channel id: a message in a
thread arrives as ``19:…@thread.tacv2;messageid=…``, which is cut at the ``;``.

Installed in a team, the bot also asks for the team's channels (``TeamsInfo.get_team_channels``)
and keeps a reference for each, so a ``teams_channel`` other than General works before anyone
writes there. Removed (``installationUpdate`` remove, or the bot among the members removed),
the references stop being used: of the whole team, or of the one chat.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import Activity

from core.chat.ports import ConversationRef
from core.ports import Clock, UnitOfWork

log = logging.getLogger("oncall.teams")


def channel_id_of(conversation_id: str) -> str:
    """``19:x@thread.tacv2;messageid=12`` -> ``19:x@thread.tacv2``; other ids unchanged."""
    return conversation_id.split(";", 1)[0]


def team_id_of(activity: Activity) -> str | None:
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    team = data.get("team") if isinstance(data.get("team"), dict) else None
    value = team.get("id") if team else None
    return value if isinstance(value, str) and value else None


def _kind(activity: Activity) -> str:
    kind = getattr(activity.conversation, "conversation_type", None) or "personal"
    if team_id_of(activity) is not None and kind != "personal":
        return "channel"
    return kind if kind in ("personal", "groupChat", "channel") else "groupChat"


def reference_of(
    activity: Activity, now: datetime, *, conversation_id: str | None = None
) -> ConversationRef:
    """The reference of the activity's conversation (or of ``conversation_id``, another
    channel of the same team)."""
    reference: dict[str, Any] = TurnContext.get_conversation_reference(activity).serialize()
    kind = _kind(activity)
    own = channel_id_of(activity.conversation.id)
    target = conversation_id or (own if kind == "channel" else activity.conversation.id)
    reference = copy.deepcopy(reference)
    reference.setdefault("conversation", {})["id"] = target
    reference.pop("activityId", None)
    sender = activity.from_property
    personal = kind == "personal"
    tenant = getattr(activity.conversation, "tenant_id", None)
    if not tenant and isinstance(activity.channel_data, dict):
        tenant = (activity.channel_data.get("tenant") or {}).get("id")
    return ConversationRef(
        conversation_id=target,
        kind=kind,
        service_url=str(activity.service_url or ""),
        tenant_id=tenant if isinstance(tenant, str) else None,
        team_id=team_id_of(activity) if kind == "channel" else None,
        user_id=getattr(sender, "id", None) if personal else None,
        aad_object_id=getattr(sender, "aad_object_id", None) if personal else None,
        reference=reference,
        active=True,
        updated_at=now,
    )


class Conversations:
    """Keeps the references of the conversations the bot is in."""

    def __init__(self, new_unit: Callable[[], UnitOfWork], clock: Clock) -> None:
        self._new_unit = new_unit
        self._clock = clock
        self._seen: dict[str, str] = {}  # conversation id -> service url last saved

    async def seen(self, turn_context: TurnContext) -> None:
        """Keep the reference of the conversation this activity came from (written once per
        conversation and service URL per process)."""
        activity = turn_context.activity
        if activity.conversation is None or not activity.service_url:
            return
        ref = reference_of(activity, self._clock.now())
        if self._seen.get(ref.conversation_id) == ref.service_url:
            return
        await self._save([ref])

    async def installed(self, turn_context: TurnContext) -> None:
        """The bot was added: keep this conversation and, in a team, each of its channels."""
        activity = turn_context.activity
        now = self._clock.now()
        refs = [reference_of(activity, now)]
        team = team_id_of(activity)
        if team is not None:
            try:
                channels = await TeamsInfo.get_team_channels(turn_context, team)
            except Exception as exc:  # the team's channels are a help, not a need
                log.info("Teams: channels of team %s not listed: %s", team, type(exc).__name__)
                channels = []
            for channel in channels:
                if channel.id and channel.id != refs[0].conversation_id:
                    refs.append(reference_of(activity, now, conversation_id=channel.id))
        await self._save(refs)
        log.info("Teams: installed in %s %s", refs[0].kind, refs[0].conversation_id)

    async def removed(self, turn_context: TurnContext) -> None:
        """The bot was removed: stop using the team's references, or this chat's."""
        activity = turn_context.activity
        now = self._clock.now()
        team = team_id_of(activity)
        async with self._new_unit() as uow:
            if team is not None:
                count = await uow.conversations.deactivate_team(team, now)
            else:
                count = int(
                    await uow.conversations.deactivate(channel_id_of(activity.conversation.id), now)
                )
            await uow.commit()
        self._seen.clear()
        log.info("Teams: removed from %s (%d reference(s) no longer used)", team or "a chat", count)

    async def _save(self, refs: list[ConversationRef]) -> None:
        async with self._new_unit() as uow:
            for ref in refs:
                await uow.conversations.save(ref)
            await uow.commit()
        for ref in refs:
            self._seen[ref.conversation_id] = ref.service_url
