"""Hand-overs and coverage-gap warnings in Slack, against the fake Slack, on both databases.

The harness's configuration (tests/integration/slack_harness.py) is applied again with teams
that have a user group and managers: ``primary`` (team ops: ann, bob daily from Monday
09:00) and ``office`` (team web: cat on weekdays 09:00-17:00).
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.commands.actions import Action
from core.config.apply import apply_configuration
from core.oncall.notices import announce_handovers, warn_about_gaps
from tests.integration.slack_harness import (
    PEOPLE,
    POLICIES,
    SERVICES,
    Bot,
    alert,
    blocks_json,
    slack_bot,
    unit,
)
from tests.unit.oncall.common import at, config

TEAMS = [
    {
        "id": "ops",
        "name": "Ops",
        "managers": ["dan"],
        "slack_channel": "C0OPS",
        "slack_usergroup": "S0OPS",
    },
    {"id": "web", "managers": ["dan"], "slack_channel": "C0WEB", "slack_usergroup": "S0WEB"},
]
BERLIN_BOB = [{**p, "timezone": "Europe/Berlin"} if p["id"] == "bob" else p for p in PEOPLE]


async def with_teams(engine: AsyncEngine) -> None:
    cfg = config(people=BERLIN_BOB, teams=TEAMS, escalation_policies=POLICIES, services=SERVICES)
    await apply_configuration(unit(engine), cfg, actor="t", source="t", now=at("2026-03-01 12:00"))


def posts(bot: Bot, channel: str) -> list[Any]:
    return [
        c
        for c in bot.slack.calls("chat.postMessage")
        if c.ok and c.params.get("channel") == channel and "thread_ts" not in c.params
    ]


def shown(call: Any) -> str:
    """Every text of a posted message's blocks, one a line (what a reader sees)."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(json.loads(blocks_json(call)))
    return "\n".join(found)


def handover_posts(bot: Bot, channel: str) -> list[str]:
    return [shown(c) for c in posts(bot, channel) if "hand-over" in str(c.params["text"])]


async def hand_over(bot: Bot, at_text: str) -> int:
    bot.clock._now = at(at_text)  # the worker's 30 s job, run at that instant
    written = await announce_handovers(unit(bot.engine), bot.clock.now())
    await bot.deliver()
    return written


async def test_a_handover_posts_dms_sets_the_user_group_and_the_topic(
    engine: AsyncEngine,
) -> None:
    async with slack_bot(engine) as bot:
        await with_teams(engine)
        bot.slack.topics["C0OPS"] = "On call: Ann (primary) ¦ deploys frozen until Friday"
        incident_id = await bot.ingest(alert())  # Monday 10:00, during ann's shift
        await bot.deliver()
        dm_bob = bot.slack.dm_channel("U0BOB")
        assert await hand_over(bot, "2026-03-03 09:00:05") == 3  # + office 17:00 and 09:00
        [message] = handover_posts(bot, "C0OPS")
        assert "<@U0ANN> → <@U0BOB>" in message
        assert f"http://127.0.0.1/incidents/{incident_id}" in message
        assert "During Ann's shift" in message
        assert "Sent late" not in message
        # The incoming person's DM: the shift, in Bob's zone (Berlin), and the open incident.
        [dm] = [shown(c) for c in posts(bot, dm_bob)]
        assert "You are on call for *primary*" in dm
        assert "from Tue 3 Mar 10:00 CET until Wed 4 Mar 10:00 CET" in dm
        assert f"http://127.0.0.1/incidents/{incident_id}" in dm
        # The user group is who is on call now; the topic our part, the team's text kept.
        assert bot.slack.usergroups["S0OPS"] == ["U0BOB"]
        assert bot.slack.topics["C0OPS"] == "On call: Bob (primary) ¦ deploys frozen until Friday"
        # Announced again (the next 30 s run, a restart): nothing more is sent.
        sent = len(bot.slack.calls("chat.postMessage"))
        assert await hand_over(bot, "2026-03-03 09:00:35") == 0
        assert len(bot.slack.calls("chat.postMessage")) == sent
        assert all(m.status == "sent" for m in await bot.outbox())


