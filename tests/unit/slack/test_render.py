"""Neutral replies in Block Kit: text, sections, facts, links, buttons, and the incident card."""

from __future__ import annotations

import json

from bot.commands.actions import Action
from bot.commands.replies import Button, Fact, Link, Reply, Section, refusal
from bot.handlers.slack.cards import incident_blocks, incident_text
from bot.handlers.slack.render import reply_blocks, reply_text
from tests.unit.slack.blockkit import assert_safe, assert_valid, elements, of_type
from tests.unit.slack.snapshots import EVIL, LINKS, URL, snapshot

WIKI = "https://wiki.example/oncall"


def test_text_only() -> None:
    blocks = reply_blocks(Reply(text="Nobody is on call for *payments* & <!here>"))
    assert_valid(blocks)
    assert_safe(blocks)
    assert blocks == [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "Nobody is on call for *payments* &amp; &lt;!here&gt;",
                "verbatim": True,
            },
        }
    ]


def test_a_refusal_is_marked() -> None:
    blocks = reply_blocks(refusal("No incident #99."))
    assert blocks[0]["text"]["text"] == ":warning: No incident #99."


def test_a_section_has_a_bold_title_lines_facts_and_links() -> None:
    reply = Reply(
        text="Who is on call",
        sections=(
            Section(
                title="Payments <primary>",
                lines=("Dana until 18:00", "then <@U0LEE>"),
                facts=(Fact("Now", "Dana & co"), Fact("Next", "Lee")),
                links=(Link("Schedule", WIKI), Link("Evil", "javascript:alert(1)")),
            ),
            Section(lines=("plain",)),
        ),
    )
    blocks = reply_blocks(reply)
    assert_valid(blocks)
    assert_safe(blocks, urls={WIKI})
    assert blocks[1] == {
        "type": "section",
        "text": {
            "type": "mrkdwn",
            "text": "*Payments &lt;primary&gt;*\nDana until 18:00\nthen &lt;@U0LEE&gt;\n"
            f"<{WIKI}|Schedule> · Evil",
            "verbatim": True,
        },
        "fields": [
            {"type": "mrkdwn", "text": "*Now*\nDana &amp; co", "verbatim": True},
            {"type": "mrkdwn", "text": "*Next*\nLee", "verbatim": True},
        ],
    }
    assert blocks[2]["text"]["text"] == "plain"


def test_many_facts_take_ten_fields_a_block() -> None:
    facts = tuple(Fact(f"k{i}", "v" * 5000) for i in range(25))
    blocks = reply_blocks(Reply(text="t", sections=(Section(title="Facts", facts=facts),)))
    assert_valid(blocks)
    assert [len(b.get("fields", [])) for b in blocks] == [0, 10, 10, 5]
    assert blocks[1]["text"]["text"] == "*Facts*"
    assert "text" not in blocks[2]


def test_facts_without_title_or_lines() -> None:
    blocks = reply_blocks(Reply(text="t", sections=(Section(facts=(Fact("a", "b"),)),)))
    assert_valid(blocks)
    assert blocks[1] == {
        "type": "section",
        "fields": [{"type": "mrkdwn", "text": "*a*\nb", "verbatim": True}],
    }


def test_buttons_keep_their_action_ids_and_values() -> None:
    reply = Reply(
        text="Two incidents",
        buttons=(
            Button(Action.ACKNOWLEDGE, "Ack #1", "1", style="primary"),
            Button(Action.ACKNOWLEDGE, "Ack #2 <!channel>", "2"),
            Button(Action.RESOLVE, "Resolve #1", "1", style="danger"),
            Button(Action.ESCALATE, "Too long a value", "9" * 2001),
            Button(Action.SNOOZE, "L" * 200, "1:1800", style="loud"),
        ),
    )
    blocks = reply_blocks(reply)
    assert_valid(blocks)
    assert_safe(blocks)
    actions = of_type(blocks, "actions")
    # a repeated action id starts a new block: Slack wants them unique within one
    assert [[(e["action_id"], e["value"]) for e in b["elements"]] for b in actions] == [
        [(Action.ACKNOWLEDGE, "1")],
        [(Action.ACKNOWLEDGE, "2"), (Action.RESOLVE, "1"), (Action.SNOOZE, "1:1800")],
    ]
    found = elements(blocks)
    assert [e.get("style") for e in found] == ["primary", None, "danger", None]
    assert found[1]["text"]["text"] == "Ack #2 &lt;!channel&gt;"
    assert len(found[3]["text"]["text"]) == 75 and found[3]["text"]["text"].endswith("…")


def test_sixty_buttons_of_one_action_stay_within_50_blocks() -> None:
    buttons = tuple(Button(Action.ESCALATE, f"#{i}", str(i)) for i in range(60))
    blocks = reply_blocks(Reply(text="t", buttons=buttons))
    assert_valid(blocks)
    # one ESCALATE a block (Slack wants action ids unique within one); the text and 49 kept
    assert len(blocks) == 50
    assert [e["value"] for e in elements(blocks)] == [str(i) for i in range(49)]


def test_the_incident_card_comes_last() -> None:
    card = incident_blocks(snapshot())
    blocks = reply_blocks(
        Reply(
            text="Acknowledged #12",
            sections=(Section(title="Note", lines=("ok",)),),
            incident=snapshot(),
            public=True,
        )
    )
    assert_valid(blocks)
    assert_safe(blocks, urls=LINKS, users={"U0DANA"})
    assert blocks[0]["text"]["text"] == "Acknowledged #12"
    assert blocks[1]["text"]["text"] == "*Note*\nok"
    assert blocks[2:] == card


def test_a_huge_reply_keeps_its_text_buttons_and_card_within_50_blocks() -> None:
    sections = tuple(
        Section(title=f"S{i} {EVIL}", lines=tuple(f"line {EVIL}" for _ in range(100)))
        for i in range(100)
    )
    reply = Reply(
        text=EVIL * 200,
        sections=sections,
        buttons=(Button(Action.ESCALATE, "Escalate", "12"),),
        incident=snapshot(),
    )
    blocks = reply_blocks(reply)
    assert_valid(blocks)
    assert_safe(blocks, urls=LINKS, users={"U0DANA"})
    assert len(blocks) == 50
    card = incident_blocks(snapshot())
    assert blocks[-len(card) :] == card
    assert blocks[0]["text"]["text"].endswith(f"… <{URL}|more>")
    assert blocks[-len(card) - 1]["type"] == "actions"
    note = blocks[-len(card) - 2]["text"]["text"]
    assert note.startswith("… and ") and note.endswith(f" more · <{URL}|See all>")
    assert "<!channel>" not in json.dumps(blocks)


def test_reply_text() -> None:
    assert reply_text(Reply(text="Paged <!channel>\n& more")) == "Paged &lt;!channel&gt; &amp; more"
    assert reply_text(Reply(text="", incident=snapshot())) == incident_text(snapshot())
    assert reply_text(Reply(text="")) == "Done."
    assert len(reply_text(Reply(text="x" * 10_000))) == 3000
