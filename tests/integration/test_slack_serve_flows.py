"""Issue 9 end to end: the shift and manager flows through a real ``oncall serve`` against the
fake Slack (in this process), over signed HTTP, on SQLite and PostgreSQL.

The world is built around the real current time: primary rotates ann, bob hourly from about
2.5 hours ago (hand-overs at whole hours after its start: 30 minutes ago bob handed to ann,
the next is about 30 minutes ahead). Its configuration is in a scratch git repository and was
first applied 45 minutes ago (here, before the server starts): the bot was down at the last
hand-over, so the worker announces it late at start. Then, through the running server: ann
asks bob (``/oncall swap <@U0BOB> my next shift``) and bob accepts in his DM; cat records time
off through the modal; dan, the manager, edits the layer's members with ``/oncall config``,
which commits the file as him. The CLI, on the same database, sees each change.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.commands.actions import Action
from bot.config_apply import apply_to_engine
from integrations.config_repo.loader import load_configuration
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.tables import TimeOffRow
from tests.fake_slack import Call, FakeSlack
from tests.fakes import FrozenClock
from tests.integration.config_slack import git, scratch_repository, view_select_body
from tests.integration.config_slack import view_submission_body as config_submission_body
from tests.integration.test_escalation_durability import (
    Server,
    Tables,
    assert_no_traceback,
    start_server,
    stop_server,
)
from tests.slack_requests import block_actions_body, signed_headers, slash_command_body
from tests.slack_views import view_submission_body
from tests.support import oncall_env, oncall_in_process, postgres_only_in_proof

SECRET = "flows-signing-secret-0123"
BOT_TOKEN = "xoxb-flows-bot-token-0123"
ANN, BOB, CAT, DAN = "U0ANN", "U0BOB", "U0CAT", "U0DAN"
WAIT = 30.0  # at most, for anything the worker does (polled; normally well under a second)


def minute(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M")


def config_text(start: datetime) -> str:
    return f"""\
# Ops on call. Managers change the rotation with /oncall config.
version: 1
timezone: UTC

people:
  - {{id: ann, name: Ann, email: ann@example.com, slack: {ANN}}}
  - {{id: bob, name: Bob, email: bob@example.com, slack: {BOB}}}
  - {{id: cat, name: Cat, email: cat@example.com, slack: {CAT}}}
  - {{id: dan, name: Dan Manager, email: dan@example.com, slack: {DAN}}}

teams:
  - id: ops
    name: Ops
    managers: [dan]
    slack_channel: C0OPS
    slack_usergroup: S0OPS

schedules:
  - id: primary
    name: Primary
    team: ops
    layers:
      - id: hourly
        members: [ann, bob]  # the queue, in order
        rotation: hourly
        start: "{minute(start)}"