async def test_a_handover_into_a_gap_keeps_the_user_group_and_says_so(
    engine: AsyncEngine,
) -> None:
    async with slack_bot(engine) as bot:
        await with_teams(engine)
        bot.slack.usergroups["S0WEB"] = ["U0CAT"]
        bot.slack.topics["C0WEB"] = "Web team: ask in #web-help"  # no marker yet: kept whole
        await hand_over(bot, "2026-03-02 10:00")  # Monday 09:00: cat comes on
        assert bot.slack.usergroups["S0WEB"] == ["U0CAT"]
        assert bot.slack.topics["C0WEB"] == "On call: Cat (office) ¦ Web team: ask in #web-help"
        updates = len(bot.slack.calls("usergroups.users.update"))
        await hand_over(bot, "2026-03-02 17:00:10")  # cat -> nobody
        [_, message] = handover_posts(bot, "C0WEB")
        assert "nobody" in message and "coverage gap" in message
        assert "keeps its last members (Slack refuses an empty group)" in message
        assert len(bot.slack.calls("usergroups.users.update")) == updates  # not emptied
        assert bot.slack.usergroups["S0WEB"] == ["U0CAT"]
        assert bot.slack.topics["C0WEB"] == "On call: nobody (office) ¦ Web team: ask in #web-help"
        assert posts(bot, bot.slack.dm_channel("U0CAT"))[-1:] == posts(
            bot, bot.slack.dm_channel("U0CAT")
        )  # nobody incoming: no DM for the gap


async def test_handovers_missed_during_a_restart_are_sent_late_once_and_never_a_day_old(
    engine: AsyncEngine,
) -> None:
    async with slack_bot(engine) as bot:
        await with_teams(engine)
        # Down from Monday 10:00; back on Tuesday at 12:00: three hand-overs were missed.
        bot.clock._now = at("2026-03-03 12:00")
        assert await announce_handovers(unit(engine), bot.clock.now()) == 3
        # ... but Slack was out until 17:30: Monday 17:00's is more than a day old by then.
        bot.clock._now = at("2026-03-03 17:30")
        await bot.deliver()
        web, ops = handover_posts(bot, "C0WEB"), handover_posts(bot, "C0OPS")
        assert len(web) == 1 and len(ops) == 1
        assert all("Sent late" in m for m in web + ops)
        assert "→ <@U0CAT>" in web[0]  # Tuesday 09:00's
        assert all(m.status == "sent" for m in await bot.outbox())  # the stale one: skipped
        # Announced again: the same hand-overs are never sent twice; Tuesday 17:00 is new.
        assert await announce_handovers(unit(engine), bot.clock.now()) == 1
        await bot.deliver()
        assert len(handover_posts(bot, "C0OPS")) == 1
        assert len(handover_posts(bot, "C0WEB")) == 2


def gap_dms(bot: Bot) -> list[Any]:
    return posts(bot, bot.slack.dm_channel("U0DAN"))


def buttons(call: Any) -> list[dict[str, Any]]:
    blocks = call.params["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    return [b["accessory"] for b in blocks if b.get("accessory")]


async def test_a_gap_is_dmed_to_the_manager_with_a_cover_button_then_changed_and_covered(
    engine: AsyncEngine,
) -> None:
    async with slack_bot(engine) as bot:
        await with_teams(engine)
        now, day = bot.clock.now(), timedelta(days=1)  # Monday 10:00
        # office (site): Monday 17:00 - Tuesday 09:00; orphan (ops, no policy): all along.
        assert await warn_about_gaps(unit(engine), now, day) == 2
        await bot.deliver()
        [first, second] = gap_dms(bot)  # one DM per team of dan's
        texts = shown(first) + shown(second)
        assert "New gap" in texts and "*office*" in texts and "site" in texts
        assert "Mon 2 Mar 17:00 UTC → Tue 3 Mar 09:00 UTC" in texts
        cover = [b for c in (first, second) for b in buttons(c) if "office" in b["value"]]
        assert [b["action_id"] for b in cover] == [Action.OPEN_OVERRIDE.value]
        assert json.loads(cover[0]["value"]) == {
            "schedule": "office",
            "from": "2026-03-02T17:00:00+00:00",
            "to": "2026-03-03T09:00:00+00:00",
        }
        assert await warn_about_gaps(unit(engine), now + timedelta(hours=1), day) == 0
        async with unit(engine) as uow:
            await uow.schedules.add_override(
                schedule_id="office",
                person_id="cat",
                start=at("2026-03-02 17:00"),
                end=at("2026-03-03 09:00"),
                created_at=now,
                created_by="dan",
            )
            await uow.commit()
        bot.clock._now = now + timedelta(hours=2)
        assert await warn_about_gaps(unit(engine), bot.clock.now(), day) == 1
        await bot.deliver()
        covered = gap_dms(bot)[2:]
        assert len(covered) == 1 and "Covered now" in shown(covered[0])
        assert buttons(covered[0]) == []
