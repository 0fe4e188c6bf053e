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

A storm digest names the outbox keys of everything it shows (:func:`digest_metadata`, kept up
to date when a channel's digest is filled), so a digest member delivered again finds its line
(:func:`find_digested`) instead of showing it in a second digest.

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


def digest_metadata(keys: list[str]) -> dict[str, Any]:
    """The ``metadata`` of a storm digest: the outbox keys of every message it shows, as one
    space-separated string (Slack's metadata values are strings, numbers, booleans or
    objects; outbox keys hold no spaces)."""
    return {"event_type": EVENT_TYPE, "event_payload": {"outbox_keys": " ".join(keys)}}


async def find_posted(
    client: AsyncWebClient,
    message: ClaimedMessage,
    channel: str,
    *,
    thread_ts: str | None = None,
) -> str | None:
    """The ``ts`` of a message in ``channel`` (in the thread ``thread_ts`` when given) whose
    metadata names ``message``'s outbox key; None when there is none or Slack would not say."""
    found = await _posted(client, [message.key], channel, thread_ts=thread_ts)
    ts = found.get(message.key)
    if ts is not None:
        log.info("message %s: posted before (ts %s), not posting again", message.key, ts)
    return ts


async def find_digested(client: AsyncWebClient, keys: list[str], channel: str) -> dict[str, str]:
    """Of ``keys``, those a recent message in ``channel`` shows already (a digest, or a card
    of its own), each with that message's ``ts``; empty when Slack would not say."""
    found = await _posted(client, keys, channel)
    if found:
        log.info("%d message(s) shown before in %s, not showing them again", len(found), channel)
    return found


async def _posted(
    client: AsyncWebClient, keys: list[str], channel: str, *, thread_ts: str | None = None
) -> dict[str, str]:
    """Outbox key to ``ts`` for each of ``keys`` that a recent message's metadata names."""
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
            " ".join(keys),
            channel,
            error_code(exc),
        )
        return {}
    wanted = set(keys)
    out: dict[str, str] = {}
    for found in answer.get("messages") or []:
        meta = found.get("metadata") if isinstance(found, dict) else None
        if not isinstance(meta, dict) or meta.get("event_type") != EVENT_TYPE:
            continue
        payload = meta.get("event_payload")
        if not isinstance(payload, dict):
            continue
        named = {payload.get("outbox_key")} | set(str(payload.get("outbox_keys") or "").split())
        for key in named & wanted:
            out.setdefault(str(key), str(found.get("ts")))
    return out
