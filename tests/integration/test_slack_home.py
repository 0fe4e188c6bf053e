"""The App Home tab over real HTTP, against the fake Slack, on both databases: an engineer's,
a manager's and a stranger's; a click on one of its incident cards; a form opened from it.

The world is the command table's (:mod:`tests.unit.commands.world`) at Monday 2026-03-02
10:00 UTC: ann holds primary (ops) until Tuesday 09:00, then bob; cat holds office hours
(web) and the weekend schedule (a gap now); dan manages ops, cat web. Incident #1 (api) is
ann's, #2 (site) was acknowledged by bob, #3 is resolved.
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
from tests.integration.slack_harness import SECRET, Bot, alert, slack_bot, unit
from tests.slack_requests import app_home_opened_event, event_body, signed_headers
from tests.slack_views import home_action_body, view_submission_body
from tests.unit.commands.world import apply_world
from tests.unit.slack.blockkit import PINGS, all_text


@asynccontextmanager
async def world_bot(engine: AsyncEngine) -> AsyncIterator[Bot]:
    async with slack_bot(engine) as bot:
        await apply_world(lambda: unit(engine))
        yield bot


async def open_home(bot: Bot, user: str) -> dict[str, Any]:
    """Open ``user``'s Home tab; the view published, checked by slack_sdk (100 blocks)."""
    before = len(bot.slack.calls("views.publish"))
    assert (await bot.post(event_body(app_home_opened_event(user)))).status == 200
    return await published(bot, before)


async def published(bot: Bot, before: int) -> dict[str, Any]:
    call = (await bot.slack.wait_for("views.publish", count=before + 1))[before]
    assert call.ok, call.answer
    view = call.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    ViewModel(**view).validate_json()
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    dump = json.dumps(view)
    assert not any(ping in dump for ping in PINGS)
    return view  # type: ignore[no-any-return]


def actions_of(view: dict[str, Any]) -> list[tuple[str, str]]:
    """(action id, value) of every button, in order."""
    out = []
    for block in view["blocks"]:
        elements = block.get("elements", []) if block["type"] == "actions" else []
        elements += [block["accessory"]] if "accessory" in block else []
        out += [(e["action_id"], e.get("value", "")) for e in elements if e["type"] == "button"]
    return out


async def test_an_engineers_home(engine: AsyncEngine) -> None:
    async with world_bot(engine) as bot:
        view = await open_home(bot, "U0ANN")
        text = all_text(view["blocks"])
        assert "On call: Ann" in text
        assert "*Primary* · Mon 02 Mar 10:00 UTC to Tue 03 Mar 09:00 UTC" in text
        assert "*Primary* · Wed 04 Mar 09:00 UTC to Thu 05 Mar 09:00 UTC" in text
        assert "Disk full on db-1" in text and "Queue stuck" not in text  # #1 is hers
        assert "Operations: readiness" in text and "Web: readiness" not in text
        assert "On call now: Ann until Tue 03 Mar 09:00 UTC" in text
        assert "Next hand-over: Bob from Tue 03 Mar 09:00 UTC" in text
        assert "orphan" in text and "no escalation policy" in text  # a gap nobody can fill
        buttons = actions_of(view)
        assert (Action.ACKNOWLEDGE.value, "1") in buttons  # the incident card's own buttons
        opens = [a for a, _ in buttons if a.startswith("open.")]
        assert opens == ["open.timeoff", "open.swap", "open.override"]  # no config: no manager


async def test_a_managers_home_has_the_config_button_and_gap_buttons(engine: AsyncEngine) -> None:
    async with world_bot(engine) as bot:
        view = await open_home(bot, "U0CAT")
        text = all_text(view["blocks"])
        assert "Web: readiness" in text
        assert "*weekend*\nOn call now: nobody (a coverage gap)" in text
        assert "Next hand-over: Cat from Sat 07 Mar 00:00 UTC" in text
        assert text.count(":warning: *site*: nobody is paged from") == 10  # office hours only
        assert "1 open incident(s)" in text  # #2, which bob acknowledged
        buttons = actions_of(view)
        assert "open.config" in [a for a, _ in buttons]
        gaps = [json.loads(v) for a, v in buttons if a == "open.override" and v != "{}"]
        assert len(gaps) == 10
        assert gaps[0] == {
            "schedule": "office",
            "from": "2026-03-02T17:00:00+00:00",
            "to": "2026-03-03T09:00:00+00:00",
        }

        dan = all_text((await open_home(bot, "U0DAN"))["blocks"])
        assert "Operations: readiness" in dan and "No shifts in the next 14 days." in dan


async def test_a_stranger_is_told_politely(engine: AsyncEngine) -> None:
    async with world_bot(engine) as bot:
        view = await open_home(bot, "U0STRANGER")
        text = all_text(view["blocks"])
        assert "I don't know who you are in the on-call configuration" in text
        assert not actions_of(view)


async def test_acting_on_a_home_card_acknowledges_and_republishes_with_the_outcome(
    engine: AsyncEngine,
) -> None:
    async with world_bot(engine) as bot:
        view = await open_home(bot, "U0ANN")
        body = home_action_body(Action.ACKNOWLEDGE.value, "1", "U0ANN", view=view)
        assert (await bot.post(body)).status == 200
        again = await published(bot, 1)
        text = all_text(again["blocks"])
        assert "You acknowledged #1 Disk full on db-1." in text
        assert (Action.ACKNOWLEDGE.value, "1") not in actions_of(again)
        assert (await bot.incident(1)).acknowledged_by == "ann"
        assert not bot.slack.responses  # nothing went to a response_url


async def test_time_off_from_the_home_tab_refreshes_it(engine: AsyncEngine) -> None:
    async with world_bot(engine) as bot:
        home = await open_home(bot, "U0ANN")
        body = home_action_body(Action.OPEN_TIME_OFF.value, "{}", "U0ANN", view=home)
        assert (await bot.post(body)).status == 200
        (opened,) = await bot.slack.wait_for("views.open")
        modal = opened.answer["view"]  # type: ignore[index]
        assert json.loads(modal["private_metadata"])["origin"] == "home"
        typed = {"from_date": "2026-03-04", "to_date": "2026-03-06"}
        form = view_submission_body(modal, "U0ANN", typed)
        async with bot.http.post(
            f"{bot.url}/slack/events", data=form, headers=signed_headers(SECRET, form)
        ) as resp:
            assert resp.status == 200 and not (await resp.text()).strip()
        refreshed = all_text((await published(bot, 1))["blocks"])
        assert "Wed 04 Mar 09:00 UTC to Thu 05 Mar 09:00 UTC" not in refreshed  # bob covers
        (dm,) = await bot.slack.wait_for("chat.postMessage")
        assert dm.params["channel"] == "U0ANN" and "Bob covers" in str(dm.params["blocks"])


async def test_many_open_incidents_keep_the_home_within_100_blocks(engine: AsyncEngine) -> None:
    async with world_bot(engine) as bot:
        for n in range(12):
            await bot.ingest(alert(f"many-{n}-{time.monotonic_ns()}"))
        view = await open_home(bot, "U0ANN")
        text = all_text(view["blocks"])
        assert "more · <" in text and "See them all" in text
        cards = [b for b in view["blocks"] if b["type"] == "header" and "High error" in str(b)]
        assert 1 <= len(cards) <= 6