"""


@dataclass
class World:
    """The instants the configuration was built around (UTC, whole minutes)."""

    start: datetime  # the layer's start: ann's first turn

    def turn(self, n: int) -> datetime:
        return self.start + timedelta(hours=n)


async def applied_before(database_url: str, path: Path, at: datetime) -> None:
    """Migrate and apply ``path`` as if the bot had done it at ``at``."""
    engine = create_engine(database_url)
    try:
        await upgrade(engine)
        await apply_to_engine(
            engine,
            load_configuration(path),
            source=str(path),
            actor="serve",
            clock=FrozenClock(at),
        )
    finally:
        await engine.dispose()


class Slack:
    """Signed requests into the running server, as Slack sends them, and waits on what it
    does at the fake Slack. A wait ends at once, failing, when the server logs a traceback."""

    def __init__(self, server: Server, fake: FakeSlack, http: aiohttp.ClientSession) -> None:
        self.server, self.fake, self.http = server, fake, http

    async def post(self, body: bytes) -> Any:
        headers = signed_headers(SECRET, body)
        url = f"{self.server.base}/slack/events"
        async with self.http.post(url, data=body, headers=headers) as resp:
            assert resp.status == 200, await resp.text()
            raw = await resp.read()
            return json.loads(raw) if raw.strip() else None

    async def command(self, text: str, user: str) -> str:
        """``/oncall text`` typed by ``user``; the name of its response_url."""
        name = f"cmd-{time.monotonic_ns()}"
        await self.post(slash_command_body(text, user, response_url=self.fake.response_url(name)))
        return name

    async def _until(self, found: Callable[[], Any], what: str) -> Any:
        deadline = time.monotonic() + WAIT
        while not (result := found()):
            log = self.server.stderr()
            if "Traceback" in log:
                pytest.fail(f"the server failed while we waited for {what}:\n{log[-8000:]}")
            if time.monotonic() > deadline:
                pytest.fail(
                    f"waited {WAIT:.0f} s for {what}; Slack received:\n{self.fake.describe()}"
                    f"\nserver log:\n{log[-8000:]}"
                )
            await asyncio.sleep(0.02)
        return result

    async def wait_for(self, what: str | Callable[[Call], bool], count: int = 1) -> list[Call]:
        """The calls of method ``what`` (or matching it), once there are ``count``."""

        def matching() -> list[Call]:
            if isinstance(what, str):
                calls = self.fake.calls(what)
            else:
                calls = [c for c in self.fake.received if what(c)]
            return calls if len(calls) >= count else []

        name = what if isinstance(what, str) else getattr(what, "__name__", "a call")
        return await self._until(matching, f"{count} x {name}")  # type: ignore[no-any-return]

    async def posted(self, channel: str, words: str = "") -> list[Call]:
        """The messages posted to ``channel`` whose text says ``words``, once there is one."""

        def says(c: Call) -> bool:
            return (
                c.method == "chat.postMessage"
                and c.ok
                and c.params.get("channel") == channel
                and words in str(c.params.get("text"))
            )

        says.__name__ = f"a post to {channel} saying {words!r}"
        return await self.wait_for(says)

    async def answer(self, name: str) -> dict[str, Any]:
        """The first body posted to response_url ``name``."""
        found = await self._until(lambda: self.fake.responses[name], f"response_url {name}")
        return found[0]  # type: ignore[no-any-return]

    async def opened(self, text: str, user: str) -> tuple[str, dict[str, Any]]:
        """Run a command that opens a modal; its response_url's name and the view."""
        before = len(self.fake.calls("views.open"))
        name = await self.command(text, user)
        call = (await self.wait_for("views.open", count=before + 1))[before]
        assert call.ok, call.answer
        return name, self.fake.views[call.answer["view"]["id"]]  # type: ignore[index]


def posts(fake: FakeSlack, channel: str) -> list[Call]:
    return [
        c
        for c in fake.calls("chat.postMessage")
        if c.ok and c.params.get("channel") == channel and "thread_ts" not in c.params
    ]


def blocks_text(call: Call) -> str:
    blocks = call.params.get("blocks")
    return json.dumps(json.loads(blocks) if isinstance(blocks, str) else blocks, ensure_ascii=False)


async def cli(database_url: str, *args: str) -> Any:
    """``oncall ARGS`` on the same database, in this process through the same Typer app (the
    console script itself is tested by the CLI tests), in a thread: it calls asyncio.run."""
    done = await asyncio.to_thread(oncall_in_process, *args, env=oncall_env(database_url))
    assert done.exit_code == 0, done.stderr
    return json.loads(done.stdout) if "--json" in args else done.stdout


def shown_time(at: datetime) -> str:
    """As the bot writes an instant for someone reading UTC: ``Thu 03 Dec 09:23 UTC``."""
    return f"{at:%a %d %b %H:%M} UTC"


def iso(at: datetime) -> str:
    return at.isoformat()


