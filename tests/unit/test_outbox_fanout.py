"""A chat message with Slack and Teams both on: split into one row per platform, each
delivered and retried on its own, none twice. In-memory unit of work; time is passed."""

from __future__ import annotations

from datetime import timedelta

from core.incidents.ports import ClaimedMessage, OutboxMessage
from scheduling.fanout import Fanout
from scheduling.outbox import Delivered, OutboxSender, Outcome, Retry
from tests.fakes import FakeUnitOfWork, Store
from tests.unit.oncall.common import at

T0 = at("2026-03-02 10:00")


class Clock:
    def __init__(self) -> None:
        self.now_value = T0

    def now(self):  # type: ignore[no-untyped-def]
        return self.now_value


class Platform:
    """Records what it delivered; answers Retry for the first ``fail`` attempts."""

    def __init__(self, fail: int = 0) -> None:
        self.delivered: list[tuple[str, str]] = []
        self.fail = fail

    def rate_key(self, message: ClaimedMessage) -> None:
        return None

    async def deliver(self, message: ClaimedMessage) -> Outcome:
        if self.fail:
            self.fail -= 1
            return Retry("429", after=timedelta(seconds=1))
        self.delivered.append((message.kind, message.key))
        return Delivered()


def sender_for(store: Store, slack: Platform, teams: Platform, clock: Clock) -> OutboxSender:
    def unit() -> FakeUnitOfWork:
        return FakeUnitOfWork(store)

    fanout = Fanout(unit, ("chat.slack", "chat.teams"), clock)
    return OutboxSender(
        unit,
        {"chat": fanout, "chat.slack": slack, "chat.teams": teams},
        jitter=lambda: 0.0,
        clock=clock,
    )


async def write(store: Store, *messages: OutboxMessage) -> None:
    async with FakeUnitOfWork(store) as uow:
        await uow.outbox.add_many(list(messages))
        await uow.commit()


def page(n: int) -> OutboxMessage:
    return OutboxMessage(f"incident/{n}/event/1/1", "chat", "page", {"person": "ana"}, T0, n)


async def test_each_platform_gets_each_message_once_in_one_tick() -> None:
    store, slack, teams, clock = Store(), Platform(), Platform(), Clock()
    await write(store, page(1), page(2))
    await sender_for(store, slack, teams, clock).run_once_job(T0)
    assert slack.delivered == [
        ("page", "incident/1/event/1/1/slack"),
        ("page", "incident/2/event/1/1/slack"),
    ]
    assert teams.delivered == [
        ("page", "incident/1/event/1/1/teams"),
        ("page", "incident/2/event/1/1/teams"),
    ]
    assert {r.destination for r in store.outbox.values()} == {"chat", "chat.slack", "chat.teams"}
    assert all(r.status == "sent" for r in store.outbox.values())


async def test_a_platform_that_retries_does_not_make_the_other_post_twice() -> None:
    store, slack, teams, clock = Store(), Platform(), Platform(fail=2), Clock()
    await write(store, page(1))
    sender = sender_for(store, slack, teams, clock)
    for second in range(0, 30):
        clock.now_value = T0 + timedelta(seconds=second)
        await sender.run_once_job(clock.now_value)
    assert slack.delivered == [("page", "incident/1/event/1/1/slack")]
    assert teams.delivered == [("page", "incident/1/event/1/1/teams")]


async def test_a_chat_row_delivered_again_after_a_crash_writes_no_second_copies() -> None:
    store, clock = Store(), Clock()
    fanout = Fanout(lambda: FakeUnitOfWork(store), ("chat.slack", "chat.teams"), clock)
    message = ClaimedMessage(1, "k", "chat", "page", {"person": "ana"}, 1, 7)
    assert isinstance(await fanout.deliver(message), Delivered)
    assert isinstance(await fanout.deliver(message), Delivered)  # the lease ran out, again
    keys = sorted(r.key for r in store.outbox.values())
    assert keys == ["k/slack", "k/teams"]
    assert all(r.incident_id == 7 and r.kind == "page" for r in store.outbox.values())


def test_the_worker_fans_chat_out_only_when_both_platforms_are_on() -> None:
    from bot.settings import Settings
    from bot.worker import destinations

    slack = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}
    teams = {"MICROSOFT_APP_ID": "app", "MICROSOFT_APP_PASSWORD": "pw"}

    def chat(**env: str) -> object:
        made = destinations(Settings(**env), FakeUnitOfWork, FakeUnitOfWork, Clock())  # type: ignore[arg-type]
        assert {"chat", "chat.slack", "chat.teams", "ticket"} <= set(made)
        return made["chat"]

    assert type(chat(**slack)).__name__ == "SlackDestination"
    assert type(chat(**teams)).__name__ == "TeamsDestination"
    both = chat(**slack, **teams)
    assert isinstance(both, Fanout) and tuple(both.targets) == ("chat.slack", "chat.teams")
    assert type(chat()).__name__ == "LogDestination"


class Patient(Platform):
    """A destination that keeps its messages longer than the sender's default."""

    max_attempts = 5


async def test_a_destination_may_keep_retrying_longer_than_the_sender() -> None:
    store, clock = Store(), Clock()
    patient, hasty = Patient(fail=100), Platform(fail=100)

    def unit() -> FakeUnitOfWork:
        return FakeUnitOfWork(store)

    sender = OutboxSender(
        unit,
        {"ticket": patient, "chat": hasty},
        jitter=lambda: 0.0,
        clock=clock,
        max_attempts=2,
    )
    await write(
        store,
        OutboxMessage("t/1", "ticket", "open", {}, created_at=T0),
        OutboxMessage("c/1", "chat", "page", {}, created_at=T0),
    )
    for _ in range(8):
        await sender.run_once_job(clock.now())
        clock.now_value += timedelta(minutes=15)
    assert {key: row.status for key, row in store.outbox.items()} == {
        "t/1": "failed",
        "c/1": "failed",
    }
    assert (store.outbox["c/1"].attempts, store.outbox["t/1"].attempts) == (2, 5)
