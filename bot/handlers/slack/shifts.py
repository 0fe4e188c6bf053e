"""Hand-overs and coverage-gap warnings delivered to Slack (outbox kinds ``handover`` and
``coverage_gap``, written by :mod:`core.oncall.notices` and :mod:`core.oncall.gap_warnings`).

A hand-over, in this order:
1. the team's ``slack_usergroup`` is set to whoever is on call now across the team's schedules
   (``usergroups.users.update``). Slack refuses an empty group, so when nobody (with a Slack
   account) is on call the group keeps its last members and the channel message says so; a
   group Slack will not let the bot change (``permission_denied``, a missing scope) is said
   there too, and the rest goes on;
2. the channel topic is rewritten before its marker (:mod:`bot.handlers.slack.topic`), keeping
   the team's text after it; set only when it changes;
3. the team channel gets the message (:func:`bot.handlers.slack.shift_render.handover_channel`);
4. the incoming person gets a DM with their shift and the open incidents, unless that shift has
   ended by the time the message goes out.
What is on call and which incidents are open is read at delivery (a late hand-over shows now).
A hand-over more than a day old at delivery (the bot was down that long) is not sent at all;
one sent late says so. Slack errors that say "later" retry the whole message, and the steps
already done (topic, channel message, DM) are remembered per message in this process, so a
retry does not post twice (after a crash in between it may: delivery is at least once).

A coverage-gap warning is one DM to one manager (:mod:`bot.handlers.slack.gap_render`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.handlers.slack.errors import outcome_of
from bot.handlers.slack.gap_render import gap_dm
from bot.handlers.slack.mrkdwn import escape
from bot.handlers.slack.pacing import Pacer
from bot.handlers.slack.shift_render import handover_channel, handover_dm
from bot.handlers.slack.topic import new_topic, ours
from core.incidents.ports import ClaimedMessage
from core.oncall.handover_brief import HandoverBrief
from core.oncall.notices import brief_to_announce
from core.ports import Clock, UnitOfWork
from scheduling.outbox import Delivered, Failed, Outcome, Retry

log = logging.getLogger("oncall.slack")
LATE = timedelta(minutes=5)  # a hand-over delivered later than this says it is late
KINDS = ("handover", "coverage_gap")


class ShiftMessages:
    """The ``handover`` and ``coverage_gap`` handlers of :class:`SlackDestination`."""

    def __init__(
        self,
        client: AsyncWebClient,
        read_unit: Callable[[], UnitOfWork],
        clock: Clock,
        base_url: str,
        *,
        dm_of: Callable[[str], Awaitable[str | None]],
        slack_user: Callable[[str], Awaitable[str | None]],
        pacer: Pacer,
        spacing: timedelta,
    ) -> None:
        self._client = client
        self._read_unit = read_unit
        self._clock = clock
        self._base_url = base_url.rstrip("/")
        self._dm_of = dm_of
        self._slack_user = slack_user
        self._pacer = pacer
        self._spacing = spacing
        self._done: dict[str, set[str]] = {}  # message key -> steps done (for retries)

    def rate_key(self, message: ClaimedMessage) -> tuple[str, timedelta] | None:
        """A hand-over by its team channel (else the incoming person's DM); a gap warning by
        the manager's DM; the same keys as pages and cards, so they share Slack's one a
        second per channel."""
        payload = message.payload
        if message.kind == "handover":
            if payload.get("slack_channel"):
                return f"slack:channel:{payload['slack_channel']}", self._spacing
            person = payload.get("incoming")
        elif message.kind == "coverage_gap":
            person = (payload.get("manager") or {}).get("id")
        else:
            return None
        return (f"slack:person:{person}", self._spacing) if person else None

    async def handover(self, message: ClaimedMessage) -> Outcome:
        """Deliver one hand-over (see the module's docstring)."""
        payload, now = message.payload, self._clock.now()
        found = await brief_to_announce(self._read_unit(), payload, now)
        if found == "invalid":
            return Failed("a hand-over without its schedule or time")
        if found == "stale":
            log.info("hand-over %s not sent: more than a day old", message.key)
            return Delivered()
        at, brief = found
        ids = await self._slack_ids(brief)
        done = self._done.setdefault(message.key, set())
        if len(self._done) > 1000:  # forget messages long given up on
            self._done = {message.key: done}
        channel, late = payload.get("slack_channel"), now - at > LATE
        note = ""
        if payload.get("slack_usergroup"):
            note = await self._update_group(str(payload["slack_usergroup"]), brief, ids)
        if channel and "topic" not in done:
            await self._set_topic(str(channel), brief)
            done.add("topic")
        if channel and "channel" not in done:
            text, blocks = handover_channel(
                brief, slack_ids=ids, base_url=self._base_url, late=late, group_note=note
            )
            await self._post(str(channel), text, blocks)
            done.add("channel")
        ended = brief.incoming_until is not None and brief.incoming_until <= now
        if brief.incoming is not None and not ended and "dm" not in done:
            dm = await self._dm_of(brief.incoming.id)
            if dm is None:
                log.info("hand-over %s: %s has no Slack user", message.key, brief.incoming.id)
            else:
                text, blocks = handover_dm(brief, base_url=self._base_url, late=late)
                await self._post(dm, text, blocks)
            done.add("dm")
        self._done.pop(message.key, None)
        return Delivered()

    async def coverage_gap(self, message: ClaimedMessage) -> Outcome:
        """DM one manager the changes of their team's coverage gaps."""
        manager = message.payload.get("manager") or {}
        person_id = manager.get("id")
        if not person_id:
            return Delivered()
        channel = await self._dm_of(str(person_id))
        if channel is None:
            return Failed(f"manager {person_id} has no Slack id and no Slack user has their email")
        text, blocks = gap_dm(message.payload, self._clock.now())
        await self._post(channel, text, blocks)
        return Delivered()

    async def _post(self, channel: str, text: str, blocks: list[dict[str, Any]]) -> None:
        async with self._pacer.post(channel):
            await self._client.chat_postMessage(
                channel=channel, text=text, blocks=blocks, unfurl_links=False, unfurl_media=False
            )

    async def _slack_ids(self, brief: HandoverBrief) -> dict[str, str]:
        """Slack ids of everyone the messages name (people without one are left out)."""
        people = [brief.outgoing, brief.incoming, *(row.person for row in brief.on_call_now)]
        ids: dict[str, str] = {}
        for person in people:
            if person is not None and person.id not in ids:
                found = await self._slack_user(person.id)
                if found:
                    ids[person.id] = found
        return ids

    async def _update_group(self, group: str, brief: HandoverBrief, ids: dict[str, str]) -> str:
        """Set the user group to who is on call now; what to say about it in the channel."""
        on_call = [row.person.id for row in brief.on_call_now if row.person is not None]
        users = list(dict.fromkeys(ids[p] for p in on_call if p in ids))
        if not users:
            who = "Nobody" if not on_call else "Nobody on call now with a Slack account"
            return (
                f"{who} in {escape(brief.team_name or 'the team')} is on call now: the user "
                "group keeps its last members (Slack refuses an empty group)."
            )
        try:
            await self._client.usergroups_users_update(usergroup=group, users=",".join(users))
        except SlackApiError as exc:
            outcome = outcome_of(exc, "usergroups.users.update")
            if isinstance(outcome, Retry):
                raise
            log.warning("user group %s not updated: %s", group, getattr(outcome, "error", ""))
            return "The user group could not be updated (Slack refused: ask an admin)."
        return "The user group now holds them."

    async def _set_topic(self, channel: str, brief: HandoverBrief) -> None:
        """Our part of the topic before the marker, the team's text kept; only when changed."""
        try:
            info = await self._client.conversations_info(channel=channel)
            current = str(((info.get("channel") or {}).get("topic") or {}).get("value") or "")
            topic = new_topic(current, ours(brief.on_call_now))
            if topic != current:
                async with self._pacer.post(channel):
                    await self._client.conversations_setTopic(channel=channel, topic=topic)
        except SlackApiError as exc:
            outcome = outcome_of(exc, "conversations.setTopic")
            if isinstance(outcome, Retry):
                raise
            log.warning("topic of %s not set: %s", channel, getattr(outcome, "error", ""))
