"""``/oncall`` subcommands through :func:`bot.commands.router.run`, on the in-memory store.

The table (:mod:`tests.unit.commands.table`) is what every surface must answer; the tests after
it are what only the neutral layer shows: the batch a page hands to the alert inbox, platform
mentions through ``resolve_user``, and a failure inside a subcommand.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from types import TracebackType

import pytest

from bot.commands import help as help_command
from bot.commands import router
from bot.commands.context import Caller, CommandContext
from bot.commands.replies import Reply
from core.incidents.ports import AlertBatch
from tests.fakes import FakeUnitOfWork, Store
from tests.unit.commands.table import (
    CASES,
    WHEN,
    Case,
    Changed,
    Snapshot,
    changed,
    pinned,
    snapshot,
)
from tests.unit.commands.world import NOW, SLACK_USERS, new_store


@dataclass
class Chat:
    """A command context over one store, and what the commands handed to ``open_alert``."""

    store: Store
    opened: list[AlertBatch] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)  # user ids given to resolve_user

    def context(
        self,
        person: str | None,
        *,
        user: str = "U0TEST",
        read_unit: Callable[[], FakeUnitOfWork] | None = None,
    ) -> CommandContext:
        async def open_alert(batch: AlertBatch) -> int:
            self.opened.append(batch)
            return len(self.opened)

        async def resolve_user(user_id: str) -> str | None:
            self.asked.append(user_id)
            return SLACK_USERS.get(user_id)

        return CommandContext(
            caller=Caller("test", user, person, "C0TEST"),
            new_unit=lambda: FakeUnitOfWork(self.store),
            read_unit=read_unit or (lambda: FakeUnitOfWork(self.store)),
            now=NOW,
            base_url="http://oncall.example",
            open_alert=open_alert,
            resolve_user=resolve_user,
        )

    async def run(self, person: str | None, text: str, **options: object) -> Reply:
        return await router.run(self.context(person, **options), text)  # type: ignore[arg-type]

    async def snapshot(self) -> Snapshot:
        return await snapshot(FakeUnitOfWork(self.store))

    async def changed(self, before: Snapshot) -> Changed:
        return changed(before, await self.snapshot(), pinned(self.opened))


@pytest.fixture
async def chat() -> Chat:
    return Chat(await new_store())


def shown(reply: Reply) -> list[str]:
    """Every section title and line of a reply."""
    return [
        text
        for s in reply.sections
        for text in (s.title or "", *s.lines, *(f"{f.label}: {f.value}" for f in s.facts))
        if text
    ]


def check(case: Case, reply: Reply, changed: Changed) -> None:
    rows = shown(reply)
    for fragment in case.says:
        assert fragment in reply.text, (fragment, reply.text)
    for fragment in case.lines:
        assert any(fragment in row for row in rows), (fragment, rows)
    for fragment in case.absent:
        assert fragment not in reply.text and all(fragment not in row for row in rows), fragment
    assert (reply.public, reply.error) == (case.public, case.error), reply.text
    assert changed == case.changed
    assert reply.extra.get("modal") == case.modal
    everything = " ".join([reply.text, *rows])
    assert not re.search(r"(?<!\S)--[a-z]", everything), everything  # no CLI flags
    assert "Traceback" not in everything


@pytest.mark.parametrize("case", CASES, ids=str)
async def test_command_table(chat: Chat, case: Case) -> None:
    before = await chat.snapshot()
    reply = await chat.run(case.caller, case.text)
    check(case, reply, await chat.changed(before))


def test_the_table_names_every_subcommand_and_each_row_once() -> None:
    assert len({case.name for case in CASES}) == len(CASES)
    used = {router.split(case.text)[0] for case in CASES}
    assert set(router.SUBCOMMANDS) <= used
    assert set(router.ALIASES) <= {case.text.split()[0] for case in CASES if case.text.strip()}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", (None, [])),
        ("  oncall  ", (None, [])),
        ("/oncall who Payments", ("who", ["Payments"])),
        ("ONCALL Who", ("who", [])),
        ("acknowledge #12", ("ack", ["#12"])),
        ("time-off 2026-03-04 2026-03-05", ("timeoff", ["2026-03-04", "2026-03-05"])),
        ("shifts", ("schedule", [])),
        ("who\tapi\n", ("who", ["api"])),
    ],
)
def test_split(text: str, expected: tuple[str | None, list[str]]) -> None:
    assert router.split(text) == expected


def test_help_lists_every_subcommand_once() -> None:
    lines = shown(help_command.render(router.help_entries()))
    for name, module in router.SUBCOMMANDS.items():
        assert sum(line.startswith(module.USAGE) for line in lines) == 1, name


async def test_a_long_unknown_word_is_cut_in_the_help(chat: Chat) -> None:
    reply = await chat.run("ann", "x" * 500)
    assert not reply.error
    assert "x" * 39 + "…" in reply.text and "x" * 41 not in reply.text


async def test_a_page_hands_the_alert_inbox_a_pinned_critical_batch(chat: Chat) -> None:
    reply = await chat.run("ann", "page api Disk <!channel> full", user="U0ANN")
    assert reply.public
    [batch] = chat.opened
    assert batch.status == "firing" and batch.source == "chat"
    assert batch.labels == {
        "alertname": "ManualPage",
        "severity": "critical",
        "oncall_service": "api",
    }
    assert batch.title == "Disk <!channel> full"  # plain text; renderers escape it
    assert batch.annotations == {"summary": "Disk <!channel> full", "paged_by": "ann"}
    assert not chat.store.incidents.keys() - {1, 2, 3}  # the inbox opens it, not the command


async def test_two_pages_at_one_instant_are_two_batches_and_a_repeat_is_one(chat: Chat) -> None:
    await chat.run("ann", "page api first", user="U0ANN")
    await chat.run("ann", "page api second", user="U0ANN")
    await chat.run("ann", "page api second", user="U0ANN")
    keys = [b.key for b in chat.opened]
    assert keys[0] != keys[1] and keys[1] == keys[2]


async def test_a_person_page_is_an_unrouted_incident_that_pages_them(chat: Chat) -> None:
    await chat.run("ann", "page @bob Please look at db-1", user="U0ANN")
    record = chat.store.incidents[4].record
    assert (record.service_id, record.title, record.state.assignee) == (
        "unrouted",
        "Please look at db-1",
        "bob",
    )
    assert record.labels["paged_person"] == "bob"
    reassigned = [e for e in chat.store.events if e.incident_id == 4 and e.actor == "ann"]
    assert reassigned, "the reassignment is on the timeline, by the caller"


@pytest.mark.parametrize(
    ("caller", "text", "says", "expected"),
    [
        (
            "ann",
            "schedule <@U0BOB|bob>",
            "Shifts of Bob",
            Changed(),
        ),
        (
            "dan",
            f"override primary <@U0CAT> {WHEN}",
            "Cat is on call for Primary",
            Changed(
                overrides=(("primary", "cat", "2026-03-05 09:00", "2026-03-05 17:00", "dan", None),)
            ),
        ),
        (
            "dan",
            "timeoff <@U0ANN|ann> 2026-03-04 2026-03-05",
            "Time off",
            Changed(time_off=(("ann", "2026-03-04 00:00", "2026-03-05 00:00", "dan", None),)),
        ),
        (
            "ann",
            "page <@U0DAN|dan> the db is on fire",
            "Paging Dan: incident #4",
            Changed(incidents=((4, "triggered", "dan"),)),
        ),
    ],
)
async def test_a_platform_mention_is_the_person_resolve_user_finds(
    chat: Chat, caller: str, text: str, says: str, expected: Changed
) -> None:
    before = await chat.snapshot()
    reply = await chat.run(caller, text)
    assert says in reply.text and not reply.error, reply.text
    assert await chat.changed(before) == expected
    assert len(chat.asked) == 1


@pytest.mark.parametrize(
    "text",
    [
        "schedule <@U0NOBODY>",
        f"override primary <@U0NOBODY> {WHEN}",
        "timeoff <@U0NOBODY> 2026-03-04 2026-03-05",
        "page <@U0NOBODY|ghost> hello",
    ],
)
async def test_a_mention_of_someone_unknown_is_refused(chat: Chat, text: str) -> None:
    before = await chat.snapshot()
    reply = await chat.run("dan", text)
    assert reply.error
    assert "That user is not a person in the on-call configuration." in reply.text
    assert await chat.changed(before) == Changed()


class BrokenUnit(FakeUnitOfWork):
    """A unit of work whose database is gone."""

    async def __aenter__(self) -> FakeUnitOfWork:
        raise RuntimeError("connection refused: postgres://admin:hunter2@db")

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:  # pragma: no cover - never entered
        return None


@pytest.mark.parametrize("text", ["who", "schedule ops", f"override primary {WHEN}", "page api x"])
async def test_a_failure_inside_a_subcommand_is_an_apology_without_details(
    chat: Chat, text: str, caplog: pytest.LogCaptureFixture
) -> None:
    before = await chat.snapshot()
    context = chat.context("ann", read_unit=lambda: BrokenUnit(chat.store))
    with caplog.at_level(logging.ERROR, logger="oncall.commands"):
        reply = await router.run(context, text)
    assert reply.error and not reply.public and not reply.sections
    assert reply.text.startswith("Sorry")
    assert "hunter2" not in reply.text and "Traceback" not in reply.text
    assert "RuntimeError" not in reply.text
    assert any(r.exc_info for r in caplog.records), "the error is logged with its traceback"
    assert await chat.changed(before) == Changed()


async def test_an_override_is_audited_with_the_caller_and_shown_by_who(chat: Chat) -> None:
    await chat.run("dan", "override primary @cat now 2026-03-02 12:00 cover")
    assert chat.store.audit[-1].actor == "dan"
    assert chat.store.audit[-1].detail["person"] == "cat"
    reply = await chat.run("ann", "who primary")
    assert "On call now: Cat" in reply.text
    assert any("Now: Cat until Mon 02 Mar 12:00 UTC" in line for line in shown(reply))
    assert any("Next: Ann from Mon 02 Mar 12:00 UTC" in line for line in shown(reply))


async def test_time_off_moves_the_caller_out_of_their_listing(chat: Chat) -> None:
    await chat.run("ann", "timeoff 2026-03-04 2026-03-05")
    reply = await chat.run("ann", "schedule")
    assert not any(line.startswith("Wed 04 Mar 09:00 UTC") for line in shown(reply))
    assert any("Thu 05 Mar 00:00 UTC" in line and "Ann" in line for line in shown(reply))


async def test_a_command_the_next_day_sees_the_next_shift(chat: Chat) -> None:
    context = chat.context("ann")
    later = CommandContext(**{**context.__dict__, "now": NOW + timedelta(days=1)})
    reply = await router.run(later, "who primary")
    assert "On call now: Bob" in reply.text
