"""``/oncall`` over real HTTP into the Slack app, answered through the fake Slack's response_url.

The world is the command table's (:mod:`tests.unit.commands.world`), applied to the database
through the use cases, so the rows of :mod:`tests.unit.commands.table` run here as they run on
the in-memory store: every row that changes nothing in one bot, a chain of rows that change
things (each checked against the database through the ports) in another. Then what only Slack
has: ephemeral or in_channel, valid and safe Block Kit, mentions as person words, Slack's own
escaping, an unmapped user, and the slash command acknowledged before the work is done.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.handlers.slack.mrkdwn import escape
from storage.incident_tables import IncidentRow
from tests.integration.slack_harness import Bot, slack_bot, unit
from tests.slack_requests import slash_command_body
from tests.unit.commands.table import (
    CASES,
    NOTHING,
    Case,
    Changed,
    Snapshot,
    case_named,
    changed,
    snapshot,
)
from tests.unit.commands.world import PEOPLE, apply_world
from tests.unit.slack.blockkit import all_text, assert_safe, assert_valid

SLACK_ID = {p["id"]: p["slack"] for p in PEOPLE}
STRANGER = "U0STRANGER"  # a Slack user the configuration does not know


def user_of(person: str | None) -> str:
    return SLACK_ID[person] if person else STRANGER


@asynccontextmanager
async def world_bot(engine: AsyncEngine, **options: Any) -> AsyncIterator[Bot]:
    """The harness's bot with the table's world applied and its incidents seeded."""
    async with slack_bot(engine, **options) as bot:
        await apply_world(lambda: unit(engine))
        yield bot


async def state(bot: Bot) -> Snapshot:
    return await snapshot(unit(bot.engine))


def check_answer(case: Case, answer: dict[str, Any]) -> None:
    """The response_url body against the row: visibility, valid and safe blocks, fragments."""
    assert answer.get("response_type") == ("in_channel" if case.public else "ephemeral"), answer
    blocks = answer["blocks"]
    assert_valid(blocks)
    assert_safe(blocks)
    shown = all_text(blocks)
    first = blocks[0]["text"]["text"]
    assert first.startswith(":warning:") == case.error, first
    for fragment in case.says:
        assert escape(fragment) in answer["text"], (fragment, answer["text"])
        assert escape(fragment) in first, (fragment, first)
    for fragment in case.lines:
        assert escape(fragment) in shown, (fragment, shown)
    for fragment in case.absent:
        assert escape(fragment) not in shown, fragment


READ_ONLY = [c for c in CASES if c.changed == NOTHING and c.modal is None]  # forms: elsewhere
CHAIN = [  # rows that change things, in an order where none changes what a later one expects
    "override: yourself",
    "override: a manager for someone else",
    "override: times are read in the caller's zone",
    "timeoff: yourself, and who covers",
    "timeoff: a manager for someone in no team",
    "ack: #number",
    "resolve: an acknowledged incident, by #number",
    "page: @person opens an incident reassigned to them",
]


async def test_every_row_that_changes_nothing_and_an_unmapped_user(engine: AsyncEngine) -> None:
    """The rows whose caller is None are typed by a Slack user the configuration does not
    know (Slack is asked who they are, and they may read but change nothing)."""
    async with world_bot(engine) as bot:
        before = await state(bot)
        for case in READ_ONLY:
            answer = await bot.command(case.text, user_of(case.caller))
            try:
                check_answer(case, answer)
            except AssertionError as exc:
                raise AssertionError(f"{case.name}: {exc}") from exc
        assert await state(bot) == before
        asked = {c.params.get("user") for c in bot.slack.calls("users.info")}
        assert asked == {STRANGER}  # configured slack ids are never looked up
        assert sum(c.caller is None for c in READ_ONLY) >= 10


async def test_rows_that_change_things_write_what_the_table_says(engine: AsyncEngine) -> None:
    """The chain, then Slack mentions as person words (``<@U0CAT|cat>``)."""
    async with world_bot(engine) as bot:
        for name in CHAIN:
            case = case_named(name)
            before = await state(bot)
            answer = await bot.command(case.text, user_of(case.caller))
            check_answer(case, answer)
            assert changed(before, await state(bot)) == case.changed, name

        answer = await bot.command("schedule <@U0BOB|bob>", "U0ANN")
        assert "Shifts of Bob" in answer["text"]
        assert answer["response_type"] == "ephemeral"

        before = await state(bot)
        answer = await bot.command("override primary <@U0CAT|cat> now 2026-03-02 12:00", "U0DAN")
        assert "Cat is on call for Primary" in answer["text"]
        assert answer["response_type"] == "in_channel"
        assert changed(before, await state(bot)) == Changed(
            overrides=(("primary", "cat", "2026-03-02 10:00", "2026-03-02 12:00", "dan", None),)
        )
        answer = await bot.command("who primary", "U0EVE")
        assert "On call now: Cat" in answer["text"]

        before = await state(bot)
        answer = await bot.command("page <@U0DAN|dan> the db is on fire", "U0ANN")
        assert answer["response_type"] == "in_channel"
        assert "Paging Dan: incident #5" in answer["text"]
        assert changed(before, await state(bot)).incidents == ((5, "triggered", "dan"),)

        before = await state(bot)
        answer = await bot.command("page <@U0NOBODY|ghost> hello", "U0ANN")
        assert answer["response_type"] == "ephemeral"
        assert "That user is not a person in the on-call configuration" in answer["text"]
        assert await state(bot) == before


async def incident_on(bot: Bot, service: str, known: set[int]) -> Any:
    """Wait for the alert inbox to open an incident on ``service`` (one not in ``known``)."""
    deadline = time.monotonic() + 15
    while True:
        async with bot.engine.connect() as conn:
            rows = (
                await conn.execute(select(IncidentRow).where(IncidentRow.service_id == service))
            ).all()
        fresh = [r for r in rows if r.id not in known]
        if fresh:
            return fresh[0]
        assert time.monotonic() < deadline, "the page never became an incident"
        await asyncio.sleep(0.02)


async def test_a_page_goes_through_the_inbox_and_what_was_typed_never_pings(
    engine: AsyncEngine,
) -> None:
    typed = "Disk full <!channel> <!here> <@U0DAN> <http://evil.example|click> & more"
    async with world_bot(engine) as bot:
        known = set((await state(bot)).incidents)
        answer = await bot.command(f"page api {typed}", "U0CAT")
        assert answer["response_type"] == "in_channel"
        assert_valid(answer["blocks"])
        assert_safe(answer["blocks"])  # no ping, no mention, no link in any block
        body = json.dumps(answer)
        for raw in ("<!channel>", "<!here>", "<@U0DAN>", "<http://evil"):
            assert raw not in body
        assert "&lt;!channel&gt;" in all_text(answer["blocks"])
        assert "&lt;!channel&gt;" in answer["text"]

        row = await incident_on(bot, "api", known)
        assert row.title == typed  # stored as typed; only renderers escape
        assert row.labels["oncall_service"] == "api"
        assert row.status == "triggered"
        await bot.deliver()
        posts = [c for c in bot.slack.calls("chat.postMessage") if c.ok]
        assert any("Disk full" in json.dumps(c.params) for c in posts)
        for call in posts:
            sent = json.dumps(call.params)
            for raw in ("<!channel>", "<!here>", "<http://evil"):
                assert raw not in sent


async def test_the_slash_command_is_acknowledged_before_the_work_is_done(
    engine: AsyncEngine,
) -> None:
    """users.info is held by the fake Slack for a second: the slash command is answered 200
    while the listener still waits on it; the answer follows on the response_url."""
    async with world_bot(engine, hang_seconds=1.0) as bot:
        bot.slack.fail_next("users.info", "timeout")
        name = "held"
        body = slash_command_body("ack 1", "U0SLOW", response_url=bot.slack.response_url(name))
        resp = await bot.post(body)
        assert resp.status == 200
        await bot.slack.wait_for(lambda c: c.method == "users.info" and c.status == 0)
        assert bot.slack.responses[name] == []  # acknowledged first; the work waits on Slack
        [answer] = await bot.slack.wait_for_response(name)
        assert answer["response_type"] == "ephemeral"
        assert "You are not in the on-call configuration" in answer["text"]
        assert (await state(bot)).incidents[1] == (1, "triggered", "ann")


async def test_slack_escaped_text_is_shown_as_typed(engine: AsyncEngine) -> None:
    async with world_bot(engine) as bot:
        # Slack sends "disk > 90% & rising" as "disk &gt; 90% &amp; rising"
        answer = await bot.command("page @bob disk &gt; 90% &amp; rising", "U0ANN")
        assert "disk &gt; 90% &amp; rising" in answer["text"], answer["text"]
        async with bot.engine.connect() as conn:
            row = (await conn.execute(select(IncidentRow).where(IncidentRow.id == 4))).one()
        assert row.title == "disk > 90% & rising"
