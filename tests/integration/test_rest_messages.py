"""Rest after night pages announced in Slack (end to end: a night incident resolved, the
outbox delivered to the fake Slack) and in Teams (the destination over the fake connector),
on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from core.config.apply import apply_configuration
from core.incidents.lifecycle import Acknowledge, Resolve
from core.incidents.ports import AlertBatch, ClaimedMessage, NewAlert
from core.incidents.service import act, ingest
from scheduling.outbox import Delivered, Failed
from tests.fake_identity import FakeIdentity
from tests.integration.slack_harness import PEOPLE, POLICIES, SERVICES, slack_bot, unit
from tests.integration.teams_outbox import ANN_CHAT, DAN_CHAT, teams_outbox
from tests.unit.oncall.common import at, config

TEAMS = [
    {
        "id": "ops",
        "name": "Ops",
        "managers": ["dan"],
        "slack_channel": "C0OPS",
        "rest_after_night_pages": {"minutes": 60, "rest": "8h"},
    },
    {"id": "web", "slack_channel": "C0WEB"},
]


def night_alert() -> AlertBatch:
    labels = {"service": "api", "severity": "critical", "alertname": "HighErrors"}
    starts = at("2026-03-02 23:00")
    return AlertBatch(
        "alertmanager", "night", "firing", "Night errors", labels,
        alerts=(NewAlert("fp-night", "firing", starts, None, labels),),
    )  # fmt: skip


async def test_slack_dms_the_rested_person_and_the_cover(engine: AsyncEngine) -> None:
    async with slack_bot(engine) as bot:
        cfg = config(people=PEOPLE, teams=TEAMS, escalation_policies=POLICIES, services=SERVICES)
        await apply_configuration(
            unit(engine), cfg, actor="t", source="t", now=at("2026-03-01 12:00")
        )
        # ann holds Monday's turn of primary; paged 23:00, acknowledged at midnight
        await ingest(unit(engine), night_alert(), at("2026-03-02 23:00"))
        await act(unit(engine), 1, Acknowledge("ann"), "ann", at("2026-03-03 00:00"))
        await act(unit(engine), 1, Resolve("ann"), "ann", at("2026-03-03 00:30"))
        bot.clock._now = at("2026-03-03 00:30")
        await bot.deliver()

        def dms(user: str) -> list[str]:
            channel = bot.slack.dm_channel(user)
            return [
                str(c.params["text"])
                for c in bot.slack.calls("chat.postMessage")
                if c.ok and c.params.get("channel") == channel
            ]

        [rested] = [t for t in dms("U0ANN") if "at night" in t]
        assert rested.startswith("You were paged for 1 h 00 min at night during this shift")
        assert "off call until Tue 03 Mar 08:30 UTC" in rested
        [cover] = [t for t in dms("U0BOB") if "at night" in t]  # bob found by email
        assert cover == (
            "Ann was paged for 1 h 00 min at night and is resting until Tue 03 Mar 08:30 UTC; "
            "you cover primary Tue 03 Mar 00:30 UTC to Tue 03 Mar 08:30 UTC."
        )
        assert not [t for t in dms("U0DAN") if "at night" in t]  # managers: only when refused
        assert not await bot.pending()


def rest_message(kind: str, recipient: dict[str, Any], **extra: Any) -> ClaimedMessage:
    payload = {
        "person": {"id": "ann", "name": "Ann", "timezone": "UTC"},
        "team": "ops",
        "team_name": "Ops",
        "incident": 1,
        "night_minutes": 75,
        "threshold_minutes": 60,
        "from": "2026-03-03T00:30:00+00:00",
        "to": "2026-03-03T08:30:00+00:00",
        "recipient": recipient,
        **extra,
    }
    return ClaimedMessage(
        1, f"rest/ann/x/{kind}/{recipient.get('id')}", "chat", kind, payload, 1, None
    )


async def test_teams_sends_each_recipient_a_personal_message(
    engine: AsyncEngine, fake_identity: FakeIdentity
) -> None:
    async with teams_outbox(engine, fake_identity) as bot:
        granted = rest_message(
            "rest.granted", {"id": "ann", "timezone": "Europe/Berlin"}, covers=[]
        )
        assert await bot.destination.deliver(granted) == Delivered()
        [dm] = bot.connector.sent(ANN_CHAT)
        text = str((dm.body or {}).get("text"))
        assert "You were paged for 1 h 15 min at night" in text
        assert "until Tue 03 Mar 09:30 CET" in text  # in the recipient's zone
        gaps = [{"schedule": "primary", "schedule_name": "Primary", "from": "2026-03-03T00:30:00+00:00", "to": "2026-03-03T08:30:00+00:00"}]  # fmt: skip
        refused = rest_message("rest.refused", {"id": "dan", "timezone": "UTC"}, gaps=gaps)
        assert await bot.destination.deliver(refused) == Delivered()
        [told] = bot.connector.sent(DAN_CHAT)
        assert "would leave nobody on call: Primary Tue 03 Mar 00:30 UTC" in str(told.body)
        nobody = rest_message("rest.cover", {"id": "cat"}, covers=[])
        outcome = await bot.destination.deliver(nobody)
        assert isinstance(outcome, Failed) and "cat cannot be reached" in outcome.error
        assert await bot.destination.deliver(rest_message("rest.cover", {})) == Delivered()
