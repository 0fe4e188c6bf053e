"""The JSON we put in private_metadata and button values comes back through the safe decoder:
a value too deep for ``json.loads`` (RecursionError at about 1,000 levels, within Slack's 3,000
and 2,000 characters), NaN or a huge number counts as no metadata, like a forged one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.handlers.slack import config_views, modal_views, opening, swap_modal

DECODERS: list[tuple[str, Callable[[object], dict[str, Any]]]] = [
    ("modal_views", modal_views.decode_metadata),
    ("swap_modal", swap_modal.decode_metadata),
    ("config_views", config_views.decode_metadata),
    ("opening.prefill_of", opening.prefill_of),
]
HOSTILE = [
    "[" * 3000,
    '{"zone": ' + "[" * 1500 + "]" * 1500 + "}",
    '{"zone": NaN}',
    '{"zone": "x", "n": ' + "9" * 1900 + "}",
    '{"zone": "\\u0000"}',
]


@pytest.mark.parametrize(("name", "decode"), DECODERS, ids=[d[0] for d in DECODERS])
@pytest.mark.parametrize("text", HOSTILE, ids=["deep", "deep-value", "nan", "digits", "nul"])
def test_hostile_json_is_no_metadata(
    name: str, decode: Callable[[object], dict[str, Any]], text: str
) -> None:
    assert decode(text) == {}


def test_good_metadata_still_comes_back() -> None:
    assert modal_views.decode_metadata('{"zone": "Europe/Berlin"}') == {"zone": "Europe/Berlin"}
    assert swap_modal.decode_metadata(swap_modal.encode_metadata({"origin": "home"})) == {
        "origin": "home"
    }
    meta = config_views.encode_metadata("primary", "daily", "abc")
    assert config_views.decode_metadata(meta) == {
        "schedule": "primary",
        "layer": "daily",
        "digest": "abc",
    }
    assert opening.prefill_of('{"schedule": "weekend"}') == {"schedule": "weekend"}
