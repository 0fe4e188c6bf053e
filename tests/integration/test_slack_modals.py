"""The time off and override modals over real HTTP, against the fake Slack, on both databases.

Opened by ``/oncall timeoff`` / ``/oncall override`` with no words and by the open buttons
(a gap warning's prefilled one too); submitted as Slack submits (:mod:`tests.slack_views`);
each bad field answered under that field with nothing stored; rights enforced at submission.
The world is the command table's (:mod:`tests.unit.commands.world`): at Monday 2026-03-02
10:00 UTC ann holds primary, bob reads times in Europe/Berlin, dan manages ops, cat web.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from slack_sdk.models.views import View as ViewModel
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.commands.actions import Action
from tests.integration.slack_harness import SECRET, Bot, slack_bot, unit
from tests.slack_requests import block_actions_body, signed_headers, slash_command_body
from tests.slack_views import view_submission_body
from tests.unit.commands.table import NOTHING, Changed, changed, snapshot
from tests.unit.commands.world import apply_world


@asynccontextmanager
async def world_bot(engine: AsyncEngine) -> AsyncIterator[Bot]:
    async with slack_bot(engine) as bot:
        await apply_world(lambda: unit(engine))
        yield bot


async def _opened(bot: Bot, before: int) -> dict[str, Any]:
    """The view of the next views.open (after ``before`` of them), checked by slack_sdk."""
    calls = await bot.slack.wait_for("views.open", count=before + 1)
    call = calls[before]
    assert call.ok, call.answer
    view = call.answer["view"]  # type: ignore[index]
    ViewModel(**{k: v for k, v in view.items() if k != "state"}).validate_json()
    return view  # type: ignore[no-any-return]


async def by_command(bot: Bot, text: str, user: str, name: str | None = None) -> dict[str, Any]:
    before = len(bot.slack.calls("views.open"))
    name = name or f"cmd-{time.monotonic_ns()}"
    body = slash_command_body(text, user, response_url=bot.slack.response_url(name))
    assert (await bot.post(body)).status == 200
    return await _opened(bot, before)


async def by_button(bot: Bot, action: Action, value: str, user: str) -> dict[str, Any]:
    before = len(bot.slack.calls("views.open"))
    body = block_actions_body(
        action.value,
        value,
        user,
        channel_id=bot.slack.dm_channel(user),
        message_ts="1.0",
        response_url=bot.slack.response_url(f"open-{time.monotonic_ns()}"),
    )
    assert (await bot.post(body)).status == 200
    return await _opened(bot, before)


async def submit(bot: Bot, view: dict[str, Any], user: str, **typed: Any) -> dict[str, Any]:
    """Submit ``view`` as ``user``; the HTTP answer (``{}``: the modal closes)."""
    body = view_submission_body(view, user, typed)
    headers = signed_headers(SECRET, body)
    async with bot.http.post(f"{bot.url}/slack/events", data=body, headers=headers) as resp:
        assert resp.status == 200
        text = await resp.text()
    return json.loads(text) if text.strip() else {}


def blocks_of(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b for b in view["blocks"] if "block_id" in b}


def errors(answer: dict[str, Any]) -> dict[str, str]:
    assert answer.get("response_action") == "errors", answer
    return answer["errors"]  # type: ignore[no-any-return]


async def test_timeoff_typed_without_words_opens_the_modal_and_its_submission_is_stored(
    engine: AsyncEngine,
) -> None:
    async with world_bot(engine) as bot:
        view = await by_command(bot, "timeoff", "U0BOB", name="bob")
        assert view["callback_id"] == "view.timeoff"
        fields = blocks_of(view)
        assert "person" not in fields and "person_note" in fields  # not a manager: themself
        assert fields["from_time"]["element"]["timezone"] == "Europe/Berlin"
        assert fields["from_date"]["element"]["initial_date"] == "2026-03-03"  # tomorrow
        assert json.loads(view["private_metadata"])["zone"] == "Europe/Berlin"
        assert not bot.slack.responses["bob"]  # the form, not the usage

        before = await snapshot(unit(engine))
        typed = {"from_date": "2026-03-04", "from_time": "00:00", "to_date": "2026-03-05"}
        answer = await submit(bot, view, "U0BOB", to_time="00:00", reason="dentist", **typed)
        assert answer == {}  # closed
        assert changed(before, await snapshot(unit(engine))) == Changed(
            time_off=(("bob", "2026-03-03 23:00", "2026-03-04 23:00", "bob", "dentist"),)
        )
        (told,) = await bot.slack.wait_for_response("bob")  # where the command was typed
        assert told["response_type"] == "in_channel"
        assert "Bob from Wed 04 Mar 00:00 CET to Thu 05 Mar 00:00 CET" in told["text"]
        assert "Primary: Ann covers" in json.dumps(told["blocks"])


async def test_each_bad_field_is_answered_under_it_and_nothing_is_stored(
    engine: AsyncEngine,
) -> None:
    async with world_bot(engine) as bot:
        before = await snapshot(unit(engine))
        ann = await by_command(bot, "timeoff", "U0ANN")
        inverted = await submit(
            bot, ann, "U0ANN", from_date="2026-03-05", to_date="2026-03-04", to_time="09:00"
        )
        assert errors(inverted) == {"to_date": "The end must be after the start."}
        past = await submit(bot, ann, "U0ANN", from_date="2026-03-01", to_date="2026-03-02")
        assert "over already" in errors(past)["to_date"]
        cleared = await submit(bot, ann, "U0ANN", from_date=None, to_time=None)
        assert errors(cleared) == {"from_date": "Pick a date.", "to_time": "Pick a time."}

        bob = await by_command(bot, "timeoff", "U0BOB")  # 29 March: Berlin skips 02:00-03:00
        gap = await submit(
            bot, bob, "U0BOB", from_date="2026-03-29", from_time="02:30", to_date="2026-03-30"
        )
        assert errors(gap) == {
            "from_time": "02:30 on 29 Mar does not exist in Europe/Berlin (the clocks skip it); "
            "pick another time."
        }
        long = await submit(bot, bob, "U0BOB", reason="x" * 501)
        assert "under 500 characters" in errors(long)["reason"]

        dan = await by_command(bot, "timeoff", "U0DAN")  # a manager of ops, not of web
        assert blocks_of(dan)["person"]["element"]["initial_user"] == "U0DAN"
        other = await submit(bot, dan, "U0DAN", person="U0CAT")
        assert errors(other) == {
            "person": "Only a manager of Web may record time off for Cat. Nothing changed."
        }
        stranger = await submit(bot, dan, "U0DAN", person="U0NOBODY")
        assert errors(stranger) == {
            "person": "That user is not a person in the on-call configuration."
        }
        forged = await submit(bot, ann, "U0ANN", person="U0BOB")  # ann's form has no person
        assert (
            "Only a manager of Operations may record time off for Bob"
            in (errors(forged)["from_date"])
        )
        assert await snapshot(unit(engine)) == before
        assert not bot.slack.calls("chat.postMessage")


async def test_a_manager_records_time_off_for_someone_on_their_team_from_a_button(
    engine: AsyncEngine,
) -> None:
    async with world_bot(engine) as bot:
        view = await by_button(bot, Action.OPEN_TIME_OFF, "{}", "U0DAN")
        assert json.loads(view["private_metadata"])["origin"] == "message"
        before = await snapshot(unit(engine))
        typed = {"from_date": "2026-03-04", "from_time": "00:00", "to_date": "2026-03-05"}
        answer = await submit(bot, view, "U0DAN", person="U0ANN", to_time="00:00", **typed)
        assert answer == {}
        assert changed(before, await snapshot(unit(engine))) == Changed(
            time_off=(("ann", "2026-03-04 00:00", "2026-03-05 00:00", "dan", None),)
        )
        (dm,) = await bot.slack.wait_for("chat.postMessage")  # no response_url: a DM
        assert dm.params["channel"] == "U0DAN"
        assert "Ann from Wed 04 Mar 00:00 UTC" in dm.params["text"]
        assert "Primary: Bob covers" in str(dm.params["blocks"])


async def test_override_from_a_gap_warning_button_is_prefilled_and_stored(
    engine: AsyncEngine,
) -> None:
    gap = {"schedule": "weekend", "from": "2026-03-02T09:59:30+00:00", "to": "2026-03-07T00:00Z"}
    async with world_bot(engine) as bot:
        view = await by_button(bot, Action.OPEN_OVERRIDE, json.dumps(gap), "U0CAT")
        assert view["callback_id"] == "view.override"
        fields = blocks_of(view)
        assert fields["schedule"]["element"]["initial_option"]["value"] == "weekend"
        shown = {k: v["element"] for k, v in fields.items() if k.startswith(("from", "to"))}
        assert shown["from_date"]["initial_date"] == "2026-03-02"
        assert shown["from_time"]["initial_time"] == "10:00"  # a start already past: now
        assert (shown["to_date"]["initial_date"], shown["to_time"]["initial_time"]) == (
            "2026-03-07",
            "00:00",
        )
        options = [o["value"] for o in fields["schedule"]["element"]["options"]]
        assert options == ["primary", "office", "weekend"]
        before = await snapshot(unit(engine))
        assert await submit(bot, view, "U0CAT", person="U0BOB", reason="cover") == {}
        assert changed(before, await snapshot(unit(engine))) == Changed(
            overrides=(("weekend", "bob", "2026-03-02 10:00", "2026-03-07 00:00", "cat", "cover"),)
        )
        (dm,) = await bot.slack.wait_for("chat.postMessage")
        assert "Bob is on call for weekend" in dm.params["text"]

        junk = await by_button(bot, Action.OPEN_OVERRIDE, '{"schedule": 5, "from": "soon"', "U0CAT")
        assert "initial_option" not in blocks_of(junk)["schedule"]["element"]


async def test_override_refusals_on_their_fields(engine: AsyncEngine) -> None:
    async with world_bot(engine) as bot:
        before = await snapshot(unit(engine))
        dan = await by_command(bot, "override", "U0DAN")
        assert "initial_option" not in blocks_of(dan)["schedule"]["element"]
        answer = await submit(bot, dan, "U0DAN", person="U0BOB", to_date="2026-03-01")
        assert errors(answer) == {
            "schedule": "Pick a schedule.",
            "to_date": "The end must be after the start.",
        }
        answer = await submit(bot, dan, "U0DAN", schedule="office", person="U0BOB")
        assert errors(answer) == {
            "person": "Only a manager of Web may put someone else on call in Office hours. "
            "Nothing changed."
        }
        answer = await submit(bot, dan, "U0DAN", schedule="gone")
        assert errors(answer) == {"schedule": "That schedule is gone."}
        assert await snapshot(unit(engine)) == before

        ann = await by_command(bot, "override", "U0ANN", name="ann")
        assert "person" not in blocks_of(ann)
        assert await submit(bot, ann, "U0ANN", schedule="office") == {}
        after = changed(before, await snapshot(unit(engine)))
        assert [(o[0], o[1], o[4]) for o in after.overrides] == [("office", "ann", "ann")]
        (told,) = await bot.slack.wait_for_response("ann")
        assert "Ann is on call for Office hours" in told["text"]


async def test_words_still_work_and_strangers_get_no_form(engine: AsyncEngine) -> None:
    async with world_bot(engine) as bot:
        before = await snapshot(unit(engine))
        answer = await bot.command("timeoff 2026-03-04 2026-03-05", "U0ANN")
        assert "Time off" in answer["text"]
        assert changed(before, await snapshot(unit(engine))) != NOTHING
        answer = await bot.command("timeoff", "U0STRANGER")
        assert "You are not in the on-call configuration" in answer["text"]
        answer = await bot.command("override", "U0STRANGER")
        assert "You are not in the on-call configuration" in answer["text"]
        notice = await by_button(bot, Action.OPEN_TIME_OFF, "{}", "U0STRANGER")
        assert "submit" not in notice and "on-call configuration" in json.dumps(notice)
        assert len(bot.slack.calls("views.open")) == 1
