"""The review offer, modal and cards as Slack and Teams get them: valid for any incident text,
ids where the handlers look for them, forged metadata read as nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st
from slack_sdk.models.views import View as ViewModel

from bot.handlers.slack.review_views import incident_of, offer_blocks, review_view
from bot.handlers.teams.adaptive import fits
from bot.handlers.teams.review_card import review_card, saved_card
from core.reviews.form import MAX_CAUSE, MAX_SUMMARY
from core.reviews.ports import StoredReview

TEXT = st.text(max_size=400)
EARLIER = StoredReview(
    7, "s" * MAX_SUMMARY, "c" * MAX_CAUSE, tuple(["f" * 140] * 20), "ann",
    datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC), 3,
)  # fmt: skip


@settings(max_examples=50)
@given(title=TEXT, service=TEXT)
def test_any_incident_text_gives_a_valid_modal_and_cards(title: str, service: str) -> None:
    incident = {"id": 7, "title": title, "service_name": service}
    for earlier in (None, EARLIER):
        view = review_view(7, title, earlier)
        ViewModel(**view).validate_json()
        assert json.loads(view["private_metadata"]) == {"incident": 7}
    blocks = offer_blocks(incident)
    assert blocks[-1]["elements"][0]["value"] == "7"
    typed = {"summary": title, "cause": service, "follow_ups": title}
    card = review_card(incident, values=typed, errors={"summary": title}, problem=service)
    assert fits(card) and fits(saved_card(incident, "ann", True))
    (action,) = card["actions"]
    assert (action["verb"], action["data"]) == ("review.submit", {"incident": 7})


def test_prefilled_with_the_earlier_review() -> None:
    view = review_view(7, "Disk", EARLIER)
    fields = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert fields["summary"]["initial_value"] == EARLIER.summary
    assert fields["follow_ups"]["initial_value"].count("\n") == 19
    assert "replaces the review ann wrote" in json.dumps(view)


def test_forged_metadata_is_no_incident() -> None:
    for text in (None, "", "{", "[]", '{"incident": "7"}', '{"incident": true}',
                 '{"incident": 0}', '{"incident": -3}', "x" * 300):  # fmt: skip
        assert incident_of(text) is None
    assert incident_of('{"incident": 12}') == 12
