"""Read a signed Slack request body before Bolt does, so that a bad one is a 400, not a 500.

Bolt parses the body in ``AsyncBoltRequest`` with plain ``json.loads`` (the whole body when it
is JSON or starts with ``{``; the ``payload=`` form field of interactivity requests) and then
reads it as a dict: a body nested 100,000 levels deep raises ``RecursionError``, a list or
broken JSON raises ``AttributeError`` or ``JSONDecodeError``, each a 500 with a traceback.
:func:`slack_json` makes the same choice Bolt makes and decodes that JSON with
:func:`integrations.json_body.decode_json` (depth, UTF-8, NaN, number and string checks), so
what it accepts Bolt reads without failing.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from integrations.json_body import BadJSON, decode_json


def slack_json(body: bytes, content_type: str | None) -> dict[str, Any] | None:
    """The JSON object in ``body`` as Bolt will find it, or None when Bolt reads no JSON
    (an empty body, a slash command's form fields).

    Edge cases, mirroring Bolt's ``parse_body``: a JSON ``Content-Type`` (parameters such as
    ``charset`` ignored) or a body starting with ``{`` is JSON as a whole; otherwise a body in
    which the text ``payload`` appears is a form whose last ``payload`` field is JSON (no such
    field: None). :class:`BadJSON` when that JSON is refused or is not an object.
    """
    if not body:
        return None
    media = (content_type or "").split(";")[0].strip()
    if media == "application/json" or body.startswith(b"{"):
        return _object(decode_json(body))
    text = body.decode("utf-8", errors="replace")  # as the route hands it to Bolt
    if "payload" not in text:
        return None
    payload = dict(parse_qsl(text, keep_blank_values=True)).get("payload")
    if payload is None:
        return None
    return _object(decode_json(payload))


_KINDS = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "a boolean"}


def _object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadJSON(f"{_KINDS.get(type(value), 'null')} where a JSON object was expected")
    return value
