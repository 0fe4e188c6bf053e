"""``/oncall config`` through the fake Slack with signed requests, on SQLite and PostgreSQL: the
managers' modal edits a layer in a configuration file that lives in a scratch git repository.

A save makes one commit with the manager as author, the file keeps its comments and validates,
the change is a new revision from now on (``who`` shows it at once, the past stays), and
``oncall config apply`` of the file afterwards changes nothing. A non-manager is refused; a
file changed meanwhile is refused; a read-only file gets the diff and nothing is applied.
"""

from __future__ import annotations

import difflib
import json
import os
import stat
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from slack_sdk.models.blocks import Block
from sqlalchemy.ext.asyncio import AsyncEngine

from integrations.config_repo.loader import validate_file
from storage.uow import SqlUnitOfWork, session_factory
from tests.integration.config_slack import (
    CONFIG,
    ENGINEER,
    MANAGER,
    ConfigBot,
    config_bot,
    git,
    scratch_repository,
)
from tests.support import oncall_env, run_oncall
from tests.unit.oncall.common import at
from tests.unit.slack.blockkit import assert_safe


def assert_valid(blocks: list[dict[str, Any]]) -> None:
    """Each block rebuilt through slack_sdk's models (their limits checked), the same back."""
    assert 1 <= len(blocks) <= 100
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None and type(parsed) is not Block, block
        parsed.validate_json()
        assert parsed.to_dict() == block


def shown(view: dict[str, Any]) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


def commits(path: Path) -> list[str]:
    """``author <email> | subject``, newest first."""
    return git(path.parent, "log", "--format=%an <%ae> | %s").splitlines()


async def revisions(bot: ConfigBot) -> int:
    async with SqlUnitOfWork(session_factory(bot.engine), write=False) as uow:
        return len(await uow.schedules.revisions(at("2000-01-01 00:00"), at("2100-01-01 00:00")))


async def on_call_now(bot: ConfigBot) -> str:
    name = await bot.command("who primary", ENGINEER)
    return (await bot.slack.wait_for_response(name))[0]["text"]


async def open_layer(bot: ConfigBot, layer: str | None = None) -> dict[str, Any]:
    """The manager opens the modal and picks primary (then ``layer``): the layer's form."""
    picker = await bot.open()
    assert picker["callback_id"] == "view.config"
    assert "Primary" in shown(picker) and "office" not in shown(picker)  # only dan's schedules
    form = await bot.choose(picker, "primary")
    if layer is not None:
        form = await bot.choose(form, f"primary {layer}")
    assert_valid(form["blocks"])
    assert_safe(form["blocks"])
    return form


