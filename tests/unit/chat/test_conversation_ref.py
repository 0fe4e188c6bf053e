"""A Teams conversation reference refuses a thread's id and an unknown kind."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from core.chat.ports import ConversationRef


def ref(conversation_id: str, kind: str) -> ConversationRef:
    at = datetime(2026, 3, 2, tzinfo=UTC)
    reference: dict[str, Any] = {}
    return ConversationRef(
        conversation_id, kind, "https://s/", None, None, None, None, reference, True, at
    )


@pytest.mark.parametrize("kind", ["personal", "groupChat", "channel"])
def test_teams_kinds_are_taken(kind: str) -> None:
    assert ref("19:x@thread.tacv2", kind).kind == kind


def test_a_threads_id_is_refused() -> None:
    with pytest.raises(ValueError, match="thread"):
        ref("19:x@thread.tacv2;messageid=1712", "channel")


@pytest.mark.parametrize("kind", ["team", "Personal", ""])
def test_other_kinds_are_refused(kind: str) -> None:
    with pytest.raises(ValueError, match="kind"):
        ref("19:x@thread.tacv2", kind)
