"""Hand-over, coverage-gap and swap cards for Teams: the words, the actions, escaping, 28 KB."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.commands.actions import Action
from bot.handlers.teams.adaptive import card_bytes
from bot.handlers.teams.messages import (
    gap_card,
    handover_card,
    swap_decided_text,
    swap_request_card,
)
from tests.unit.teams.cardjson import all_text, assert_valid, by_verb, links, texts

AT = "{{DATE(2024-03-05T09:00:00Z, SHORT)}} {{TIME(2024-03-05T09:00:00Z)}}"
UNTIL = "{{DATE(2024-03-06T09:00:00Z, SHORT)}} {{TIME(2024-03-06T09:00:00Z)}}"
EVIL = "*b* _i_ [x](http://evil.example) <at>Dana Scully</at>"
INCIDENT = "https://oncall.example/incidents/12"


def contacts(lee: str = "Lee Adama") -> list[dict[str, Any]]:
    return [
        {"id": "dana", "name": "Dana Scully", "teams": "29:dana", "timezone": "Europe/Berlin"},
        {"id": "lee", "name": lee, "teams": None, "timezone": "America/New_York"},
    ]


def handover(**changes: Any) -> dict[str, Any]:
    """Dana hands Payments primary to Lee at 09:00 UTC, with the brief's fields merged in."""
    payload: dict[str, Any] = {
        "schedule": "pay",
        "schedule_name": "Payments primary",
        "team": "payments",
        "at": "2024-03-05T09:00:00+00:00",
        "outgoing": "dana",
        "incoming": "lee",
        "people": contacts(),
        "team_name": "Payments",
        "outgoing_since": "2024-03-04T09:00:00+00:00",
        "incoming_until": "2024-03-06T09:00:00+00:00",
        "incoming_timezone": "America/New_York",
        "during_shift": [
            {
                "id": 12,
                "title": "High error rate",
                "severity": "critical",
                "status": "resolved",
                "url": INCIDENT,
            }
        ],
        "still_open": [],
        "on_call_now": [{"person": {"id": "lee", "name": "Lee Adama"}, "schedule_name": "Primary"}],
    }
    payload.update(changes)
    return payload


def valid(card: dict[str, Any]) -> dict[str, Any]:
    assert_valid(card)
    return card


def test_the_channel_hears_who_hands_to_whom() -> None:
    card = valid(handover_card(handover(), "channel"))
    assert [b["text"] for b in card["body"]] == [
        f"**Payments primary** (Payments) hand-over at {AT}: <at>Dana Scully</at> → Lee Adama, "
        f"on call until {UNTIL}",
        "**During Dana Scully's shift** (since "
        "{{DATE(2024-03-04T09:00:00Z, SHORT)}} {{TIME(2024-03-04T09:00:00Z)}})\n\n"
        f"• [#12 High error rate]({INCIDENT}) · critical · resolved",
        "**Still open**\n\nNo open incidents.",
        "On call now: Lee Adama (Primary).",
    ]
    assert card["msteams"]["entities"][0]["mentioned"]["id"] == "29:dana"


def test_a_late_hand_over_to_nobody() -> None:
    card = valid(handover_card(handover(incoming=None, late=True), "channel"))
    text = all_text(card)
    assert "→ nobody (a coverage gap: nobody is paged through this schedule)" in text
    assert f"Sent late: the bot was not running at the hand-over ({AT})." in text


def test_the_incoming_person_reads_their_shift_in_their_zone() -> None:
    card = valid(handover_card(handover(), "incoming"))
    assert card["body"][0]["text"] == (
        "You are on call for **Payments primary** from Tue 5 Mar 04:00 EST "
        "until Wed 6 Mar 04:00 EST (after Dana Scully)."
    )
    assert card["body"][-1]["text"] == "No open incidents."
    open_one = [{"id": 3, "title": "Disk", "severity": "warning", "status": "triggered"}]
    card = valid(handover_card(handover(still_open=open_one, incoming_until=None), "incoming"))
    assert "with no end planned (after Dana Scully)." in card["body"][0]["text"]
    assert "**Open incidents of Payments**\n\n• #3 Disk · warning · triggered" in all_text(card)


def test_the_outgoing_person_hears_their_shift_ended() -> None:
    card = valid(handover_card(handover(), "outgoing"))
    assert card["body"][0]["text"] == (
        "Your shift in **Payments primary** ended at Tue 5 Mar 10:00 CET (handed to Lee Adama)."
    )
    assert "**During your shift**" in all_text(card)


def test_without_the_brief_the_payload_alone_is_shown() -> None:
    bare = {k: v for k, v in handover().items() if k in ("schedule", "at", "outgoing", "people")}
    card = valid(handover_card({**bare, "incoming": "lee"}, "channel"))
    assert card["body"][0]["text"] == f"**pay** hand-over at {AT}: <at>Dana Scully</at> → Lee Adama"


def test_hand_over_names_are_escaped() -> None:
    payload = handover(schedule_name=EVIL, team_name=EVIL, people=contacts(lee=EVIL))
    for role in ("channel", "incoming", "outgoing"):
        card = valid(handover_card(payload, role))
        for text in texts(card):
            assert "*b*" not in text and "_i_" not in text and "[x]" not in text
        assert "http://evil.example" not in links(card)
        assert "<at>Dana Scully</at>" not in all_text(card).replace("<at>Dana Scully</at> →", "")


def test_a_huge_hand_over_fits() -> None:
    many = [{"id": i, "title": "🔥" * 3000, "url": INCIDENT} for i in range(100)]
    card = valid(handover_card(handover(during_shift=many, still_open=many), "channel"))
    assert card_bytes(card) <= 28_000
    assert "… and 90 more" in all_text(card)


NOW = datetime(2024, 3, 5, 10, tzinfo=UTC)