async def test_a_save_commits_once_as_the_manager_keeps_comments_and_applies_from_now(
    engine: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    path = scratch_repository(tmp_path)
    async with config_bot(engine, path) as bot:
        assert "Ann" in await on_call_now(bot)
        form = await open_layer(bot)
        state = {
            b["block_id"]: b.get("element", {}) for b in form["blocks"] if b["type"] == "input"
        }
        assert state["members"]["initial_value"] == "ann, bob"
        assert state["start_time"]["initial_time"] == "09:00"
        assert "oncall.yaml" in shown(form) and "commits it with you" in shown(form)
        before = await revisions(bot)

        answer = await bot.submit(form, {"members": "bob, ann, cat"})
        assert answer["response_action"] == "update" and "Saving" in json.dumps(answer["view"])
        await bot.slack.wait_for(
            lambda c: c.method == "views.update" and "Saved" in json.dumps(c.params)
        )
        done = shown(bot.view(form["id"]))
        assert "Saved *primary layer daily: members*" in done and "Committed as" in done

        # One commit more, by the manager, naming the change.
        log = commits(path)
        assert len(log) == 2
        assert (
            log[0] == "Dan Manager <dan@example.com> | oncall config: primary layer daily: members"
        )
        body = git(path.parent, "log", "-1", "--format=%b")
        assert "members: ann, bob -> bob, ann, cat" in body
        assert git(path.parent, "status", "--porcelain") == ""

        # The file keeps its comments: exactly the members line changed, and it validates.
        new = path.read_text()
        changed = [
            line
            for line in difflib.unified_diff(
                CONFIG.splitlines(), new.splitlines(), lineterm="", n=0
            )
            if line[:1] in "+-" and not line.startswith(("+++", "---"))
        ]
        assert changed == [
            "-        members: [ann, bob]  # the queue, in order",
            "+        members: [bob, ann, cat]  # the queue, in order",
        ]
        assert validate_file(path).ok

        # A new revision from now: bob holds the turn from now on; the past stays as it was.
        assert await revisions(bot) == before + 1
        assert "Bob" in await on_call_now(bot)
        edits = await bot.audit("config.edit")
        assert [(r.actor, r.detail["outcome"], r.detail["commit"][:7]) for r in edits] == [
            ("dan", "applied", git(path.parent, "rev-parse", "--short=7", "HEAD"))
        ]
        applies = await bot.audit("config.apply")
        assert applies[-1].actor == "dan" and applies[-1].subject == str(path)

    env = oncall_env(database_url)
    result = run_oncall("config", "apply", str(path), env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"No changes: the database already matches {path}."
    shifts = run_oncall(
        "schedule",
        "--schedule",
        "primary",
        "--from",
        "2026-03-02T00:00:00+00:00",
        "--to",
        "2026-03-03T12:00:00+00:00",
        "--json",
        env=env,
    )
    assert shifts.returncode == 0, shifts.stderr
    pieces = [
        (s["person"], s["from"][11:16], s["to"][11:16]) for s in json.loads(shifts.stdout)["shifts"]
    ]
    assert pieces[:3] == [
        ("ann", "09:00", "10:00"),
        ("bob", "10:00", "09:00"),
        ("ann", "09:00", "12:00"),
    ]


async def test_windows_and_every_change_and_errors_come_back_per_field(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    path = scratch_repository(tmp_path)
    async with config_bot(engine, path) as bot:
        form = await open_layer(bot, "weekend")
        assert "sat-sun 00:00-00:00" in shown(form)
        bad = await bot.submit(
            form, {"members": "dan zed", "active": "weekends 10:00-12:00", "every": "0"}
        )
        assert bad["response_action"] == "errors"
        assert set(bad["errors"]) == {"active", "every"}  # the form's own checks first
        bad = await bot.submit(form, {"members": "dan zed", "start_date": "2026-02-30"})
        assert bad == {
            "response_action": "errors",
            "errors": {
                "members": "Unknown person 'zed'",
                "start_date": "'2026-02-30 00:00' is not a real date and time: day is out of range for month",
            },
        }
        same = await bot.submit(form, {})
        assert (
            same["response_action"] == "errors" and "Nothing to save" in same["errors"]["members"]
        )
        assert len(commits(path)) == 1 and path.read_text() == CONFIG

        await bot.submit(form, {"every": "2", "active": "sat 08:00-20:00\nsun 10:00-18:00"})
        await bot.slack.wait_for(
            lambda c: c.method == "views.update" and "Saved" in json.dumps(c.params)
        )
        new = path.read_text()
        # The window is edited in place: its comment stays, at its column.
        assert (
            '          - {days: [sat], from: "08:00", to: "20:00"}        # the whole day\n' in new
        )
        assert '          - {days: [sun], from: "10:00", to: "18:00"}\n\n  - id: office' in new
        assert "        rotation: weekly\n        every: 2\n" in new
        assert "      # weekends are quieter\n" in new
        assert commits(path)[0].endswith("primary layer weekend: every, active")


async def test_a_non_manager_is_refused(engine: AsyncEngine, tmp_path: Path) -> None:
    path = scratch_repository(tmp_path)
    async with config_bot(engine, path) as bot:
        name = await bot.command("config", ENGINEER)
        answer = (await bot.slack.wait_for_response(name))[0]
        assert "Only a team's managers may change its rotations" in answer["text"]
        assert bot.slack.calls("views.open") == []

        # A forged submission with the manager's form is refused too.
        form = await open_layer(bot)
        answer = await bot.submit(form, {"members": "ann"}, user=ENGINEER)
        assert answer["response_action"] == "update"
        assert "Only a manager of Ops may change Primary" in json.dumps(answer["view"])
        assert len(commits(path)) == 1 and path.read_text() == CONFIG


async def test_a_file_changed_meanwhile_is_refused(engine: AsyncEngine, tmp_path: Path) -> None:
    path = scratch_repository(tmp_path)
    async with config_bot(engine, path) as bot:
        form = await open_layer(bot)
        path.write_text(CONFIG.replace("# joined in March", "# joined in April"))
        before = await revisions(bot)
        answer = await bot.submit(form, {"members": "bob, ann"})
        assert answer["response_action"] == "update"
        text = json.dumps(answer["view"])
        assert "was changed by someone else since you opened this form" in text
        assert "Nothing was saved" in text
        assert "# joined in April" in path.read_text() and "[ann, bob]" in path.read_text()
        assert len(commits(path)) == 1 and await revisions(bot) == before
        assert await bot.audit("config.edit") == []


async def test_a_read_only_file_gets_the_diff_and_nothing_is_applied(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    path = scratch_repository(tmp_path)
    os.chmod(path, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    async with config_bot(engine, path) as bot:
        form = await open_layer(bot)
        assert "is read-only: saving shows the change to commit by hand" in shown(form)
        before = await revisions(bot)
        answer = await bot.submit(form, {"members": "bob, ann"})
        assert answer["response_action"] == "update"
        view = answer["view"]
        assert_valid(view["blocks"])
        text = shown(view)
        assert "Nothing was applied" in text and "oncall config apply" in text
        assert "--- a/oncall.yaml" in text
        assert "-        members: [ann, bob]  # the queue, in order" in text
        assert "+        members: [bob, ann]  # the queue, in order" in text
        assert path.read_text() == CONFIG and len(commits(path)) == 1
        assert await revisions(bot) == before
        assert "Ann" in await on_call_now(bot)
        edits = await bot.audit("config.edit")
        assert [(r.actor, r.detail["outcome"]) for r in edits] == [("dan", "diff")]


async def test_without_a_configuration_file_the_layer_diff_is_shown(engine: AsyncEngine) -> None:
    async with config_bot(engine, None) as bot:
        form = await open_layer(bot)
        assert "the bot runs without a configuration file" in shown(form)
        answer = await bot.submit(form, {"rotation": "weekly"})
        text = shown(answer["view"])
        assert "-    rotation: daily" in text and "+    rotation: weekly" in text
        assert "Ann" in await on_call_now(bot)


async def test_the_home_tab_button_opens_the_schedule_picker(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    path = scratch_repository(tmp_path)
    async with config_bot(engine, path) as bot:
        home = {"id": "VHOME", "type": "home", "blocks": [], "callback_id": "", "hash": "1.0"}
        action = {"type": "button", "action_id": "open.config", "block_id": "b", "value": "{}"}
        payload = {
            "type": "block_actions",
            "user": {"id": MANAGER, "username": "dan", "name": "dan", "team_id": "T0FAKE"},
            "trigger_id": "1.2.abc",
            "container": {"type": "view", "view_id": "VHOME"},
            "view": home,
            "actions": [action],
        }
        status, _ = await bot.post(urlencode({"payload": json.dumps(payload)}).encode())
        assert status == 200
        opened = await bot.slack.wait_for("views.open")
        picker = bot.view(opened[0].answer["view"]["id"])  # type: ignore[index]
        assert picker["callback_id"] == "view.config" and "Primary" in shown(picker)
