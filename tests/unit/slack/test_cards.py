"""The incident card: what it shows in each state, its buttons, escaping and Block Kit limits."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.commands.actions import SNOOZE_CHOICES, Action, parse_value, snooze_value
from bot.handlers.slack.cards import incident_blocks, incident_text
from bot.handlers.slack.mrkdwn import safe_url
from tests.unit.slack.blockkit import (
    all_text,
    assert_safe,
    assert_valid,
    elements,
    links,
    mentions,
    of_type,
)
from tests.unit.slack.snapshots import EVIL, LINKS, URL, evil_snapshot, snapshot

OPENED = "<!date^1714557600^{date_short_pretty} {time}|2024-05-01 10:00 UTC>"
AT_1003 = "<!date^1714557780^{date_short_pretty} {time}|2024-05-01 10:03 UTC>"
AT_1005 = "<!date^1714557900^{date_short_pretty} {time}|2024-05-01 10:05 UTC>"
AT_1030 = "<!date^1714559400^{date_short_pretty} {time}|2024-05-01 10:30 UTC>"


def card(**changes: Any) -> list[dict[str, Any]]:
    """The card, valid, and mentioning only people it paged."""
    shown = snapshot(**changes)
    blocks = incident_blocks(shown)
    assert_valid(blocks)
    paged = {(shown.get("slack_users") or {}).get(p) for p in shown.get("paged") or []}
    assert_safe(blocks, urls=LINKS, users=paged - {None})
    return blocks


def fields(blocks: list[dict[str, Any]]) -> dict[str, str]:
    """The fields section as ``{"Status": "…"}``."""
    section = next(b for b in blocks if "fields" in b)
    pairs = (f["text"].split("\n", 1) for f in section["fields"])
    return {label.strip("*"): value for label, value in pairs}


def by_action(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {e["action_id"]: e for e in elements(blocks)}


def test_a_triggered_card_shows_the_incident() -> None:
    blocks = card()
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": ":red_circle: High error rate", "emoji": True},
    }
    assert fields(blocks) == {
        "Severity": ":red_circle: CRITICAL",
        "Service": "Checkout API",
        "Status": ":rotating_light: Triggered",
        "Paged": "<@U0DANA>",
        "Tier": "1 of 2",
        "Incident": f"<{URL}|#12>",
        "Alerts": "3",
        "Team": "payments",
        "Opened": OPENED,
    }
    text = all_text(blocks)
    assert "*5xx above 5% for 5 minutes*\nCheckout returns 5xx for 7% of requests." in text
    assert "*Labels* `alertname=HighErrorRate` `service=checkout` `env=prod`" in text
    # every link, in this order, and the runbook only once though the annotation repeats it
    assert links(blocks) == [
        f"{URL}",  # the #12 field
        "https://runbooks.example/checkout/errors",
        "https://am.example/#/alerts?filter=%7Balertname%3D%22HighErrorRate%22%7D",
        "https://prometheus.example/graph?g0.expr=rate(errors[5m])&g0.tab=0",
        "https://grafana.example/d/checkout",
        URL,
    ]
    assert "<https://runbooks.example/checkout/errors|Runbook> · <https://am.example" in text
    assert f"|Dashboard> · <{URL}|Full incident>" in text


def test_the_escalation_path_marks_the_current_tier_and_the_next_step() -> None:
    text = all_text(card())
    assert (
        ":arrow_forward: *Tier 1: schedule payments-primary · on call: <@U0DANA>"
        f" · escalates after 5 min* · _current_ · next step {AT_1005}"
    ) in text
    # Lee has a Slack id but is not paged: named, never mentioned
    assert "• Tier 2: Lee Adama · on call: Lee Adama · escalates after 15 min" in text


def test_the_second_tier_is_current_after_an_escalation() -> None:
    text = all_text(card(tier=2, paged=["dana", "lee"]))
    assert "• Tier 1: schedule payments-primary · on call: <@U0DANA>" in text
    assert ":arrow_forward: *Tier 2: Lee Adama · on call: <@U0LEE>" in text


def test_the_latest_timeline_entries_in_small_print() -> None:
    timeline = [
        {"at": f"2024-05-01T10:{m:02d}:00+00:00", "kind": "note", "actor": "dana", "text": f"n{m}"}
        for m in range(8)
    ]
    blocks = card(timeline=timeline)
    context = of_type(blocks, "context")[-1]["elements"][0]["text"]
    lines = context.split("\n")
    assert lines[0] == "_3 earlier_"
    assert lines[1:] == [
        f"<!date^{1714557600 + 60 * m}^{{date_short_pretty}} {{time}}|2024-05-01 10:{m:02d} UTC>"
        f" · n{m}"
        for m in range(3, 8)
    ]


def test_a_timeline_entry_without_text_shows_its_kind_and_actor() -> None:
    entry = {"at": "2024-05-01T10:03:00+00:00", "kind": "acknowledge", "actor": "dana"}
    context = of_type(card(timeline=[entry]), "context")[-1]["elements"][0]["text"]
    assert context == f"{AT_1003} · acknowledge by Dana Scully"


def test_triggered_buttons_carry_the_id_and_the_enums_action_ids() -> None:
    blocks = card()
    (actions,) = of_type(blocks, "actions")
    assert [e["action_id"] for e in actions["elements"]] == [
        Action.ACKNOWLEDGE,
        Action.ESCALATE,
        Action.RESOLVE,
        Action.SNOOZE,
    ]
    buttons = by_action(blocks)
    for action in (Action.ACKNOWLEDGE, Action.ESCALATE, Action.RESOLVE):
        assert buttons[action]["value"] == "12"
        assert parse_value(buttons[action]["value"]) == (12, None)
    assert buttons[Action.ACKNOWLEDGE]["style"] == "primary"
    assert buttons[Action.ACKNOWLEDGE]["text"]["text"] == "Acknowledge"
    assert "style" not in buttons[Action.ESCALATE]
    assert buttons[Action.RESOLVE]["style"] == "danger"
    assert buttons[Action.RESOLVE]["confirm"]["confirm"]["text"] == "Resolve"
    assert "#12" in buttons[Action.RESOLVE]["confirm"]["text"]["text"]
    snooze = buttons[Action.SNOOZE]
    assert snooze["type"] == "static_select"
    assert snooze["placeholder"]["text"] == "Snooze"
    assert [(o["text"]["text"], o["value"]) for o in snooze["options"]] == [
        (label, snooze_value(12, seconds)) for label, seconds in SNOOZE_CHOICES
    ]
    assert [parse_value(o["value"]) for o in snooze["options"]] == [
        (12, 1800),
        (12, 3600),
        (12, 14400),
    ]


def test_an_acknowledged_card_says_by_whom_and_hides_acknowledge() -> None:
    blocks = card(
        status="acknowledged",
        acknowledged_by="dana",
        acknowledged_at="2024-05-01T10:03:00+00:00",
        next_step_at=None,
    )
    assert fields(blocks)["Status"] == f":eyes: Acknowledged by <@U0DANA> · {AT_1003}"
    assert list(by_action(blocks)) == [Action.ESCALATE, Action.RESOLVE, Action.SNOOZE]
    assert "next step" not in all_text(blocks)
    assert "_current_" in all_text(blocks)


def test_a_snoozed_card_says_until_when() -> None:
    blocks = card(
        status="acknowledged",
        acknowledged_by="dana",
        acknowledged_at="2024-05-01T10:03:00+00:00",
        snoozed_until="2024-05-01T10:30:00+00:00",
    )
    assert fields(blocks)["Status"] == (
        f":eyes: Acknowledged by <@U0DANA> · {AT_1003}\n:zzz: Snoozed until {AT_1030}"
    )
    assert Action.SNOOZE in by_action(blocks)


def test_a_resolved_card_has_no_buttons_and_says_by_whom() -> None:
    blocks = card(
        status="resolved",
        acknowledged_by="dana",
        acknowledged_at="2024-05-01T10:03:00+00:00",
        resolved_by="lee",
        resolved_at="2024-05-01T10:30:00+00:00",
        snoozed_until="2024-05-01T10:30:00+00:00",
        next_step_at="2024-05-01T10:05:00+00:00",
    )
    assert of_type(blocks, "actions") == []
    assert elements(blocks) == []
    assert fields(blocks)["Status"] == f":white_check_mark: Resolved by Lee Adama · {AT_1030}"
    text = all_text(blocks)
    assert "_current_" not in text and "next step" not in text and "Snoozed" not in text


def test_without_actions_the_card_has_no_buttons() -> None:
    blocks = incident_blocks(snapshot(), actions=False)
    assert_valid(blocks)
    assert elements(blocks) == []


def test_without_slack_ids_people_are_named() -> None:
    blocks = card(slack_users=None, paged=["dana", "lee"])
    assert mentions(blocks) == []
    assert fields(blocks)["Paged"] == "Dana Scully, Lee Adama"
    blocks = card(slack_users=None, people=None)
    assert fields(blocks)["Paged"] == "dana"


def test_nothing_a_person_or_an_alert_wrote_pings_or_links() -> None:
    evil = evil_snapshot()
    blocks = incident_blocks(evil)
    assert_valid(blocks)
    dump = json.dumps(blocks, ensure_ascii=False)
    assert "<!channel>" not in dump and "<!here>" not in dump and "<@U0EVIL>" not in dump
    assert "<http://evil.example|click>" not in dump
    assert "&lt;!channel&gt;" in dump  # shown, as text
    ours = {
        safe_url(evil["url"]),
        safe_url(evil["dashboard"]),
        safe_url(evil["links"][EVIL]),
    }
    assert_safe(blocks, urls=ours, users={"U0DANA"})  # the forged id of Lee is never used
    assert "javascript" not in dump and "data:text" not in dump
    text = incident_text(evil)
    assert "<" not in text and ">" not in text


def test_a_huge_incident_stays_within_every_limit_and_links_to_the_rest() -> None:
    huge = snapshot(
        title="T" * 1000,
        labels={f"label{i:03d}": "v&<>" * 50 for i in range(500)},
        description="d&<>" * 5000,  # 20 KB, 80 KB escaped
        escalation_path=[
            {"tier": t, "targets": [f"schedule:s{t}"] * 20, "escalate_after": 60, "oncall": ["x"]}
            for t in range(1, 31)
        ],
        paged=[f"p{i}" for i in range(100)],
        slack_users={f"p{i}": f"U{i:08d}" for i in range(100)},
        people={f"p{i}": "N" * 300 for i in range(100)},
        links={f"link{i}": f"https://l.example/{i}" for i in range(100)},
        timeline=[
            {"at": "2024-05-01T10:00:00+00:00", "kind": "k", "actor": "a", "text": "t" * 5000}
        ]
        * 200,
    )
    blocks = incident_blocks(huge)
    assert_valid(blocks)
    assert len(json.dumps(blocks)) < 30_000
    header = blocks[0]["text"]["text"]
    assert len(header) == 150 and header.endswith("…")
    texts = [b["text"]["text"] for b in of_type(blocks, "section") if "text" in b]
    description = next(t for t in texts if "d&amp;" in t)
    assert len(description) <= 3000
    assert description.endswith(f"… <{URL}|more>")
    labels = next(t for t in texts if t.startswith("*Labels*"))
    assert labels.endswith(" and 480 more")
    assert fields(blocks)["Paged"].endswith(" and 90 more")
    escalation = next(t for t in texts if t.startswith("*Escalation*"))
    assert escalation.endswith(f"… <{URL}|more>")
    assert of_type(blocks, "actions")  # the buttons survive


@pytest.mark.parametrize(
    "weird",
    [
        {},
        {"id": None, "status": None},
        {"id": "12", "status": "TRIGGERED"},
        {"id": True},
        {"id": -1},
        {"id": 12, "status": 5, "severity": ["x"], "title": {"a": 1}},
        {"labels": ["a"], "annotations": "x", "people": 3, "paged": "dana", "links": [1]},
        {"escalation_path": [None, 3, {"tier": "x", "targets": None, "escalate_after": "5"}]},
        {"timeline": [None, {"at": 5, "text": None}], "tier": "two", "alerts": "many"},
        {"title": "\n\n", "severity": "", "opened_at": "soon", "url": "ftp://x"},
        {"slack_users": {"dana": 5}, "paged": ["dana", None, 3], "people": {None: "x"}},
    ],
)
def test_a_malformed_snapshot_still_renders(weird: dict[str, Any]) -> None:
    blocks = incident_blocks(weird)
    assert_valid(blocks)
    assert_safe(blocks, urls=set(), users=set())
    assert incident_text(weird)


def test_buttons_need_an_id() -> None:
    assert elements(incident_blocks(snapshot(id=None))) == []
    assert by_action(incident_blocks(snapshot(id="12")))[Action.ESCALATE]["value"] == "12"


_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
_KEYS = [*snapshot(), "unknown"]


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(_KEYS), _values))
def test_any_snapshot_renders_without_raising(changes: dict[str, Any]) -> None:
    blocks = incident_blocks(snapshot(**changes))
    assert_valid(blocks)
    assert "<!channel>" not in json.dumps(blocks)
    assert incident_text(snapshot(**changes))


@pytest.mark.parametrize(
    ("changes", "text"),
    [
        ({}, "[CRITICAL] Checkout API: High error rate (#12, triggered)"),
        (
            {"status": "acknowledged"},
            "[CRITICAL] Checkout API: High error rate (#12, acknowledged)",
        ),
        ({"service_name": None}, "[CRITICAL] checkout: High error rate (#12, triggered)"),
        (
            {"severity": None, "service_name": None, "service": None},
            "High error rate (#12, triggered)",
        ),
        (
            {"title": "A <!here> & B\nnext line"},
            "[CRITICAL] Checkout API: A &lt;!here&gt; &amp; B next line (#12, triggered)",
        ),
        ({"severity": "r&d"}, "[R&amp;D] Checkout API: High error rate (#12, triggered)"),
        ({"id": None, "status": None}, "[CRITICAL] Checkout API: High error rate"),
    ],
)
def test_incident_text(changes: dict[str, Any], text: str) -> None:
    assert incident_text(snapshot(**changes)) == text


def test_incident_text_of_nothing() -> None:
    assert incident_text({}) == "Incident"
    assert len(incident_text(snapshot(title="x" * 10_000, service_name="s" * 10_000))) < 450