# PostgreSQL in make proof only (~14 s): swaps, late hand-overs, time off through the modal
# and the manager's config edit are covered on PostgreSQL by test_slack_swaps.py,
# test_slack_shifts.py, test_slack_modals.py and test_slack_config.py (engine fixture).
@postgres_only_in_proof()
async def test_swap_handover_and_modals_through_oncall_serve(
    database_url: str, tmp_path: Path
) -> None:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    world = World(start=now - timedelta(hours=2, minutes=30))
    # ann: turns 0 and 2 (2 began 30 minutes ago, from bob), bob: 1 and 3 (from ~30 min ahead)
    path = scratch_repository(tmp_path, config_text(world.start))
    repo = path.parent
    await applied_before(database_url, path, now - timedelta(minutes=45))
    env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET}

    async with FakeSlack(token=BOT_TOKEN) as fake, aiohttp.ClientSession() as http:
        fake.topics["C0OPS"] = "On call: Bob (Primary) ¦ deploys frozen until Friday"
        server = start_server(
            database_url, path, tmp_path, "serve", extra_env=env | {"SLACK_API_URL": fake.api_url}
        )
        try:
            slack = Slack(server, fake, http)
            try:
                await handover_is_announced_late(slack, world)
                await swap_is_asked_accepted_and_shown(slack, database_url, world)
                await time_off_through_the_modal(slack, database_url, now)
                await manager_edits_the_rotation(slack, database_url, path, repo)
            except AssertionError as exc:  # what the server said helps read any failure
                raise AssertionError(f"{exc}\n\nserver log:\n{server.stderr()[-8000:]}") from exc
            logs = server.stderr() + (server.log.parent / "stdout.log").read_text()
            assert SECRET not in logs and BOT_TOKEN not in logs
            assert_no_traceback(server)
        finally:
            stop_server(server)
    assert_no_traceback(server)


async def handover_is_announced_late(slack: Slack, world: World) -> None:
    """Bob handed primary to ann 30 minutes ago, while the bot was down: told at start."""
    fake = slack.fake
    [channel] = await slack.posted("C0OPS", "hand-over")
    assert str(channel.params["text"]) == "Primary hand-over: Bob → Ann"
    shown = blocks_text(channel)
    assert "<@U0BOB> → <@U0ANN>" in shown and "Sent late" in shown
    [dm] = await slack.posted(fake.dm_channel(ANN), "You are on call for Primary")
    assert f"{world.turn(3):%H:%M} UTC" in blocks_text(dm)  # until bob's next turn
    await slack.wait_for("usergroups.users.update")
    await slack.wait_for("conversations.setTopic")
    assert fake.usergroups["S0OPS"] == [ANN]
    assert fake.topics["C0OPS"] == "On call: Ann (Primary) ¦ deploys frozen until Friday"
    assert len(posts(fake, "C0OPS")) == 1  # the one hand-over of the last 45 minutes


async def swap_is_asked_accepted_and_shown(slack: Slack, database_url: str, world: World) -> None:
    """ann gives her next turn (4) to bob; bob accepts in his DM; everyone is told."""
    fake = slack.fake
    asked = await slack.answer(await slack.command(f"swap <@{BOB}> my next shift", ANN))
    window = f"from {shown_time(world.turn(4))} to {shown_time(world.turn(5))}"
    assert asked["text"].startswith(f"Swap 1: I asked Bob to take your shift in Primary {window}")
    [request] = await slack.posted(fake.dm_channel(BOB))
    card = blocks_text(request)
    assert Action.SWAP_ACCEPT.value in card and Action.SWAP_DECLINE.value in card
    assert f"{world.turn(4):%H:%M}" in card

    click = block_actions_body(
        Action.SWAP_ACCEPT.value,
        "1",
        BOB,
        channel_id=request.answer["channel"],  # type: ignore[index]
        message_ts=request.answer["ts"],  # type: ignore[index]
        response_url=fake.response_url("accept"),
        message={"text": request.params.get("text"), "blocks": json.loads(card)},
        channel_name="directmessage",
    )
    await slack.post(click)
    accepted = await slack.answer("accept")
    assert accepted["text"].startswith("You accepted swap 1: you are on call in Primary"), accepted

    [told] = await slack.posted(fake.dm_channel(ANN), "Bob accepted swap 1")
    assert shown_time(world.turn(4)) in str(told.params["text"])
    await slack.posted("C0OPS", "Bob takes Ann's shift")
    [update] = await slack.wait_for("chat.update")
    assert (update.params["channel"], update.params["ts"]) == (
        request.answer["channel"],  # type: ignore[index]
        request.answer["ts"],  # type: ignore[index]
    )
    assert "Accepted by Bob" in blocks_text(update)
    assert Action.SWAP_ACCEPT.value not in blocks_text(update)

    # The CLI, on the same database, sees the swap at once.
    middle = world.turn(4) + timedelta(minutes=30)
    who = await cli(database_url, "who", "--schedule", "primary", "--at", iso(middle), "--json")
    assert [(r["person"], r["from"], r["to"]) for r in who["oncall"]] == [
        ("bob", iso(world.turn(4)), iso(world.turn(5)))
    ]
    listing = await cli(
        database_url,
        "schedule",
        "--schedule",
        "primary",
        "--from",
        iso(world.turn(3)),
        "--to",
        iso(world.turn(6)),
        "--json",
    )
    shifts = [(s["person"], s["from"], s["to"], s["source"]) for s in listing["shifts"]]
    assert ("bob", iso(world.turn(4)), iso(world.turn(5)), "swap") in shifts, shifts
    assert not [s for s in shifts if s[0] == "ann" and s[1] < iso(world.turn(5))], shifts


