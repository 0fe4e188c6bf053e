"""Neutral replies as Adaptive Cards: text, sections, buttons, the incident card, 28 KB."""

from __future__ import annotations

from typing import Any

from bot.commands.actions import Action
from bot.commands.replies import Button, Fact, Link, Reply, Section
from bot.handlers.teams.adaptive import card_bytes
from bot.handlers.teams.render import reply_card, reply_text
from tests.unit.slack.snapshots import URL, snapshot
from tests.unit.teams.cardjson import all_text, assert_valid, by_verb, links, shown, texts


def card(reply: Reply) -> dict[str, Any]:
    built = reply_card(reply)
    assert built is not None
    assert_valid(built)
    return built


def test_a_text_only_reply_is_no_card() -> None:
    assert reply_card(Reply("Dana is on call")) is None
    assert reply_text(Reply("Dana is on call\nuntil  Friday")) == "Dana is on call until Friday"
    assert reply_text(Reply("")) == "Done."
    assert reply_text(Reply("", incident=snapshot())).startswith("[CRITICAL] Checkout API")
    assert reply_text(Reply("Unknown incident 99", error=True)) == "⚠️ Unknown incident 99"
    assert len(reply_text(Reply("x" * 10_000))) <= 3000


def test_sections_facts_and_links() -> None:
    section = Section(
        title="Payments *primary*",
        lines=("Dana_Scully until Fri", "- not a list"),
        facts=(Fact("Now", "Dana [x](http://evil.example)"), Fact("Next", "Lee")),
        links=(Link("Schedule", "https://oncall.example/s/1"), Link("Bad", "javascript:x")),
    )
    built = card(Reply("Who is on call", sections=(section,)))
    body = built["body"]
    assert body[0]["text"] == "Who is on call"
    assert (
        body[1]["text"] == "**Payments \\*primary\\***\n\nDana\\_Scully until Fri\n\n\\- not a list"
    )
    assert body[2] == {
        "type": "FactSet",
        "facts": [
            {"title": "Now", "value": "Dana \\[x\\](http://evil.example)"},
            {"title": "Next", "value": "Lee"},
        ],
    }
    assert links(built) == ["https://oncall.example/s/1"]
    assert "Bad" in body[3]["text"]
    assert built["fallbackText"] == "Who is on call"


def test_an_error_starts_with_a_warning_sign() -> None:
    built = card(Reply("Not allowed", sections=(Section(lines=("ask a manager",)),), error=True))
    assert built["body"][0]["text"] == "⚠️ Not allowed"


def test_buttons_are_execute_actions_carrying_their_value() -> None:
    reply = Reply(
        "Swap 7?",
        sections=(Section(lines=("a",)),),
        buttons=(
            Button(Action.SWAP_ACCEPT, "Accept", "7", "primary"),
            Button(Action.SWAP_DECLINE, "Decline", "7", "danger"),
            Button(Action.OPEN_SWAP, "Too long", "x" * 2001),
            Button(Action.OPEN_OVERRIDE, "Empty", ""),
        ),
    )
    built = card(reply)
    assert built["actions"] == [
        {
            "type": "Action.Execute",
            "title": "Accept",
            "verb": "swap.accept",
            "data": {"value": "7"},
            "style": "positive",
        },
        {
            "type": "Action.Execute",
            "title": "Decline",
            "verb": "swap.decline",
            "data": {"value": "7"},
            "style": "destructive",
        },
    ]


def test_buttons_alone_make_a_card() -> None:
    built = card(Reply("Pick", buttons=(Button(Action.OPEN_TIME_OFF, "Time off…", "x"),)))
    assert by_verb(built)[Action.OPEN_TIME_OFF.value][0]["data"] == {"value": "x"}


def test_the_incident_card_comes_after_the_sections() -> None:
    built = card(Reply("Acknowledged", sections=(Section(lines=("first",)),), incident=snapshot()))
    text = [shown(t) for t in texts(built)]
    assert text[0] == "Acknowledged" and text[1] == "first"
    assert any(t.startswith("🔴 High error rate") for t in text[2:])
    assert Action.ACKNOWLEDGE.value in by_verb(built)
    assert built["refresh"]["action"]["data"] == {"incident": 12}


def test_many_sections_end_with_and_n_more() -> None:
    sections = tuple(Section(title=f"s{i}", lines=("y" * 2000,)) for i in range(300))
    built = card(Reply("All", sections=sections, incident=snapshot()))
    assert card_bytes(built) <= 28_000
    more = next(t for t in texts(built) if t.startswith("… and "))
    hidden = int(more.split()[2])
    assert 0 < hidden < 300
    assert sum(1 for t in texts(built) if t.startswith("**s")) == 300 - hidden
    assert URL in links(built)  # See all, and the card's own links
    assert "High error rate" in all_text(built)  # the incident card is kept whole


def test_one_huge_section_still_fits() -> None:
    section = Section(title="big", lines=tuple("🔥" * 3000 for _ in range(20)))
    built = card(Reply("x", sections=(section,)))
    assert "… and 1 more" in all_text(built)
