"""Proactive messages to Teams through botbuilder, and the connector's answers as outcomes.

:class:`TeamsSender` posts and updates activities in a conversation the bot keeps a reference
of (:class:`core.chat.ports.ConversationRef`) through ``CloudAdapter.continue_conversation``.
What botbuilder does that matters here:

- The continuation turn's activity has a random id, which ``send_activity`` would make the
  ``replyToId`` of the message (``POST …/activities/<random id>``); the sender clears it, so
  a message is a plain ``send_to_conversation``. A reply in a channel thread is a send to
  ``<channel>;messageid=<root activity id>``, as Teams documents.
- The connector client (msrest over ``requests``) retries by itself: connection errors, and
  for PUT (updates) 500/502/503/504 three times with sleeps in a worker thread, and with
  urllib3 1.x POSTs and 429s too. A read timeout retried after Teams had posted would post
  twice. The sender turns those retries off for its calls: the outbox retries, after a
  failure only, with backoff that honours ``Retry-After``.
- An exception inside the turn would reach the adapter's ``on_turn_error`` (and be swallowed
  there) when one is set; the sender catches it inside the turn and raises it afterwards as a
  :class:`ConnectorError`.

No database is touched here; the destination records what was posted and deactivates a
reference Teams answers 403/404 for.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationAccount,
    ConversationReference,
    Entity,
    Mention,
)
from msrest.exceptions import HttpOperationError

from bot.handlers.teams.pacing import Pacer
from core.chat.ports import ConversationRef
from scheduling.outbox import Failed, Outcome, Retry

log = logging.getLogger("oncall.teams")

SPACING = timedelta(seconds=0.15)  # Teams: about 7 messages a second per conversation
APP_PER_SECOND = 30.0  # the app's ceiling across conversations (token bucket)
TIMEOUT_SECONDS = 30.0  # one connector call (connect and read)
RETRY_STATUSES = frozenset({408, 412, 429})  # and every 5xx
GONE_STATUSES = frozenset({403, 404})  # the bot is not in that conversation (or no message)
MAX_RETRY_AFTER = timedelta(hours=1)


@dataclass
class ConnectorError(Exception):
    """A connector call that did not succeed. ``status`` is the HTTP status (None: no answer:
    a network error, a timeout, no token); ``retry_after`` what Teams asked for."""

    operation: str  # "send" | "update"
    conversation_id: str
    status: int | None
    retry_after: timedelta | None
    detail: str

    def __str__(self) -> str:
        status = f"http {self.status}" if self.status is not None else "no answer"
        return f"teams {self.operation}: {status}: {self.detail}"

    @property
    def gone(self) -> bool:
        """403 or 404: the bot is no longer in the conversation (or the message is gone)."""
        return self.status in GONE_STATUSES


def _header(headers: Any, name: str) -> str | None:
    try:
        items = list(headers.items()) if headers is not None else []
    except (AttributeError, TypeError):
        return None
    return next((str(v) for k, v in items if str(k).lower() == name.lower()), None)


def parse_retry_after(raw: str | None, now: datetime | None = None) -> timedelta | None:
    """``Retry-After`` as seconds or an HTTP date; None when absent, malformed, negative or
    over an hour (an HTTP date in the past is zero)."""
    if raw is None or not raw.strip():
        return None
    try:
        seconds = float(raw)
    except ValueError:
        try:
            moment = parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError):
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        seconds = max((moment - (now or datetime.now(UTC))).total_seconds(), 0.0)
    if not 0 <= seconds <= MAX_RETRY_AFTER.total_seconds():
        return None
    return timedelta(seconds=seconds)


def connector_error(exc: BaseException, operation: str, conversation_id: str) -> ConnectorError:
    """What a connector call raised, as a :class:`ConnectorError` (the message of the error
    body, cut short; never a header, so never a token)."""
    if isinstance(exc, ConnectorError):
        return exc
    status: int | None = None
    after: timedelta | None = None
    if isinstance(exc, HttpOperationError):
        response = getattr(exc, "response", None)
        raw = getattr(response, "status_code", None) or getattr(response, "status", None)
        status = int(raw) if isinstance(raw, int) else None
        after = parse_retry_after(_header(getattr(response, "headers", None), "Retry-After"))
        detail = str(getattr(exc, "message", "") or exc)
    else:
        detail = f"{type(exc).__name__}: {exc}"
    return ConnectorError(operation, conversation_id, status, after, detail[:300])


def outcome_of(exc: BaseException) -> Outcome:
    """The outbox outcome of a failed connector call.

    429 (with its ``Retry-After``), 408, 412 and every 5xx, and no answer at all (network
    errors, timeouts, a token that could not be had): retry. 403 and 404 (the bot was removed
    from the conversation, or it never was), 400, 401, 413 and any other 4xx: the message
    fails, as retrying cannot help. Anything that is no connector error counts as no answer.
    """
    error = connector_error(exc, "call", "?")
    if error.status is None or error.status >= 500 or error.status in RETRY_STATUSES:
        return Retry(str(error), error.retry_after)
    return Failed(str(error))


def _entity(raw: Any) -> Entity:
    """A mention entity as botbuilder's ``Mention`` (a plain ``Entity`` would lose its text
    and whom it mentions when serialized); any other entity as ``Entity``."""
    if isinstance(raw, dict) and raw.get("type") == "mention":
        found = raw.get("mentioned")
        who: dict[str, Any] = found if isinstance(found, dict) else {}
        return Mention(
            type="mention",
            text=raw.get("text"),
            mentioned=ChannelAccount(id=who.get("id"), name=who.get("name")),
        )
    if isinstance(raw, Entity):
        return raw
    return Entity.deserialize(raw) if isinstance(raw, dict) else Entity(type=str(raw))


def as_activity(activity: Activity | dict[str, Any]) -> Activity:
    """An ``Activity`` from one, or from its JSON form (``type`` defaults to ``message``)."""
    if isinstance(activity, Activity):
        made = copy.deepcopy(activity)
    else:
        made = Activity.deserialize(activity)
        raw = activity.get("entities")
        made.entities = [_entity(e) for e in raw] if isinstance(raw, list) else None
    made.type = made.type or "message"
    return made


class TeamsSender:
    """Sends and updates activities in conversations the bot has references of."""

    def __init__(
        self,
        adapter: CloudAdapter,
        app_id: str,
        *,
        spacing: timedelta = SPACING,
        per_second: float = APP_PER_SECOND,
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        self._adapter = adapter
        self._app_id = app_id
        self._timeout = timeout
        self._pacer = Pacer(spacing.total_seconds(), per_second)

    def _reference(self, ref: ConversationRef, conversation_id: str) -> ConversationReference:
        reference = ConversationReference.deserialize(copy.deepcopy(ref.reference))
        reference.activity_id = None
        reference.service_url = reference.service_url or ref.service_url
        reference.channel_id = reference.channel_id or "msteams"
        conversation = copy.copy(reference.conversation)
        if conversation is None:
            conversation = ConversationAccount(tenant_id=ref.tenant_id)
        conversation.id = conversation_id
        reference.conversation = conversation
        return reference

    def _own_retries_off(self, turn_context: TurnContext) -> None:
        """The connector client's own retries off, its timeout ours (see the module's doc)."""
        client = turn_context.turn_state.get(self._adapter.BOT_CONNECTOR_CLIENT_KEY)
        config = getattr(client, "config", None)
        if config is None:
            return
        config.retry_policy.retries = 0
        config.retry_policy.policy.status_forcelist = frozenset()
        config.connection.timeout = self._timeout

    async def _turn(
        self,
        ref: ConversationRef,
        conversation_id: str,
        operation: str,
        work: Callable[[TurnContext], Awaitable[None]],
    ) -> None:
        failure: list[BaseException] = []

        async def callback(turn_context: TurnContext) -> None:
            try:
                self._own_retries_off(turn_context)
                turn_context.activity.id = None  # no replyToId: a new message, not a reply
                await work(turn_context)
            except Exception as exc:  # raised below, whatever on_turn_error would do
                failure.append(exc)

        reference = self._reference(ref, conversation_id)
        async with self._pacer.call(conversation_id):
            try:
                await self._adapter.continue_conversation(reference, callback, self._app_id)
            except Exception as exc:
                failure.append(exc)
        if failure:
            raise connector_error(failure[0], operation, conversation_id) from failure[0]

    async def send(
        self,
        ref: ConversationRef,
        activity: Activity | dict[str, Any],
        *,
        conversation_id: str | None = None,
    ) -> str:
        """Post ``activity`` into the reference's conversation, or into ``conversation_id``
        (another channel of the same team, or ``<channel>;messageid=<root>`` for a thread
        reply), through the reference's service URL; returns the new activity's id ("" when
        Teams gave none: the message is posted, but cannot be updated later).

        Raises :class:`ConnectorError`; nothing is retried here, so a message is posted at
        most once per call.
        """
        target = conversation_id or ref.conversation_id
        outgoing = as_activity(activity)
        posted: list[str] = []

        async def work(turn_context: TurnContext) -> None:
            response = await turn_context.send_activity(outgoing)
            posted.append(str(getattr(response, "id", "") or ""))

        await self._turn(ref, target, "send", work)
        if not posted or not posted[0]:
            log.warning("Teams gave no activity id for a message to %s", target)
            return ""
        return posted[0]

    async def update(
        self,
        ref: ConversationRef,
        activity_id: str,
        activity: Activity | dict[str, Any],
        *,
        conversation_id: str | None = None,
    ) -> None:
        """Replace the activity ``activity_id`` of the conversation (``conversation_id`` as
        in :meth:`send`) with ``activity``. Raises :class:`ConnectorError` (404: the message
        is gone)."""
        target = conversation_id or ref.conversation_id
        outgoing = as_activity(activity)
        outgoing.id = activity_id

        async def work(turn_context: TurnContext) -> None:
            await turn_context.update_activity(outgoing)

        await self._turn(ref, target, "update", work)
