"""The command table (:mod:`tests.unit.commands.table`) through Teams: the same rows Slack's
``/oncall`` runs, typed as messages to the bot in a personal chat, answered with the same words
(as Adaptive Cards or text) and changing the same things. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.teams_harness import TeamsBot, teams_bot, unit
from tests.teams_activities import personal_message
from tests.unit.commands.table import CASES, NOTHING, Case, case_named, changed, snapshot
from tests.unit.commands.world import apply_world

CHAIN = [  # as Slack's: none changes what a later one expects
    "override: yourself",
    "override: a manager for someone else",
    "override: times are read in the caller's zone",
    "timeoff: yourself, and who covers",
    "timeoff: a manager for someone in no team",
    "ack: #number",
    "resolve: an acknowledged incident, by #number",
    "page: @person opens an incident reassigned to them",
]
READ_ONLY = [c for c in CASES if c.changed == NOTHING and c.modal is None]
_ESCAPED = re.compile(r"\\(.)")


@asynccontextmanager
async def world_bot(engine: AsyncEngine) -> AsyncIterator[TeamsBot]:
    async with teams_bot(engine) as bot:
        await apply_world(lambda: unit(engine))
        yield bot


def shown(body: dict[str, Any]) -> tuple[str, str]:
    """(the first line a person reads, everything they can read), Markdown escapes undone."""
    texts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("text", "title", "value"):
                if isinstance(node.get(key), str):
                    texts.append(node[key])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(body.get("attachments") or [])
    first = body.get("text") if isinstance(body.get("text"), str) else (texts[:1] or [""])[0]
    everything = "\n".join([str(body.get("text") or ""), *texts])

    def plain(text: str) -> str:
        text = _ESCAPED.sub(r"\1", text).replace("\u200b", "").replace("**", "")
        return " ".join(text.split())  # Markdown's line breaks and runs of spaces: one space

    return plain(first), plain(everything)


async def ask(bot: TeamsBot, person: str | None, text: str) -> dict[str, Any]:
    user = f"29:{person}" if person else "29:stranger"
    before = len(bot.connector.sent())
    activity = personal_message(
        text, user_id=user, aad_object_id=None, service_url=bot.connector.url
    )
    status, _ = await bot.post(activity)
    assert status == 200
    sent = bot.connector.sent()
    assert len(sent) == before + 1, [r.path for r in sent[before:]]
    return sent[-1].body or {}


def squeeze(text: str) -> str:
    return " ".join(text.split())


def check(case: Case, body: dict[str, Any]) -> None:
    first, everything = shown(body)
    assert first.startswith("⚠️") == case.error, first
    for fragment in map(squeeze, case.says):
        assert fragment in first, (fragment, first)
    for fragment in map(squeeze, case.lines):
        assert fragment in everything, (fragment, everything)
    for fragment in map(squeeze, case.absent):
        assert fragment not in everything, fragment
    assert "--" not in first, first  # no CLI words
    assert len(json.dumps(body).encode()) < 28_000


async def test_every_row_that_changes_nothing(engine: AsyncEngine) -> None:
    async with world_bot(engine) as bot:
        before = await snapshot(unit(engine))
        for case in READ_ONLY:
            body = await ask(bot, case.caller, case.text)
            try:
                check(case, body)
            except AssertionError as exc:
                raise AssertionError(f"{case.name}: {exc}") from exc
        assert await snapshot(unit(engine)) == before


async def test_rows_that_change_things_write_what_the_table_says(engine: AsyncEngine) -> None:
    async with world_bot(engine) as bot:
        for name in CHAIN:
            case = case_named(name)
            before = await snapshot(unit(engine))
            check(case, await ask(bot, case.caller, case.text))
            assert changed(before, await snapshot(unit(engine))) == case.changed, name
