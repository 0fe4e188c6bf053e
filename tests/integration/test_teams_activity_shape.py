"""Activities with a valid token that the bot cannot act on are a 400 with nothing sent and
no traceback, not botbuilder's 501 or a failure inside the turn. Found by issue 13's
hostile-input fuzzing (tests/proof/test_hostile.py): ``{"type": "invoke"}`` answered 501 (a
5xx for the sender's mistake), and a message without ``conversation`` failed while replying
(a logged traceback, the user never told)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.integration.teams_harness import teams_bot


async def test_unusable_activities_are_400(
    engine: object, caplog: pytest.LogCaptureFixture
) -> None:
    async with teams_bot(engine) as bot:  # type: ignore[arg-type]
        cases: list[tuple[dict[str, Any], str]] = []
        for name in [None, "task/fetch", "composeExtension/query", "x" * 300]:
            activity = bot.personal("ann", "ignored") | {"type": "invoke"}
            activity.pop("text", None)
            if name is not None:
                activity["name"] = name
            cases.append((activity, "is not supported by this bot"))
        for conversation in [None, {}, {"id": 5}, "a:chat-ann"]:
            activity = bot.personal("ann", "who api")
            if conversation is None:
                activity.pop("conversation")
            else:
                activity["conversation"] = conversation
            cases.append((activity, "names no conversation"))
        with caplog.at_level(logging.DEBUG):
            for activity, fragment in cases:
                status, answer = await bot.post(activity)
                assert status == 400, (activity, answer)
                assert fragment in answer["error"]
        assert bot.connector.sent() == []
        assert "Traceback" not in caplog.text and not [r for r in caplog.records if r.exc_info]
        status, _ = await bot.post(bot.personal("ann", "who api"))
        assert status == 200  # still answering
