"""Posts that reached Slack before their answer was lost: found again by their metadata.

The outbox delivers at least once: a process killed (or a connection cut) after Slack
accepted a ``chat.postMessage`` but before the outcome was recorded delivers the message
again. Every post the Slack destination makes for an outbox message carries Slack message
metadata naming the message's outbox key (:func:`metadata`). On a retry (the row's claim
counts more than one attempt: a retry after an error, or a lease taken over after a crash),
:func:`find_posted` looks for that key before posting again:

- in a thread (``thread_ts``: a page to someone already holding the incident's DM card):
  ``conversations.replies`` of that thread, the parent included;
- else in the conversation: ``conversations.history`` (the :data:`RECENT` newest top-level
  messages).

Both need the history scope of the conversation (``im:history`` for DMs, ``channels:history``
/ ``groups:history`` for channels) and ``include_all_metadata``. When Slack refuses (no scope,
say) the lookup answers None and the caller posts: a possible repeat, never a lost page.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.handlers.slack.errors import error_code
from core.incidents.ports import ClaimedMessage

log = logging.getLogger("oncall.slack")
EVENT_TYPE = "oncall_outbox_message"
RECENT = 20  # top-level messages looked at: a retry comes within minutes of the first try
THREAD = 200  # replies looked at in one card's thread (one per page of the incident)


def metadata(message: ClaimedMessage) -> dict[str, Any]:
    """The ``metadata`` argument of ``chat.postMessage`` naming ``message``'s outbox key."""
    return {"event_type": EVENT_TYPE, "event_payload": {"outbox_key": message.key}}


def is_retry(message: ClaimedMessage) -> bool:
    """A claim after the first: the message may have reached Slack already. The claim adds
    one to ``attempts`` (a deferral gives it back), so a first delivery has ``attempts == 1``."""
    return message.attempts > 1


async def find_posted(
    client: AsyncWebClient,
    message: ClaimedMessage,
    channel: str,
    *,
    thread_ts: str | None = None,
) -> str | None:
    """The ``ts`` of a message in ``channel`` (in the thread ``thread_ts`` when given) whose
    metadata names ``message``'s outbox key; None when there is none or Slack would not say."""
    try:
        if thread_ts is not None:
            answer = await client.conversations_replies(
                channel=channel, ts=thread_ts, include_all_metadata=True, limit=THREAD
            )
        else:
            answer = await client.conversations_history(
                channel=channel, include_all_metadata=True, limit=RECENT
            )
    except SlackApiError as exc:
        log.warning(
            "message %s: cannot look for an earlier post in %s (%s); posting it",
            message.key,
            channel,
            error_code(exc),
        )
        return None
    for found in answer.get("messages") or []:
        meta = found.get("metadata") if isinstance(found, dict) else None
        if not isinstance(meta, dict) or meta.get("event_type") != EVENT_TYPE:
            continue
        payload = meta.get("event_payload")
        if isinstance(payload, dict) and payload.get("outbox_key") == message.key:
            log.info(
                "message %s: posted before (ts %s), not posting again", message.key, found.get("ts")
            )
            return str(found.get("ts"))
    return None
