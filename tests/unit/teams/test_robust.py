"""No payload makes a Teams renderer raise: missing keys, wrong types, hostile text (hypothesis)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.commands.actions import Action
from bot.commands.replies import Button, Fact, Link, Reply, Section
from bot.handlers.teams.adaptive import escape
from bot.handlers.teams.cards import incident_card, incident_text
from bot.handlers.teams.messages import (
    gap_card,
    handover_card,
    swap_decided_text,
    swap_request_card,
)
from bot.handlers.teams.render import reply_card, reply_text
from tests.unit.slack.snapshots import snapshot
from tests.unit.teams.cardjson import assert_valid, shown

TEXT = st.text(alphabet=st.sampled_from("ab *_[]()<>{}\\`~#-+.1\n🔥"), max_size=30) | st.sampled_from(
    ["2024-05-01T10:00:00+00:00", "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00",
     "29:dana", "https://ok.example/x", "javascript:x", "Europe/Berlin", "Not/AZone", ""]
)  # fmt: skip
SCALARS = st.none() | st.booleans() | st.integers(-5, 10**6) | st.floats(allow_nan=True) | TEXT
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
CARD_KEYS = [*snapshot(), "teams_users", "url"]
PAYLOAD_KEYS = [
    "schedule", "schedule_name", "team", "team_name", "at", "outgoing", "incoming", "people",
    "late", "outgoing_since", "incoming_until", "incoming_timezone", "during_shift",
    "still_open", "on_call_now", "manager", "horizon_end", "gaps", "swap", "status",
    "requester", "counterpart", "from", "to", "take_from", "take_to", "reason", "audience",
    "schedule_timezone",
]  # fmt: skip
PERSON = st.fixed_dictionaries(
    {}, optional={"id": TEXT, "name": TEXT, "teams": TEXT, "timezone": TEXT}
)
GAP = st.fixed_dictionaries(
    {},
    optional={k: SCALARS for k in ("change", "service", "service_name", "schedule", "from", "to",
                                    "was_from", "was_to")},
)  # fmt: skip


def mixed(keys: list[str], base: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """The base with some keys replaced by anything and some removed."""
    return st.tuples(
        st.dictionaries(st.sampled_from(keys), VALUES, max_size=8),
        st.sets(st.sampled_from(keys), max_size=5),
    ).map(lambda t: {k: v for k, v in {**base, **t[0]}.items() if k not in t[1]})


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(mixed(CARD_KEYS, snapshot()))
def test_incident_card_never_raises(card: dict[str, Any]) -> None:
    assert_valid(incident_card(card))
    assert "\n" not in incident_text(card)


@FUZZ
@given(VALUES)
def test_incident_card_of_anything(card: Any) -> None:
    assert_valid(incident_card(card))
    incident_text(card)


@FUZZ
@given(
    mixed(PAYLOAD_KEYS, {"people": [], "gaps": []}),
    st.lists(PERSON, max_size=3),
    st.lists(GAP, max_size=4),
    st.sampled_from(["channel", "incoming", "outgoing", "other"]),
)
def test_messages_never_raise(
    payload: dict[str, Any], people: list[Any], gaps: list[Any], role: str
) -> None:
    for shaped in (payload, {**payload, "people": people, "gaps": gaps, "manager": people[:1]}):
        assert_valid(handover_card(shaped, role))
        assert_valid(gap_card(shaped))
        assert_valid(swap_request_card(shaped))
        assert isinstance(swap_decided_text(shaped), str)


STRINGS = st.text(max_size=40)
SECTIONS = st.builds(
    Section,
    title=st.none() | STRINGS,
    lines=st.lists(STRINGS, max_size=3).map(tuple),
    facts=st.lists(st.builds(Fact, STRINGS, STRINGS), max_size=3).map(tuple),
    links=st.lists(st.builds(Link, STRINGS, TEXT), max_size=2).map(tuple),
)
BUTTONS = st.builds(
    Button, st.sampled_from(list(Action)), STRINGS, STRINGS, st.sampled_from([None, "primary", "x"])
)


@FUZZ
@given(
    st.builds(
        Reply,
        text=STRINGS,
        sections=st.lists(SECTIONS, max_size=4).map(tuple),
        buttons=st.lists(BUTTONS, max_size=8).map(tuple),
        incident=st.none() | mixed(CARD_KEYS, snapshot()),
        error=st.booleans(),
    )
)
def test_replies_never_raise(reply: Reply) -> None:
    card = reply_card(reply)
    if card is not None:
        assert_valid(card)
    assert "\n" not in reply_text(reply)


@given(st.text(max_size=60))
def test_escaped_text_reads_as_written(text: str) -> None:
    def plain(x: str) -> str:  # zero-width spaces are invisible: ours break {{ and }}
        return x.replace("\n", "").replace("\u200b", "")

    assert plain(shown(escape(text))) == plain(text)
