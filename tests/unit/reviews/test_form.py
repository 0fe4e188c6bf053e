"""Reading a review form: every bad field at once, caps refused (never cut), follow-ups as lines."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.reviews.form import (
    MAX_CAUSE,
    MAX_FOLLOW_UP,
    MAX_FOLLOW_UPS,
    MAX_SUMMARY,
    ReviewInvalid,
    read_review,
)
from core.reviews.ports import ReviewFields


def test_fields_are_trimmed_and_follow_ups_are_lines_without_bullets() -> None:
    fields = read_review(
        {
            "summary": "  Disk filled up \r\n",
            "cause": "log rotation off\x07",
            "follow_ups": "- turn rotation on\n\n* alert at 80%\r\n2. runbook\n   \n",
        }
    )
    assert fields == ReviewFields(
        "Disk filled up", "log rotation off", ("turn rotation on", "alert at 80%", "runbook")
    )


def test_cause_and_follow_ups_may_be_empty() -> None:
    assert read_review({"summary": "ok", "cause": "  ", "follow_ups": None}) == ReviewFields("ok")


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        ({}, {"summary"}),  # required
        ({"summary": "   \n"}, {"summary"}),  # only whitespace
        ({"summary": 12}, {"summary"}),  # not a string: empty
        ({"summary": "x" * (MAX_SUMMARY + 1)}, {"summary"}),
        ({"summary": "ok", "cause": "c" * (MAX_CAUSE + 1)}, {"cause"}),
        ({"summary": "ok", "follow_ups": "\n".join(["a"] * (MAX_FOLLOW_UPS + 1))}, {"follow_ups"}),
        ({"summary": "ok", "follow_ups": "f" * (MAX_FOLLOW_UP + 1)}, {"follow_ups"}),
        ({"summary": "", "cause": "c" * (MAX_CAUSE + 1)}, {"summary", "cause"}),  # all at once
    ],
)
def test_bad_fields_are_named(values: dict[str, object], errors: set[str]) -> None:
    with pytest.raises(ReviewInvalid) as caught:
        read_review(values)
    assert set(caught.value.errors) == errors
    assert all(caught.value.errors.values())


def test_exactly_at_the_caps_is_accepted() -> None:
    fields = read_review(
        {
            "summary": "s" * MAX_SUMMARY,
            "cause": "c" * MAX_CAUSE,
            "follow_ups": "\n".join(["f" * 100] * MAX_FOLLOW_UPS),
        }
    )
    assert len(fields.summary) == MAX_SUMMARY and len(fields.follow_ups) == MAX_FOLLOW_UPS


@given(st.dictionaries(st.sampled_from(["summary", "cause", "follow_ups"]), st.text()))
def test_any_text_is_read_or_refused_with_named_fields(values: dict[str, str]) -> None:
    try:
        fields = read_review(values)
    except ReviewInvalid as exc:
        assert set(exc.errors) <= {"summary", "cause", "follow_ups"} and exc.errors
    else:
        assert fields.summary and len(fields.summary) <= MAX_SUMMARY
        assert all(item and "\n" not in item for item in fields.follow_ups)
