"""The Teams incident card: what it shows in each state, its actions, escaping and 28 KB."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.commands.actions import SNOOZE_CHOICES, Action
from bot.handlers.teams.adaptive import ATTACHMENT_TYPE, card_bytes
from bot.handlers.teams.cards import REFRESH_VERB, attachment, incident_card, incident_text
from tests.unit.slack.snapshots import DASHBOARD, RUNBOOK, URL, snapshot
from tests.unit.teams.cardjson import all_text, assert_valid, by_verb, links, shown, texts

AT_1000 = "{{DATE(2024-05-01T10:00:00Z, SHORT)}} {{TIME(2024-05-01T10:00:00Z)}}"
AT_1005 = "{{DATE(2024-05-01T10:05:00Z, SHORT)}} {{TIME(2024-05-01T10:05:00Z)}}"
ALERTMANAGER = "https://am.example/#/alerts?filter=%7Balertname%3D%22HighErrorRate%22%7D"
SOURCE = "https://prometheus.example/graph?g0.expr=rate%28errors%5B5m%5D%29&g0.tab=0"


def card(**changes: Any) -> dict[str, Any]:
    built = incident_card(snapshot(**changes))
    assert_valid(built)
    return built


def facts(built: dict[str, Any]) -> dict[str, str]:
    fact_set = next(b for b in built["body"] if b["type"] == "FactSet")
    return {f["title"]: f["value"] for f in fact_set["facts"]}


def test_a_triggered_card_shows_the_incident() -> None:
    built = card()
    assert built["body"][0]["text"] == "🔴 High error rate"
    assert built["body"][1]["text"] == f"🚨 **Triggered**\n\nOpened {AT_1000}"
    assert facts(built) == {
        "Severity": "🔴 CRITICAL",
        "Service": "Checkout API",
        "Team": "payments",
        "Paged": "Dana Scully",
        "Assignee": "Dana Scully",
        "Tier": "1 of 2",
        "Incident": f"[#12]({URL})",
        "Alerts": "3",
    }
    text = all_text(built)
    assert "**5xx above 5% for 5 minutes**\n\nCheckout returns 5xx for 7% of requests." in text
    assert "**Labels** alertname=HighErrorRate · service=checkout · env=prod" in text
    assert links(built) == [URL, RUNBOOK, ALERTMANAGER, SOURCE, DASHBOARD, URL]
    assert (
        "**Escalation**\n\n▶️ **Tier 1: schedule payments-primary · on call: Dana Scully · "
        f"escalates after 5 min** · _current_ · next step {AT_1005}\n\n"
        "• Tier 2: Lee Adama · on call: Lee Adama · escalates after 15 min"
    ) in text
    assert f"{AT_1000} · Opened\n\n" in text and "· Paged Dana" in text
    assert built["fallbackText"] == "[CRITICAL] Checkout API: High error rate (#12, triggered)"
    assert "Full incident" in text


def test_actions_of_a_triggered_card() -> None:
    built = card()
    top = [(a["type"], a["title"]) for a in built["actions"]]
    assert top == [
        ("Action.Execute", "Acknowledge"),
        ("Action.Execute", "Escalate"),
        ("Action.ShowCard", "Resolve…"),
        ("Action.ShowCard", "Snooze…"),
    ]
    verbs = by_verb(built)
    for action in (Action.ACKNOWLEDGE, Action.ESCALATE, Action.RESOLVE):
        assert [a["data"] for a in verbs[action.value]] == [{"incident": 12}]
    assert [(a["title"], a["data"]) for a in verbs[Action.SNOOZE.value]] == [
        (label, {"incident": 12, "seconds": seconds}) for label, seconds in SNOOZE_CHOICES
    ]
    assert built["refresh"] == {
        "action": {"type": "Action.Execute", "verb": REFRESH_VERB, "data": {"incident": 12}}
    }
    resolve = built["actions"][2]["card"]
    assert "Resolve incident #12 for everyone?" in all_text(resolve)


def test_an_acknowledged_card() -> None:
    built = card(
        status="acknowledged", acknowledged_by="dana", acknowledged_at="2024-05-01T10:00:00Z"
    )
    assert built["body"][1]["text"].startswith(f"👀 **Acknowledged** by Dana Scully · {AT_1000}")
    assert Action.ACKNOWLEDGE.value not in by_verb(built)
    assert {Action.ESCALATE.value, Action.RESOLVE.value, Action.SNOOZE.value} <= set(by_verb(built))


def test_a_snoozed_card_says_until_when() -> None:
    built = card(snoozed_until="2024-05-01T10:05:00+00:00")
    assert f"💤 Snoozed until {AT_1005}" in built["body"][1]["text"]


def test_a_resolved_card_has_no_actions() -> None:
    built = card(status="resolved", resolved_by="lee", resolved_at="2024-05-01T10:00:00Z")
    assert built["body"][1]["text"].startswith(f"✅ **Resolved** by Lee Adama · {AT_1000}")
    assert "actions" not in built
    assert "▶️" not in all_text(built)  # no current tier once resolved


def test_without_an_id_nothing_to_act_on() -> None:
    built = card(id=None)
    assert "actions" not in built and "refresh" not in built
    assert "Incident" not in facts(built)


def test_paged_people_with_a_teams_id_are_mentioned() -> None:
    built = card(teams_users={"dana": "29:1a-dana", "lee": "29:1a-lee"})
    assert facts(built)["Paged"] == "<at>Dana Scully</at>"
    assert built["msteams"]["entities"] == [
        {
            "type": "mention",
            "text": "<at>Dana Scully</at>",
            "mentioned": {"id": "29:1a-dana", "name": "Dana Scully"},
        }
    ]
    assert "<at>Lee" not in all_text(built)  # not paged: named only


def test_a_malformed_teams_id_is_no_mention() -> None:
    built = card(teams_users={"dana": "29:x</at><at>everyone"})
    assert facts(built)["Paged"] == "Dana Scully"
    assert built["msteams"].get("entities", []) == []


EVIL = "**bold** _it_ ~s~ [click](http://evil.example) <at>Dana Scully</at> {{DATE(x)}} `c` \\"
EVIL_URL = "http://evil.example"


def evil() -> dict[str, Any]:
    return snapshot(
        title=EVIL,
        service_name=EVIL,
        team=f"- {EVIL}",
        severity=EVIL,
        labels={EVIL: EVIL},
        annotations={"summary": EVIL},
        description=f"1. {EVIL}\n# {EVIL}",
        runbook="javascript:alert(1)",
        dashboard="data:text/html,hi",
        links={EVIL: "https://ok.example/a)(b [c]", "x": "mailto:a@b"},
        people={"dana": EVIL, "lee": EVIL},
        teams_users={"dana": "29:dana"},
        escalation_path=[{"tier": 1, "targets": [f"schedule:{EVIL}", EVIL], "oncall": [EVIL]}],
        timeline=[{"at": EVIL, "kind": EVIL, "actor": EVIL, "text": EVIL}],
        acknowledged_by=EVIL,
        status="acknowledged",
    )


def test_text_from_alerts_and_people_is_shown_literally() -> None:
    built = incident_card(evil())
    assert_valid(built)
    for text in texts(built):
        for marker in ("**bold**", "_it_", "~s~", "[click]", "{{DATE(x", "`c`"):
            assert marker not in text
    # every link is ours or the one safe link, percent-encoded so it cannot end early
    assert set(links(built)) == {URL, "https://ok.example/a%29%28b%20%5Bc%5D"}
    assert EVIL_URL not in " ".join(links(built))
    seen = "\n".join(shown(t) for t in texts(built))
    assert seen.count(EVIL.replace("[click](http://evil.example)", "click")) == 0
    assert "**bold** _it_ ~s~ [click](http://evil.example)" in seen
    assert "- **bold**" in seen and "1. **bold**" in seen and "# **bold**" in seen
    # the only mention is the paged person's, under a label stripped of markup
    entities = built["msteams"]["entities"]
    assert [e["mentioned"]["id"] for e in entities] == ["29:dana"]
    assert all("<at>Dana Scully</at>" not in t for t in texts(built))


def test_5000_labels_of_a_kilobyte_fit() -> None:
    labels = {f"label{i:04}": "v" * 1024 for i in range(5000)}
    built = card(labels=labels)
    assert "and 4980 more" in all_text(built)
    assert card_bytes(built) <= 28_000


HUGE = "🔥" * 5000


@pytest.mark.parametrize(
    "changes",
    [
        {"labels": {f"{HUGE}{i}": HUGE for i in range(50)}},
        {"description": HUGE * 4, "annotations": {"summary": HUGE}},
        {"people": {"dana": HUGE, "lee": HUGE}, "paged": ["dana", "lee"] * 200},
        {"escalation_path": [{"tier": i, "targets": [f"person:{HUGE}"] * 30} for i in range(50)]},
        {"timeline": [{"at": "2024-05-01T10:00:00Z", "text": HUGE}] * 50, "description": HUGE},
        {"links": {f"{HUGE}{i}": f"https://x.example/{'a' * 2025}{i}" for i in range(50)}},
    ],
    ids=["labels", "description", "paged", "tiers", "timeline", "links"],
)
def test_a_card_too_big_is_cut_and_ends_with_the_full_incident(changes: dict[str, Any]) -> None:
    built = card(**changes)
    assert card_bytes(built) <= 28_000
    assert f"[Full incident]({URL})" in built["body"][-1]["text"]
    assert Action.ACKNOWLEDGE.value in by_verb(built)


def test_everything_too_big_at_once_still_fits() -> None:
    built = card(
        title=HUGE,
        service_name=HUGE,
        team=HUGE,
        severity=HUGE,
        people={"dana": HUGE, "lee": HUGE},
        description=HUGE,
        labels={HUGE: HUGE},
        timeline=[{"text": HUGE}] * 9,
        acknowledged_by="dana",
        status="acknowledged",
    )
    assert card_bytes(built) <= 28_000
    assert Action.RESOLVE.value in by_verb(built)


def test_incident_text() -> None:
    assert incident_text(snapshot()) == "[CRITICAL] Checkout API: High error rate (#12, triggered)"
    assert incident_text({}) == "Incident"
    assert incident_text(snapshot(title="a\n*b*", severity=None, id="x", status=None)) == (
        "Checkout API: a *b*"
    )
    assert len(incident_text(snapshot(title="x" * 5000))) < 300


def test_attachment() -> None:
    built = card()
    assert attachment(built) == {"contentType": ATTACHMENT_TYPE, "content": built}
    assert ATTACHMENT_TYPE == "application/vnd.microsoft.card.adaptive"
    json.dumps(attachment(built))  # serialisable as is