async def time_off_through_the_modal(slack: Slack, database_url: str, now: datetime) -> None:
    """``/oncall timeoff`` with no words opens the modal; its submission is stored."""
    name, view = await slack.opened("timeoff", CAT)
    assert view["callback_id"] == "view.timeoff"
    day = (now + timedelta(days=2)).date()
    typed = {
        "from_date": day.isoformat(),
        "from_time": "00:00",
        "to_date": (day + timedelta(days=1)).isoformat(),
        "to_time": "00:00",
        "reason": "dentist",
    }
    answer = await slack.post(view_submission_body(view, CAT, typed))
    assert not answer, answer  # closed
    told = await slack.answer(name)
    assert "Cat from" in told["text"], told
    tables = Tables(database_url)
    try:
        rows = await tables.rows(TimeOffRow)
    finally:
        await tables.close()
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    assert [
        (r["person_id"], r["starts_at"].replace(tzinfo=UTC), r["reason"], r["created_by"])
        for r in rows
    ] == [("cat", start, "dentist", "cat")]
    assert rows[0]["ends_at"].replace(tzinfo=UTC) == start + timedelta(days=1)


async def manager_edits_the_rotation(
    slack: Slack, database_url: str, path: Path, repo: Path
) -> None:
    """dan opens ``/oncall config``, picks primary, saves new members: one commit, as him."""
    fake = slack.fake
    _, picker = await slack.opened("config", DAN)
    assert picker["callback_id"] == "view.config"
    updates = len(fake.calls("views.update"))
    await slack.post(view_select_body(picker, "primary", DAN))
    await slack.wait_for("views.update", count=updates + 1)
    form = fake.views[picker["id"]]
    members = next(b for b in form["blocks"] if b.get("block_id") == "members")
    assert members["element"]["initial_value"] == "ann, bob"

    answer = await slack.post(config_submission_body(form, {"members": "ann, bob, cat"}, DAN))
    assert answer["response_action"] == "update", answer

    def saved(c: Call) -> bool:
        return c.method == "views.update" and "Saved" in json.dumps(c.params)

    await slack.wait_for(saved)
    log = git(repo, "log", "--format=%an <%ae> | %s").splitlines()
    assert log == [
        "Dan Manager <dan@example.com> | oncall config: primary layer hourly: members",
        "Config Keeper <keeper@example.com> | The first rotations",
    ]
    assert git(repo, "status", "--porcelain") == ""
    assert "members: [ann, bob, cat]  # the queue, in order" in git(
        repo, "show", "HEAD:oncall.yaml"
    )
    again = await cli(database_url, "config", "apply", str(path))
    assert again.strip() == f"No changes: the database already matches {path}."
