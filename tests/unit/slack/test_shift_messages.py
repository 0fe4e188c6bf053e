"""Hand-over and gap messages as Slack shows them: the topic, escaping, limits, the buttons."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.commands.actions import Action
from bot.handlers.slack.gap_render import gap_dm
from bot.handlers.slack.shift_render import handover_channel, handover_dm, local_time
from bot.handlers.slack.topic import MARKER, TOPIC_LIMIT, new_topic, ours, team_text
from core.oncall.handover_brief import BriefIncident, HandoverBrief, OnCallNow
from core.oncall.targets import PersonRef
from tests.unit.slack.blockkit import all_text, assert_safe, assert_valid, elements

AT = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
EVIL = "<!channel> & <http://evil|x>"


def brief(**changes: object) -> HandoverBrief:
    values: dict[str, object] = {
        "schedule_id": "primary",
        "schedule_name": f"Primary {EVIL}",
        "team_id": "ops",
        "team_name": "Ops",
        "at": AT,
        "outgoing": PersonRef("ann", f"Ann {EVIL}"),
        "outgoing_since": datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        "incoming": PersonRef("bob", "Bob"),
        "incoming_until": datetime(2026, 3, 4, 9, 0, tzinfo=UTC),
        "incoming_timezone": "America/New_York",
        "during_shift": tuple(
            BriefIncident(i, f"Disk {EVIL}", "api", "critical", "resolved", AT) for i in (1, 2)
        ),
        "still_open": tuple(
            BriefIncident(i, f"Errors {i}", "api", "warning", "triggered", AT) for i in range(3, 20)
        ),
        "on_call_now": (OnCallNow("primary", "Primary", PersonRef("bob", "Bob"), None),),
        "timezone": "UTC",
    }
    values.update(changes)
    return HandoverBrief(**values)  # type: ignore[arg-type]


def test_the_channel_message_escapes_links_only_incidents_and_mentions_only_slack_ids() -> None:
    text, blocks = handover_channel(
        brief(), slack_ids={"bob": "U0BOB"}, base_url="https://oncall.example", late=True
    )
    assert_valid(blocks)
    urls = {f"https://oncall.example/incidents/{i}" for i in range(1, 20)}
    assert_safe(blocks, urls=urls, users={"U0BOB"})
    shown = all_text(blocks)
    assert "Ann &lt;!channel&gt; &amp;" in shown  # outgoing has no Slack id: escaped name
    assert "→ <@U0BOB>" in shown and "Sent late" in shown
    assert "… and 7 more" in shown  # 17 still open (none listed above): 10 shown
    assert "<!channel>" not in text


def test_the_dm_gives_the_shift_in_the_persons_zone() -> None:
    text, blocks = handover_dm(brief(), base_url="https://oncall.example", late=False)
    assert_valid(blocks)
    shown = all_text(blocks)
    assert "from Tue 3 Mar 04:00 EST until Wed 4 Mar 04:00 EST" in shown
    assert "Sent late" not in shown
    assert text.startswith("You are on call for Primary &lt;!channel&gt;")
    _, endless = handover_dm(brief(incoming_until=None), base_url="x", late=False)
    assert "with no end planned" in all_text(endless)
    assert local_time(AT, "Not/AZone") == "Tue 3 Mar 09:00 UTC"


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        ("", f"On call: Bob (Primary) {MARKER}"),
        # the team's text after the marker is kept, ours replaced
        (
            f"On call: Ann (Primary) {MARKER} freeze until Fri",
            f"On call: Bob (Primary) {MARKER} freeze until Fri",
        ),
        # a topic without the marker is the team's, kept whole after it
        ("Ask in #help", f"On call: Bob (Primary) {MARKER} Ask in #help"),
        # a second marker belongs to the team's text
        (f"x {MARKER} a {MARKER} b", f"On call: Bob (Primary) {MARKER} a {MARKER} b"),
    ],
)
def test_topic_keeps_the_teams_text(current: str, expected: str) -> None:
    on_call = (OnCallNow("primary", "Primary", PersonRef("bob", "Bob"), None),)
    assert new_topic(current, ours(on_call)) == expected


def test_topic_fits_slacks_250_characters() -> None:
    many = tuple(
        OnCallNow(f"s{i}", f"Schedule {i}", PersonRef(f"p{i}", f"Person & {i}"), None)
        for i in range(30)
    )
    long_theirs = "t" * 400
    for current in ("", f"old {MARKER} short note", f"old {MARKER} {long_theirs}"):
        topic = new_topic(current, ours(many))
        assert len(topic) <= TOPIC_LIMIT
        assert MARKER in topic and topic.startswith("On call: Person &amp; 0")
        assert "&am…" not in topic and "&…" not in topic
    assert team_text(new_topic(f"old {MARKER} short note", ours(many))) == "short note"
    assert ours(()) == "On call: nobody"
    assert ours((OnCallNow("s", "S", None, None),)) == "On call: nobody (S)"


def gap(change: str, start: str, end: str | None, **extra: object) -> dict[str, object]:
    return {
        "change": change,
        "service": "site",
        "service_name": f"Site {EVIL}",
        "schedule": "office",
        "schedule_name": "Office",
        "from": start,
        "to": end,
        "was_from": None,
        "was_to": None,
        **extra,
    }


def test_the_gap_dm_lists_each_change_with_a_prefilled_cover_button() -> None:
    payload = {
        "team": "web",
        "team_name": "Web",
        "manager": {"id": "dan", "timezone": "Europe/Berlin"},
        "horizon_end": "2026-03-16T10:00:00+00:00",
        "gaps": [
            gap("new", "2026-03-02T17:00:00+00:00", "2026-03-03T09:00:00+00:00"),
            {
                **gap("new", "2026-03-02T17:00:00+00:00", "2026-03-03T09:00:00+00:00"),
                "service_name": "API",
            },
            gap(
                "changed",
                "2026-03-03T17:00:00+00:00",
                None,
                was_from="2026-03-03T17:00:00+00:00",
                was_to="2026-03-04T09:00:00+00:00",
            ),
            gap("resolved", "2026-03-04T17:00:00+00:00", "2026-03-05T09:00:00+00:00"),
            gap("new", "2026-03-05T17:00:00+00:00", "2026-03-06T09:00:00+00:00", schedule=None),
        ],
    }
    now = datetime(2026, 3, 2, 18, 30, 12, tzinfo=UTC)  # the first gap is under way
    text, blocks = gap_dm(payload, now)
    assert_valid(blocks)
    assert_safe(blocks)
    shown = all_text(blocks)
    assert "*Coverage of Web* in the next days (2 new, 1 changed, 1 covered)" in shown
    assert "Site &lt;!channel&gt; &amp;" in shown and ", API" in shown  # one line, two services
    assert "Mon 2 Mar 18:00 CET → Tue 3 Mar 10:00 CET" in shown and "under way" in shown
    assert "→ beyond Mon 16 Mar 11:00 CET (was Tue 3 Mar 18:00 CET → Wed 4 Mar 10:00 CET)" in shown
    assert "~Wed 4 Mar 18:00 CET → Thu 5 Mar 10:00 CET~" in shown
    buttons = elements(blocks)
    assert {b["action_id"] for b in buttons} == {Action.OPEN_OVERRIDE.value}
    assert [json.loads(b["value"]) for b in buttons] == [
        # under way: from now (to the minute), never from the past
        {
            "schedule": "office",
            "from": "2026-03-02T18:30:00+00:00",
            "to": "2026-03-03T09:00:00+00:00",
        },
        # no known end: to the horizon
        {
            "schedule": "office",
            "from": "2026-03-03T17:00:00+00:00",
            "to": "2026-03-16T10:00:00+00:00",
        },
    ]  # none for the covered gap, nor for the gap with no schedule
    assert text.startswith("Coverage gaps of Web:")
