"""Decode JSON that came from outside, refusing what would crash or poison what reads it.

``json.loads`` alone is not safe on a hostile body: JSON nested 100,000 levels deep raises
``RecursionError`` (a 500 and a traceback), ``NaN`` and ``1e999`` are accepted as floats that no
database's JSON type stores, a 5,000-digit integer raises a bare ``ValueError`` (or, where the
interpreter's digit limit is off, costs quadratic time), and ``"\\u0000"`` or a lone surrogate
(``"\\ud800"``) decodes fine but makes PostgreSQL's ``jsonb`` refuse the row, which an
endpoint would answer 503 and the sender retry forever.

:func:`decode_json` refuses all of these with one exception, :class:`BadJSON` (a
``ValueError``, so an existing ``except ValueError`` keeps working), whose message says what
was wrong and is fit to show the sender. Every decoder of outside input uses it: the alert
endpoints (``integrations.alerts.endpoints``), the Slack request bodies and the JSON we put
into Slack's ``private_metadata`` and button values (``bot.handlers.slack``), and whatever
comes next (the heartbeat endpoint, the Teams activity handler): call ``decode_json(body)``
and answer ``400`` with ``str(exc)`` on :class:`BadJSON`.

:func:`read_body` is how those endpoints read the body in the first place: within
:data:`BODY_READ_SECONDS`, so a client that sends its headers and then a byte a second (or
nothing) is answered ``408`` instead of holding a connection and a handler open for as long
as it likes.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
from itertools import accumulate
from typing import Any

from aiohttp import web

MAX_DEPTH = 64
"""Arrays and objects nested deeper than this are refused (no body we read needs ten)."""
MAX_NUMBER_CHARS = 100
"""A number literal longer than this is refused (the longest a sender means is ~25)."""

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


BODY_READ_SECONDS = 10.0
"""How long a request's whole body may take to arrive (1 MiB, the size cap, at 100 KB/s)."""


async def read_body(request: web.Request, within: float | None = None) -> bytes:
    """The whole body of ``request``, read within ``within`` seconds (default
    :data:`BODY_READ_SECONDS`, looked up at call time).

    Raises ``web.HTTPRequestTimeout`` (408, a JSON ``{"error": ...}``, ``Connection: close``)
    when the body has not all arrived by then; aiohttp's own errors (413 over the size cap)
    pass through unchanged. The connection is not kept alive after a 408: aiohttp reads and
    drops what the client still sends for at most its lingering time (10 s), then closes.
    """
    seconds = BODY_READ_SECONDS if within is None else within
    try:
        async with asyncio.timeout(seconds):
            return await request.read()
    except TimeoutError:
        raise web.HTTPRequestTimeout(
            text=json.dumps({"error": f"the body did not arrive within {seconds:g} s"}),
            content_type="application/json",
            headers={"Connection": "close"},
        ) from None


class BadJSON(ValueError):
    """The input is not JSON we accept; ``str()`` is one line saying why."""


def nesting_depth(text: str) -> int:
    """How deep arrays and objects nest in ``text``, without parsing it (and without
    recursion): brackets inside string literals do not count, escaped quotes are handled.

    Edge cases: text that is not JSON still gets a number (an unterminated string's brackets
    count, stray closing brackets lower the count); ``0`` for a scalar or empty text.
    """
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    if not brackets:
        return 0
    return max(max(accumulate(map(_STEP.__getitem__, brackets))), 0)


def decode_json(data: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """The value ``data`` holds; :class:`BadJSON` for anything but storable JSON.

    Refused, each with a one-line reason:

    - bytes that are not strict UTF-8 (no UTF-16 or UTF-32 guessing as ``json.loads`` does
      with bytes), and a leading byte order mark;
    - nesting deeper than ``max_depth`` (checked by :func:`nesting_depth` before parsing, so
      no depth can exhaust the stack);
    - ``NaN``, ``Infinity`` and ``-Infinity``, and floats that overflow to infinity (``1e999``);
    - number literals longer than :data:`MAX_NUMBER_CHARS` (whatever the interpreter's
      integer digit limit is);
    - strings (values or keys) holding ``\\u0000`` or a lone surrogate such as ``\\ud800``;
    - anything ``json.loads`` refuses (a syntax error, trailing data, empty input).

    A duplicate key keeps its last value, as ``json.loads`` does. Any JSON value is returned,
    not only objects: callers check the type they need.
    """
    if isinstance(data, bytes | bytearray):
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadJSON(f"not UTF-8 ({exc.reason} at byte {exc.start})") from None
    else:
        text = data
    depth = nesting_depth(text)
    if depth > max_depth:
        raise BadJSON(f"nested deeper than {max_depth} levels")
    try:
        value = json.loads(text, parse_constant=_constant, parse_int=_integer, parse_float=_float)
    except BadJSON:
        raise
    except json.JSONDecodeError as exc:
        raise BadJSON(str(exc)) from None
    except (ValueError, RecursionError) as exc:  # a safety net: the checks above come first
        raise BadJSON(f"cannot be read: {type(exc).__name__}") from None
    _check_strings(value)
    return value


def _constant(name: str) -> Any:
    raise BadJSON(f"{name} is not a JSON number")


def _integer(literal: str) -> int:
    _check_length(literal)
    return int(literal)


def _float(literal: str) -> float:
    _check_length(literal)
    value = float(literal)
    if not math.isfinite(value):
        raise BadJSON(f"the number {literal} is too large")
    return value


def _check_length(literal: str) -> None:
    if len(literal) > MAX_NUMBER_CHARS:
        raise BadJSON(
            f"a number of {len(literal)} characters (at most {MAX_NUMBER_CHARS} are read)"
        )


def _check_strings(value: Any) -> None:
    """Refuse NUL and lone surrogates anywhere; iterative, the depth is bounded anyway."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _UNSTORABLE.search(item):
                raise BadJSON(r"a string holds \u0000 or a lone surrogate (\ud800-\udfff)")
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
