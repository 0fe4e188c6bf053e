"""The safe JSON decoder: every hostile body is one BadJSON with its reason, quickly."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest

from integrations.json_body import MAX_DEPTH, BadJSON, decode_json, nesting_depth

DEEP = 100_000

REFUSED = [
    # (what, input, fragment of the message)
    ("deep arrays", b"[" * DEEP + b"]" * DEEP, "nested deeper than 64 levels"),
    ("deep objects", b'{"a":' * DEEP + b"1" + b"}" * DEEP, "nested deeper than 64 levels"),
    ("deep and unclosed", b"[" * DEEP, "nested deeper than 64 levels"),
    ("deep in a str", "[" * DEEP, "nested deeper than 64 levels"),
    ("one level too deep", b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), "deeper than 64"),
    ("not UTF-8", b"\xff\xfe", "not UTF-8 (invalid start byte at byte 0)"),
    ("UTF-16", '{"a": 1}'.encode("utf-16"), "not UTF-8"),
    ("a lone continuation byte", b'{"a": "\x80"}', "not UTF-8"),
    ("a byte order mark", b"\xef\xbb\xbf{}", "BOM"),
    ("NaN", b'{"a": NaN}', "NaN is not a JSON number"),
    ("Infinity", b"[Infinity]", "Infinity is not a JSON number"),
    ("-Infinity", b"[-Infinity]", "-Infinity is not a JSON number"),
    ("a float that overflows", b"[1e999]", "too large"),
    ("a 5000-digit integer", b'{"n": ' + b"7" * 5000 + b"}", "a number of 5000 characters"),
    ("a 5000-digit float", b"[0." + b"1" * 5000 + b"]", "a number of 5002 characters"),
    ("NUL in a value", b'{"a": "x\\u0000"}', "\\u0000"),
    ("a lone surrogate in a key", b'{"\\ud800": 1}', "lone surrogate"),
    ("a low surrogate alone", b'["\\udc00"]', "lone surrogate"),
    ("syntax", b"{not json", "Expecting property name"),
    ("empty", b"", "Expecting value"),
    ("trailing data", b"{} {}", "Extra data"),
]


@pytest.mark.parametrize(("what", "data", "fragment"), REFUSED, ids=[r[0] for r in REFUSED])
def test_refused_with_its_reason(what: str, data: bytes | str, fragment: str) -> None:
    with pytest.raises(BadJSON) as caught:
        decode_json(data)
    assert fragment in str(caught.value)
    assert isinstance(caught.value, ValueError)  # existing ``except ValueError`` still catch it
    assert "\n" not in str(caught.value)


ACCEPTED: list[tuple[str, bytes | str, Any]] = [
    ("an object", b'{"a": [1, 2.5, true, null, "x"]}', {"a": [1, 2.5, True, None, "x"]}),
    ("brackets in strings", b'{"a": "[[[[{{{{\\"]]"}', {"a": '[[[[{{{{"]]'}),
    ("exactly the limit", b"[" * MAX_DEPTH + b"]" * MAX_DEPTH, json.loads("[" * 64 + "]" * 64)),
    ("a pair of surrogates", b'["\\ud83d\\ude00"]', ["\U0001f600"]),
    ("UTF-8 text", '{"who": "Zoë"}'.encode(), {"who": "Zoë"}),
    ("a str", '{"a": 1}', {"a": 1}),
    ("a scalar", b"42", 42),
    ("a long but short enough number", b"1" * 100, int("1" * 100)),
]


@pytest.mark.parametrize(("what", "data", "value"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_accepted(what: str, data: bytes | str, value: Any) -> None:
    assert decode_json(data) == value


def test_the_depth_is_measured_without_recursion() -> None:
    assert nesting_depth("[" * DEEP) == DEEP  # far beyond the interpreter's recursion limit
    assert sys.getrecursionlimit() < DEEP
    assert nesting_depth('{"a": [1, {"b": "]]]["}]}') == 3
    assert nesting_depth('"\\"[[["') == 0  # an escaped quote does not end the string
    assert nesting_depth("1") == nesting_depth("") == 0
    assert nesting_depth("]]]") == 0


def test_a_caller_may_ask_for_a_lower_limit() -> None:
    assert decode_json(b"[[1]]", max_depth=2) == [[1]]
    with pytest.raises(BadJSON, match="nested deeper than 1 levels"):
        decode_json(b"[[1]]", max_depth=1)
