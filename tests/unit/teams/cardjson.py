"""Reading Adaptive Card JSON in tests: its texts, links, actions, and what a reader sees."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from bot.handlers.teams.adaptive import MAX_CARD_BYTES, all_actions, card_bytes

LINK = re.compile(r"(?<!\\)\[((?:\\.|[^\\\]])*)\]\(([^)\s]*)\)")
ELEMENTS = {"TextBlock", "FactSet", "ActionSet"}
ACTIONS = {"Action.Execute", "Action.ShowCard"}


def texts(element: Any) -> Iterator[str]:
    """Every Markdown text of a card: TextBlock texts and fact titles and values."""
    if isinstance(element, dict):
        if element.get("type") == "TextBlock":
            yield element["text"]
        for fact in element.get("facts", []) if element.get("type") == "FactSet" else []:
            yield fact["title"]
            yield fact["value"]
        for key in ("body", "card"):
            yield from texts(element.get(key))
        for action in (
            element.get("actions", []) if isinstance(element.get("actions"), list) else []
        ):
            yield from texts(action)
    elif isinstance(element, list):
        for item in element:
            yield from texts(item)


def all_text(card: dict[str, Any]) -> str:
    return "\n".join(texts(card))


def links(card: dict[str, Any]) -> list[str]:
    """The URLs of every Markdown link, in order."""
    return [m.group(2) for text in texts(card) for m in LINK.finditer(text)]


def shown(text: str) -> str:
    """Roughly what a reader sees: links as their label, escapes and zero-width spaces gone,
    paragraph breaks as newlines."""
    text = LINK.sub(lambda m: m.group(1), text)
    text = re.sub(r"\\(.)", r"\1", text).replace("{\u200b{", "{{").replace("}\u200b}", "}}")
    return text.replace("\n\n", "\n")


def by_verb(card: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for action in all_actions(card):
        if action["type"] == "Action.Execute" and action is not card.get("refresh", {}).get(
            "action"
        ):
            found.setdefault(action["verb"], []).append(action)
    return found


def assert_valid(card: dict[str, Any]) -> None:
    """The shape Teams accepts: an Adaptive Card 1.5 of known elements, within 28 KB, at most
    six actions, every Execute with a verb and a dict of data, every text a string."""
    assert card["type"] == "AdaptiveCard"
    assert card["version"] == "1.5"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert card_bytes(card) <= MAX_CARD_BYTES
    assert len(card.get("actions", [])) <= 6
    for element in card["body"]:
        assert element["type"] in ELEMENTS
        if element["type"] == "TextBlock":
            assert isinstance(element["text"], str) and element["text"].strip()
        elif element["type"] == "FactSet":
            assert all(isinstance(f["value"], str) for f in element["facts"])
    for action in all_actions(card):
        assert action["type"] in ACTIONS
        if action["type"] == "Action.Execute":
            assert isinstance(action["verb"], str) and isinstance(action["data"], dict)
    for text in texts(card):
        mentions = re.findall(r"<at>.*?</at>", text)
        entities = {e["text"] for e in card.get("msteams", {}).get("entities", [])}
        assert set(mentions) <= entities, "a mention without its entity"
