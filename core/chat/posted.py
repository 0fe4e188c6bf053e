"""Chat messages the bot posted and may update later (a swap request once it is answered).

Incident cards have their own table (:class:`core.chat.ports.CardCopy`); this one holds any
other message by what it shows, its ``subject`` (``swap/12/counterpart``), so a message is
updated in place, never posted twice. ``storage/`` implements the repository.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class PostedMessage:
    """``message_id`` is Slack's ``ts`` (or a Teams activity id) in ``channel``."""

    platform: str
    subject: str
    channel: str
    message_id: str
    posted_at: datetime


class PostedMessageRepository(Protocol):
    async def get(self, platform: str, subject: str) -> PostedMessage | None:
        """The message posted for ``subject`` on the platform; None when none was."""
        ...

    async def add(self, message: PostedMessage) -> bool:
        """Remember a posted message; False (nothing changed) when the subject has one."""
        ...
