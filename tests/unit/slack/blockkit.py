"""Checks for rendered Block Kit: slack_sdk's own models, Slack's limits, and what may ping or link."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from slack_sdk.models.blocks import Block

PINGS = ("<!channel>", "<!here>", "<!everyone>")
_ANGLE = re.compile(r"<([^<>]*)>")
_ENTITY_OR_AMP = re.compile(r"&(?:amp|lt|gt);|&")


def texts(value: Any) -> Iterator[str]:
    """Every string anywhere in the JSON."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from texts(item)


def angles(blocks: list[dict[str, Any]]) -> list[str]:
    """Every ``<…>`` control sequence (link, mention, date, special) in any text."""
    return [m.group(1) for text in texts(blocks) for m in _ANGLE.finditer(text)]


def links(blocks: list[dict[str, Any]]) -> list[str]:
    """The URLs of every ``<url|text>`` link."""
    return [a.split("|", 1)[0] for a in angles(blocks) if a.startswith(("http://", "https://"))]


def mentions(blocks: list[dict[str, Any]]) -> list[str]:
    return [a[1:] for a in angles(blocks) if a.startswith("@")]


def assert_safe(
    blocks: list[dict[str, Any]], *, urls: set[str] = frozenset(), users: set[str] = frozenset()
) -> None:
    """Nothing pings but the allowed users; nothing links but the allowed URLs."""
    dump = json.dumps(blocks, ensure_ascii=False)
    for ping in PINGS:
        assert ping not in dump
    for angle in angles(blocks):
        if angle.startswith("@"):
            assert angle[1:] in users, angle
        elif angle.startswith(("http://", "https://")):
            assert angle.split("|", 1)[0] in urls, angle
        else:
            assert angle.startswith("!date^"), angle
    for text in texts(blocks):  # a stray '&' is fine, but never half an entity at a cut
        assert not re.search(r"&(?:a|am|l|g|amp|lt|gt)?…", text), text


def _check_text(obj: dict[str, Any], limit: int, *, plain: bool = False) -> None:
    assert obj["type"] in (("plain_text",) if plain else ("plain_text", "mrkdwn"))
    assert 1 <= len(obj["text"]) <= limit, (len(obj["text"]), limit)
    if obj["type"] == "mrkdwn":
        assert obj.get("verbatim") is True


def _check_element(element: dict[str, Any]) -> None:
    if element["type"] == "button":
        _check_text(element["text"], 75, plain=True)
        assert 1 <= len(element["value"]) <= 2000
        assert element.get("style") in (None, "primary", "danger")
        if "confirm" in element:
            confirm = element["confirm"]
            assert len(confirm["title"]["text"]) <= 100
            assert len(confirm["text"]["text"]) <= 300
            assert len(confirm["confirm"]["text"]) <= 30
            assert len(confirm["deny"]["text"]) <= 30
    elif element["type"] == "static_select":
        assert len(element["placeholder"]["text"]) <= 150
        assert 1 <= len(element["options"]) <= 100
        for option in element["options"]:
            assert option["text"]["type"] == "plain_text"
            assert 1 <= len(option["text"]["text"]) <= 75
            assert 1 <= len(option["value"]) <= 150
    else:
        raise AssertionError(f"unexpected element {element['type']}")
    assert len(element["action_id"]) <= 255


def assert_valid(blocks: list[dict[str, Any]]) -> None:
    """Each block rebuilt through slack_sdk (validate_json, same dict back) and within limits."""
    assert isinstance(blocks, list)
    assert 1 <= len(blocks) <= 50
    json.dumps(blocks)  # plain JSON only
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None and type(parsed) is not Block, block
        parsed.validate_json()
        assert parsed.to_dict() == block
        kind = block["type"]
        if kind == "header":
            _check_text(block["text"], 150, plain=True)
        elif kind == "section":
            assert "text" in block or "fields" in block
            if "text" in block:
                _check_text(block["text"], 3000)
            assert 1 <= len(block.get("fields", [None])) <= 10
            for field in block.get("fields", []):
                _check_text(field, 2000)
            if "accessory" in block:
                _check_element(block["accessory"])
        elif kind == "context":
            assert 1 <= len(block["elements"]) <= 10
            for element in block["elements"]:
                _check_text(element, 3000)
        elif kind == "actions":
            assert 1 <= len(block["elements"]) <= 25
            ids = [e["action_id"] for e in block["elements"]]
            assert len(ids) == len(set(ids)), ids
            for element in block["elements"]:
                _check_element(element)
        else:
            raise AssertionError(f"unexpected block {kind}")


def of_type(blocks: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [b for b in blocks if b["type"] == kind]


def elements(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every interactive element: actions blocks' elements and section accessories."""
    found = [e for b in of_type(blocks, "actions") for e in b["elements"]]
    return found + [b["accessory"] for b in of_type(blocks, "section") if "accessory" in b]


def all_text(blocks: list[dict[str, Any]]) -> str:
    return "\n".join(texts(blocks))
