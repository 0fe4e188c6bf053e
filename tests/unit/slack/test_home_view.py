"""The App Home tab's Block Kit (:mod:`bot.handlers.slack.home_view`): what it shows, its
buttons, escaping, and Slack's 100-block limit however much there is to show. Pure."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.models.views import View as ViewModel

from bot.handlers.slack.home_view import gap_value, home_blocks, home_view, unknown_home
from core.oncall.home import GapAhead, Home, TeamReadiness
from core.oncall.listing import ListedShift
from core.oncall.targets import PersonRef
from core.oncall.who import OnCallShift, WhoRow
from tests.unit.slack.blockkit import PINGS, all_text, angles
from tests.unit.slack.snapshots import EVIL, snapshot

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
ANN = PersonRef("ann", "Ann")


def at(hours: float) -> datetime:
    return NOW + timedelta(hours=hours)


def team(name: str, *, schedules: int = 1, gaps: int = 0, managed: bool = False) -> TeamReadiness:
    rows = tuple(
        WhoRow(
            f"{name}-s{n}",
            f"{name} schedule {n}",
            name,
            OnCallShift(ANN, at(-1), at(23), "layer:l"),
            OnCallShift(PersonRef("bob"), at(23), at(47), "layer:l"),
        )
        for n in range(schedules)
    )
    found = tuple(
        GapAhead("api", "API", f"{name}-s0", at(24 * g), at(24 * g + 8)) for g in range(gaps)
    )
    return TeamReadiness(name, name.title(), managed, rows, found, open_incidents=2)


def home(*teams: TeamReadiness, shifts: int = 2, manager: bool = False) -> Home:
    listed = tuple(
        ListedShift("primary", ANN, at(24 * n), at(24 * n + 8), "override" if n else "layer:x")
        for n in range(shifts)
    )
    return Home(
        ANN,
        "Europe/Berlin",
        NOW,
        NOW + timedelta(days=14),
        listed,
        (),
        teams,
        manager,
        {"primary": "Primary"},
    )


def valid(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ViewModel(**home_view(blocks)).validate_json()
    assert len(blocks) <= 100
    dump = json.dumps(blocks)
    assert not any(p in dump for p in PINGS)
    return blocks


def buttons(blocks: list[dict[str, Any]]) -> list[tuple[str, str]]:
    out = []
    for b in blocks:
        found = b.get("elements", []) if b["type"] == "actions" else []
        found += [b["accessory"]] if "accessory" in b else []
        out += [(e["action_id"], e.get("value", "")) for e in found if e["type"] == "button"]
    return out


def test_an_engineers_home_in_their_zone() -> None:
    blocks = valid(home_blocks(home(team("ops")), [], dashboard="https://oncall.example"))
    text = all_text(blocks)
    assert "On call: Ann" in text
    assert "*Primary* · Mon 02 Mar 11:00 CET to Mon 02 Mar 19:00 CET" in text
    assert "Tue 03 Mar 11:00 CET to Tue 03 Mar 19:00 CET (override)" in text
    assert "None assigned to you." in text
    assert "*ops schedule 0*\nOn call now: Ann until Tue 03 Mar 10:00 CET" in text
    assert "Next hand-over: bob from Tue 03 Mar 10:00 CET" in text
    assert "2 open incident(s) · no coverage gaps in the next 14 days" in text
    assert [a for a, _ in buttons(blocks)] == ["open.timeoff", "open.swap", "open.override"]


def test_a_managers_home_has_config_and_a_prefilled_button_per_gap() -> None:
    blocks = valid(home_blocks(home(team("web", gaps=12, managed=True), manager=True), []))
    found = buttons(blocks)
    assert "open.config" in [a for a, _ in found]
    gaps = [v for a, v in found if a == "open.override" and v != "{}"]
    assert len(gaps) == 10
    assert json.loads(gaps[0]) == {
        "schedule": "web-s0",
        "from": "2026-03-02T10:00:00+00:00",
        "to": "2026-03-02T18:00:00+00:00",
    }
    assert "2 more gap(s) not shown" in all_text(blocks)
    assert "Cover it" in all_text(blocks)


def test_a_gap_without_a_schedule_has_no_button() -> None:
    gap = GapAhead("orphan", None, None, NOW, at(14 * 24))
    readiness = TeamReadiness("ops", None, False, (), (gap,), 0)
    blocks = valid(home_blocks(home(readiness), []))
    assert "*orphan*: nobody is paged" in all_text(blocks)
    assert "no escalation policy" in all_text(blocks)
    assert "No schedules." in all_text(blocks)
    assert [a for a, _ in buttons(blocks) if a == "open.override"] == ["open.override"]  # top
    assert gap_value(GapAhead("s", None, "x", NOW, at(1))).startswith('{"schedule": "x"')


def test_a_notice_and_everything_anyone_wrote_is_escaped() -> None:
    evil = PersonRef("eve", EVIL)
    readiness = TeamReadiness(
        "t",
        EVIL,
        False,
        (WhoRow("s", EVIL, "t", OnCallShift(evil, NOW, None, "swap"), None),),
        (),
        0,
    )
    data = home(readiness)
    data = Home(evil, "UTC", NOW, data.until, (), (), (readiness,), False, {})
    blocks = valid(home_blocks(data, [], notice=EVIL))
    assert all(a.startswith("!date^") for a in angles(blocks)), angles(blocks)
    text = all_text(blocks)
    assert "over a year from now" in text and "none within a month" in text
    assert "You are on no team" not in text


def test_however_much_there_is_the_home_keeps_to_100_blocks() -> None:
    teams = [team(f"t{n}", schedules=6, gaps=3) for n in range(12)]
    cards = [snapshot(id=n, title=f"Incident {n}") for n in range(1, 7)]
    blocks = valid(
        home_blocks(
            home(*teams, shifts=80), cards, more_incidents=5, dashboard="https://oncall.example"
        )
    )
    text = all_text(blocks)
    assert "… and 55 more" in text  # shift lines past 25
    assert "… and" in text and "See them all" in text  # incidents that did not fit
    few = valid(home_blocks(home(team("ops")), cards[:2]))
    assert sum(b["type"] == "header" and "Incident" in str(b) for b in few) == 2
    assert "more" not in all_text(few[-3:])


def test_a_stranger_gets_an_explanation() -> None:
    view = unknown_home("Ask a manager <!here>.")
    ViewModel(**view).validate_json()
    assert "Ask a manager &lt;!here&gt;." in all_text(view["blocks"])
