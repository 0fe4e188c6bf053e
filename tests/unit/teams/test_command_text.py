"""The words of a Teams message: the bot's mention out, other mentions as ``<@id>`` words the
commands read as people, a mention without its entity as the plain name."""

from __future__ import annotations

from botbuilder.schema import Activity

from bot.commands.words import PersonRef, person_ref
from bot.handlers.teams.handler import command_text


def activity(text: str, *mentions: tuple[str, str]) -> Activity:
    return Activity().deserialize(
        {
            "type": "message",
            "text": text,
            "recipient": {"id": "28:bot", "name": "On-call"},
            "entities": [
                {
                    "type": "mention",
                    "text": f"<at>{name}</at>",
                    "mentioned": {"id": uid, "name": name},
                }
                for uid, name in mentions
            ]
            + [{"type": "clientInfo", "locale": "en-US"}],
        }
    )


def test_the_bots_mention_is_taken_out() -> None:
    assert command_text(activity("<at>On-call</at> who payments", ("28:bot", "On-call"))) == (
        "who payments"
    )


def test_text_without_mention_is_used_as_it_is() -> None:
    assert command_text(activity("oncall  who\u00a0payments")) == "oncall who payments"


def test_other_mentions_become_person_words() -> None:
    text = command_text(
        activity(
            "<at>On-call</at> page <at>Bob Smith</at> db is down",
            ("28:bot", "On-call"),
            ("29:1bob", "Bob Smith"),
        )
    )
    assert text == "page <@29:1bob> db is down"
    assert person_ref("<@29:1bob>") == PersonRef(chat_user="29:1bob")


def test_a_mention_without_entity_is_its_name() -> None:
    assert command_text(activity("<at>Someone</at> who")) == "Someone who"


def test_slack_mentions_still_read() -> None:
    assert person_ref("<@U024BE7LH|alice>") == PersonRef(chat_user="U024BE7LH")
    assert person_ref("<@>") is None
