"""One chat message, several chat platforms: the ``chat`` row split into one row per platform.

Core writes each chat message once, to the destination ``chat``. With one chat platform
configured, ``chat`` is that platform's destination and nothing here runs. With Slack and
Teams both configured, ``chat`` is a :class:`Fanout`: delivering a ``chat`` row writes a copy
of it for each platform (``chat.slack``, ``chat.teams``; key ``<key>/<platform>``, the same
kind, payload and incident) in one transaction, and the copies are delivered, retried and
rate-limited on their own. So Teams answering 429 never makes Slack post twice, and a
platform that is down holds up only its own copies.

A crash after the copies are written and before the ``chat`` row is recorded as sent makes the
row be delivered again: its copies exist already (same keys), and writing them again is a
no-op. The copies keep the original row's order (they are written in the order the ``chat``
rows are claimed, which is the order they were written), so a page still goes before the
update of the same incident.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from core.incidents.ports import ClaimedMessage, OutboxMessage
from core.ports import Clock, UnitOfWork
from scheduling.outbox import Delivered, Outcome


@dataclass
class Fanout:
    """A destination that hands each message on to ``targets`` (destination names)."""

    new_unit: Callable[[], UnitOfWork]
    targets: Sequence[str]
    clock: Clock
    spawns: bool = True
    """The sender claims again at once after a batch that went through a fan-out (the copies
    are ready now, not at the next tick)."""

    def rate_key(self, message: ClaimedMessage) -> tuple[str, timedelta] | None:
        return None

    async def deliver(self, message: ClaimedMessage) -> Outcome:
        now = self.clock.now()
        copies = [
            OutboxMessage(
                key=f"{message.key}/{target.rsplit('.', 1)[-1]}",
                destination=target,
                kind=message.kind,
                payload=dict(message.payload),
                created_at=now,
                incident_id=message.incident_id,
            )
            for target in self.targets
        ]
        async with self.new_unit() as uow:
            await uow.outbox.add_many(copies)
            await uow.commit()
        return Delivered()