def gaps(**changes: Any) -> dict[str, Any]:
    gap = {"change": "new", "service": "a", "service_name": "Checkout", "schedule": "pay",
           "schedule_name": "Payments", "from": "2024-03-06T00:00:00+00:00", "to": None}  # fmt: skip
    payload: dict[str, Any] = {
        "team": "payments",
        "team_name": "Payments",
        "manager": {"id": "m", "name": "Mia", "timezone": "Europe/Berlin"},
        "horizon_end": "2024-03-20T00:00:00+00:00",
        "gaps": [
            gap,
            {**gap, "service": "b", "service_name": "Refunds"},
            {
                **gap,
                "change": "changed",
                "schedule": "x",
                "schedule_name": "Ops",
                "from": "2024-03-01T00:00:00+00:00",
                "to": "2024-03-07T00:00:00+00:00",
                "was_from": "2024-03-01T00:00:00+00:00",
                "was_to": "2024-03-06T00:00:00+00:00",
            },
            {
                **gap,
                "change": "resolved",
                "schedule": None,
                "schedule_name": None,
                "from": "2024-03-08T00:00:00+00:00",
                "to": "2024-03-09T00:00:00+00:00",
            },
        ],
    }
    payload.update(changes)
    return payload


def test_the_gap_warning_lists_each_change_with_a_cover_button() -> None:
    card = valid(gap_card(gaps(), NOW))
    text = [b["text"] for b in card["body"] if b["type"] == "TextBlock"]
    assert text == [
        "**Coverage of Payments** in the next days (1 new, 1 changed, 1 covered); "
        "times in Europe/Berlin:",
        "**New gap** · **Payments** · Checkout, Refunds\n\n"
        "Wed 6 Mar 01:00 CET → beyond Wed 20 Mar 01:00 CET",
        "**Gap changed** · **Ops** · Checkout\n\nFri 1 Mar 01:00 CET → Thu 7 Mar 01:00 CET "
        "(was Fri 1 Mar 01:00 CET → Wed 6 Mar 01:00 CET) · under way",
        "**Covered now** · no schedule in the first tier · Checkout\n\n"
        "Fri 8 Mar 01:00 CET → Sat 9 Mar 01:00 CET",
        "Cover… opens an override for the gap; oncall gaps lists them all.",
    ]
    covers = [json.loads(a["data"]["value"]) for a in by_verb(card)[Action.OPEN_OVERRIDE.value]]
    assert covers == [
        {"schedule": "pay", "from": "2024-03-06T00:00:00+00:00", "to": "2024-03-20T00:00:00+00:00"},
        {"schedule": "x", "from": "2024-03-05T10:00:00+00:00", "to": "2024-03-07T00:00:00+00:00"},
    ]


def test_many_gaps_are_counted_and_fit() -> None:
    one = gaps()["gaps"][0]
    many = [{**one, "from": f"2024-03-{d:02}T00:00:00+00:00", "service_name": "🔥" * 500}
            for d in range(1, 29) for _ in range(3)] + [
        {**one, "schedule": f"s{i}", "schedule_name": EVIL * 20} for i in range(200)]  # fmt: skip
    card = valid(gap_card(gaps(gaps=many)))
    assert card_bytes(card) <= 28_000
    assert any(t.startswith("… and ") and t.endswith(" more") for t in texts(card))
    assert "*b*" not in all_text(card)


def swap(**changes: Any) -> dict[str, Any]:
    payload = {
        "swap": 7,
        "status": "pending",
        "requester": {"id": "dana", "name": "Dana", "timezone": "Europe/Berlin"},
        "counterpart": {"id": "lee", "name": "Lee", "timezone": "America/New_York"},
        "schedule": "pay",
        "schedule_name": "Payments",
        "schedule_timezone": "UTC",
        "from": "2024-03-06T09:00:00+00:00",
        "to": "2024-03-07T09:00:00+00:00",
        "reason": "doctor _visit_",
    }
    payload.update(changes)
    return payload


def test_a_swap_request_has_accept_and_decline() -> None:
    card = valid(swap_request_card(swap()))
    assert card["body"][0]["text"] == (
        "Dana asks you to take their shift in Payments from Wed 06 Mar 04:00 EST "
        "to Thu 07 Mar 04:00 EST (swap 7)."
    )
    facts = {f["title"]: f["value"] for f in card["body"][1]["facts"]}
    assert facts["Reason"] == "doctor \\_visit\\_"
    assert [(a["verb"], a["data"]) for a in card["actions"]] == [
        (Action.SWAP_ACCEPT.value, {"value": "7"}),
        (Action.SWAP_DECLINE.value, {"value": "7"}),
    ]


def test_a_decided_or_unidentified_swap_has_no_buttons() -> None:
    card = valid(swap_request_card(swap(status="declined")))
    assert "actions" not in card
    assert card["body"][0]["text"].startswith("Declined by Lee.")
    assert "actions" not in valid(swap_request_card(swap(swap=None)))


@pytest.mark.parametrize(
    ("audience", "text"),
    [
        ("requester", "Lee accepted swap 7: Lee is on call in Payments from Wed 06 Mar 10:00 CET"),
        ("channel", "Swap in Payments: Lee takes Dana's shift from Wed 06 Mar 09:00 UTC"),
        ("counterpart", "Accepted by Lee: you are on call in Payments from Wed 06 Mar 04:00 EST"),
    ],
)
def test_swap_decided_text(audience: str, text: str) -> None:
    assert swap_decided_text(swap(status="accepted", audience=audience)).startswith(text)


def test_a_declined_swap_tells_the_requester() -> None:
    said = swap_decided_text(swap(status="declined", audience="requester"))
    assert said.startswith("Lee declined swap 7: your shift in Payments")
