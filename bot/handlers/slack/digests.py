"""Storm digests in Slack: many new incidents of one channel (or one person's DM) in one
message, updated in place as more arrive (in a channel) or as they change.

The outbox sender decides when (more wait than one post a second clears in 10 s, see
:class:`scheduling.outbox.Digesting`) and hands the waiting messages over together. Each call
may post one new digest message (the sender reserved one slot for it); before that, in a team
channel, it fills the digest posted last there while it has room, which costs a
``chat.update``, not a post. A person's pages always come in a new message: Slack notifies of
a new message, never of an edit, so a page added to an old digest would reach nobody (and
``chat.update`` is Tier 3, about 50 a minute for the whole workspace, too few for a storm's
pages). Every incident shown is recorded as a card copy of kind ``digest`` with the digest's
``ts``, so later changes of the incident re-render the digest it is in, and a redelivered
message finds its line and adds nothing. A digest's metadata names the outbox keys of what it
shows, so a message delivered again after its digest was posted but before the post was
recorded (a crash) finds that digest in the conversation's history and is recorded there,
not shown twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.handlers.slack.digest import CAPACITY, storm_blocks
from bot.handlers.slack.pacing import Pacer
from bot.handlers.slack.redelivery import digest_metadata, find_digested, is_retry
from core.chat.ports import CardCopy
from core.incidents.cards import digest_entries
from core.incidents.ports import ClaimedMessage
from core.ports import Clock, UnitOfWork
from scheduling.outbox import Deferred, Delivered, Failed, Outcome

PLATFORM = "slack"
DIGEST_ROOM = CAPACITY  # incidents one digest message shows
ENTRY_CACHE = 5000  # digest lines kept in memory


class SlackDigests:
    def __init__(
        self,
        client: AsyncWebClient,
        new_unit: Callable[[], UnitOfWork],
        read_unit: Callable[[], UnitOfWork],
        clock: Clock,
        base_url: str,
        dm_channel: Callable[[str], Awaitable[str | None]],
        pacer: Pacer,
    ) -> None:
        self._pacer = pacer
        self._client = client
        self._new_unit = new_unit
        self._read_unit = read_unit
        self._clock = clock
        self._base_url = base_url
        self._dm_channel = dm_channel
        # channel -> (ts, incident ids, outbox keys) of the digest posted last there
        self._open: dict[str, tuple[str, list[int], list[str]]] = {}
        self._entries: dict[int, dict[str, Any]] = {}  # incident id -> its digest line

    def _now(self) -> datetime:
        return self._clock.now()

    async def _channel(self, message: ClaimedMessage) -> tuple[str | None, str | None]:
        """The channel a message goes to and the DM's person (None for the team channel)."""
        payload = message.payload
        if message.kind == "page":
            person = str(payload.get("person"))
            return await self._dm_channel(person), person
        return (str(payload["slack_channel"]) if payload.get("slack_channel") else None), None

    async def deliver(self, messages: list[ClaimedMessage]) -> dict[int, Outcome]:
        """Show the messages' incidents in the channel's digest; at most one new post."""
        outcomes: dict[int, Outcome] = {}
        channel, person = await self._channel(messages[0])
        if channel is None:
            reason = "no Slack channel" if person is None else f"no Slack user for {person}"
            return {m.id: Failed(reason) for m in messages}
        async with self._read_unit() as uow:
            shown = {
                m.incident_id
                for m in messages
                if m.incident_id is not None
                and any(
                    c.channel == channel for c in await uow.cards.copies(m.incident_id, PLATFORM)
                )
            }
        waiting: list[ClaimedMessage] = []
        for m in messages:
            if m.incident_id is None or m.incident_id in shown:
                outcomes[m.id] = Delivered()  # nothing to show, or shown already (a redelivery)
            elif m.incident_id not in {w.incident_id for w in waiting}:
                waiting.append(m)
            else:
                outcomes[m.id] = Delivered()  # the same incident twice in one flush
        retried = [m.key for m in waiting if is_retry(m)]
        if retried:  # shown already by a digest whose outcome was lost (a crash, say)?
            found = await find_digested(self._client, retried, channel)
            for ts in set(found.values()):
                shown_there = [m for m in waiting if found.get(m.key) == ts]
                await self._record(
                    channel, ts, [int(m.incident_id or 0) for m in shown_there], person
                )
                outcomes.update({m.id: Delivered() for m in shown_there})
            waiting = [m for m in waiting if m.key not in found]
        if waiting and person is None and channel in self._open:  # a DM's pages: see below
            ts, ids, keys = self._open[channel]
            room = DIGEST_ROOM - len(ids)
            if room > 0:
                taken, waiting = waiting[:room], waiting[room:]
                added = [int(m.incident_id or 0) for m in taken]
                shown_keys = [*keys, *(m.key for m in taken)]
                await self._show(channel, ts, [*ids, *added], update=True, keys=shown_keys)
                await self._record(channel, ts, added, person)
                self._open[channel] = (ts, [*ids, *added], shown_keys)
                outcomes.update({m.id: Delivered() for m in taken})
        if waiting:
            taken, waiting = waiting[:DIGEST_ROOM], waiting[DIGEST_ROOM:]
            added = [int(m.incident_id or 0) for m in taken]
            shown_keys = [m.key for m in taken]
            ts = await self._show(channel, None, added, update=False, keys=shown_keys)
            await self._record(channel, ts, added, person)
            self._open[channel] = (ts, added, shown_keys)
            outcomes.update({m.id: Delivered() for m in taken})
        outcomes.update({m.id: Deferred() for m in waiting})  # the next digest slot
        return outcomes

    async def _blocks(self, ids: list[int]) -> tuple[str, list[dict[str, Any]]]:
        """The digest of ``ids``; lines already read are reused (only a changed incident,
        dropped by :meth:`refresh`, and new ones are read), so filling a digest of 200 a
        batch at a time reads each incident once."""
        missing = [i for i in ids if i not in self._entries]
        if missing:
            async with self._read_unit() as uow:
                for entry in await digest_entries(uow, missing):
                    entry["url"] = f"{self._base_url}/incidents/{entry['id']}"
                    self._entries[int(entry["id"])] = entry
            while len(self._entries) > ENTRY_CACHE:
                self._entries.pop(next(iter(self._entries)))
        entries = [self._entries[i] for i in ids if i in self._entries]
        count = len(entries)
        text = f"{count} new incident{'s' if count != 1 else ''} (a storm digest)"
        return text, storm_blocks(entries, more_url=f"{self._base_url}/incidents")

    async def _show(
        self,
        channel: str,
        ts: str | None,
        ids: list[int],
        *,
        update: bool,
        keys: list[str] | None = None,
    ) -> str:
        """Post or update the digest of ``ids``; with ``keys``, its metadata names them (an
        update without keys keeps the metadata the message has)."""
        text, blocks = await self._blocks(ids)
        extra = {} if keys is None else {"metadata": digest_metadata(keys)}
        if update and ts is not None:
            await self._client.chat_update(
                channel=channel, ts=ts, text=text, blocks=blocks, **extra
            )
            return ts
        async with self._pacer.post(channel):
            answer = await self._client.chat_postMessage(
                channel=channel,
                text=text,
                blocks=blocks,
                unfurl_links=False,
                unfurl_media=False,
                **extra,
            )
        return str(answer["ts"])

    async def _record(self, channel: str, ts: str, ids: list[int], person: str | None) -> None:
        async with self._new_unit() as uow:
            for incident_id in ids:
                await uow.cards.add(
                    incident_id=incident_id,
                    platform=PLATFORM,
                    channel=channel,
                    message_id=ts,
                    kind="digest",
                    person_id=person,
                    rendered_event=0,
                    now=self._now(),
                )
            await uow.commit()

    async def refresh(self, copy: CardCopy, version: int) -> None:
        """Re-render the digest that shows ``copy``'s incident (the incident changed)."""
        self._entries.pop(copy.incident_id, None)
        async with self._read_unit() as uow:
            lines = await uow.cards.in_message(PLATFORM, copy.channel, copy.message_id)
        await self._show(copy.channel, copy.message_id, [c.incident_id for c in lines], update=True)
        async with self._new_unit() as uow:
            await uow.cards.rendered(copy.id, version, self._now())
            await uow.commit()
