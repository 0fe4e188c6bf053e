"""In-memory implementations of core's ports, for core tests without I/O.

Writes go to a staging copy and become visible to later units only on ``commit``, so a use
case that raises half-way leaves the store as it was, as a database transaction would. Units
are meant to run one after another (as SQLite's one writer makes them): two units open at
once each see the store as it was when they entered, and the last to commit wins.

The store and its rows are in :mod:`tests.fake_store`; the repositories in
:mod:`tests.fake_schedule`, :mod:`tests.fake_incidents`, :mod:`tests.fake_outbox`,
:mod:`tests.fake_chat` and :mod:`tests.fake_conversations`. Every name stays importable from here.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from types import TracebackType

from tests.fake_chat import FakeCardCopies, FakeChatIdentities
from tests.fake_conversations import FakeConversationRefs
from tests.fake_gaps import FakeGapWarnings
from tests.fake_heartbeats import FakeHeartbeats
from tests.fake_incidents import FakeIncidents
from tests.fake_maintenance import FakeMaintenance
from tests.fake_metrics import FakeMetrics
from tests.fake_outbox import FakeInbox, FakeOutbox
from tests.fake_reviews import FakeReviews
from tests.fake_schedule import FakeAuditLog, FakeConfigRepository, FakeScheduleState
from tests.fake_store import (
    AlertRow,
    EventRow,
    FakeIntegrityError,
    InboxRow,
    IncidentRow,
    OutboxRow,
    StepRow,
    Store,
    as_json,
    instant,
    maybe_instant,
)
from tests.fake_tickets import FakeTickets

# The repositories and the store live in the modules above; their names stay importable here.
__all__ = [
    "AlertRow",
    "EventRow",
    "FakeAuditLog",
    "FakeCardCopies",
    "FakeChatIdentities",
    "FakeConfigRepository",
    "FakeConversationRefs",
    "FakeGapWarnings",
    "FakeInbox",
    "FakeIncidents",
    "FakeIntegrityError",
    "FakeOutbox",
    "FakeScheduleState",
    "FakeUnitOfWork",
    "FrozenClock",
    "InboxRow",
    "IncidentRow",
    "OutboxRow",
    "StepRow",
    "Store",
    "as_json",
    "instant",
    "maybe_instant",
]


class FakeUnitOfWork:
    """A unit of work over a :class:`Store`; leaving it without ``commit`` discards writes."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.commits = 0

    async def __aenter__(self) -> FakeUnitOfWork:
        self._staged = copy.deepcopy(self.store)
        self.config = FakeConfigRepository(self._staged)
        self.audit = FakeAuditLog(self._staged)
        self.schedules = FakeScheduleState(self._staged)
        self.incidents = FakeIncidents(self._staged)
        self.outbox = FakeOutbox(self._staged)
        self.inbox = FakeInbox(self._staged)
        self.identities = FakeChatIdentities(self._staged)
        self.cards = FakeCardCopies(self._staged)
        self.conversations = FakeConversationRefs(self._staged)
        self.gap_warnings = FakeGapWarnings(self._staged)
        self.tickets = FakeTickets(self._staged)
        self.reviews = FakeReviews(self._staged)
        self.metrics = FakeMetrics(self._staged)
        self.heartbeats = FakeHeartbeats(self._staged)
        self.maintenance = FakeMaintenance(self._staged)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._staged = Store()

    async def commit(self) -> None:
        self.store.__dict__.update(copy.deepcopy(self._staged).__dict__)
        self.commits += 1


class FrozenClock:
    """A clock that says what it is told; ``advance`` moves it on."""

    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> None:
        self._now += timedelta(**delta)
