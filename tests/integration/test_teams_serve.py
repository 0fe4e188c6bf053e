"""``oncall serve`` with Teams on, pointed at the fake identity provider and the fake connector
(issue 10's "done when"): ``who payments`` in a personal chat is answered, an Alertmanager
delivery pages the on-call person in that chat with a card, Acknowledge on the card
acknowledges and the card is updated in place. Real tokens both ways; the worker process
sends the page proactively."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.commands.actions import Action
from tests.fake_identity import FakeIdentity
from tests.fake_teams import FakeConnector
from tests.integration.test_escalation_durability import (
    am_payload,
    assert_no_traceback,
    post,
    start_server,
    stop_server,
)
from tests.support import postgres_only_in_proof
from tests.teams_activities import card_action, installation_update, personal_message, post_activity

CHAT = "a:chat-alice"


def write_config(folder: Path) -> Path:
    path = folder / "oncall.yaml"
    path.write_text(
        """version: 1
people:
  - {id: alice, name: Alice, teams: aad-alice}
  - {id: bob, name: Bob, email: bob@example.com}
teams:
  - {id: payments, managers: [alice], teams_channel: "19:payments@thread.tacv2"}
schedules:
  - id: payments
    team: payments
    layers:
      - {id: weekly, members: [alice], rotation: weekly, start: "2026-01-05 09:00"}
escalation_policies:
  - id: payments
    tiers:
      - {targets: [schedule:payments], escalate_after: 1h}
services:
  - {id: payments, name: Payments, team: payments, escalation_policy: payments,
     match: {service: shop}}
"""
    )
    return path


# PostgreSQL in make proof only (~5 s): who, the proactive page and the card's
# acknowledgement are covered on PostgreSQL by test_teams_bot.py and test_teams_commands.py
# (engine fixture), and `oncall serve` on PostgreSQL by test_serve.py.
@postgres_only_in_proof()
async def test_serve_answers_pages_and_acknowledges_in_teams(
    database_url: str, tmp_path: Path
) -> None:
    config = write_config(tmp_path)
    with FakeIdentity() as identity, FakeConnector(identity) as connector:
        url = connector.url
        server = start_server(database_url, config, tmp_path, "teams", extra_env=identity.env())
        try:
            endpoint = f"{server.base}/api/messages"

            async def send(activity: dict[str, Any]) -> tuple[int, Any]:
                return await post_activity(endpoint, activity, identity.token(service_url=url))

            user = {"user_id": "29:alice", "aad_object_id": "aad-alice", "service_url": url}
            installed = installation_update("add", "personal", conversation_id=CHAT, **user)
            assert (await send(installed))[0] == 200
            status, _ = await send(personal_message("who payments", conversation_id=CHAT, **user))
            assert status == 200
            (answer,) = connector.sent(CHAT)
            assert "Alice" in json.dumps(answer.body)

            assert post(server.base, am_payload("DiskFull"))[0] == 202
            await connector.wait_for(lambda records: len(connector.sent(CHAT)) >= 2, timeout=30)
            page = connector.sent(CHAT)[1].body or {}
            card = page["attachments"][0]["content"]
            assert "DiskFull" in json.dumps(card)
            assert Action.ACKNOWLEDGE.value in json.dumps(card)

            click = card_action(
                Action.ACKNOWLEDGE.value, {"incident": 1}, conversation_id=CHAT, **user
            )
            status, invoke = await send(click)
            assert status == 200
            assert invoke["type"] == "application/vnd.microsoft.card.adaptive"
            await connector.wait_for(lambda records: len(connector.updates(CHAT)) >= 1, timeout=30)
            assert "cknowledged" in json.dumps(connector.updates(CHAT)[-1].body)
            assert len(connector.sent(CHAT)) == 2  # updated in place, not posted again
            assert all(r.authorized for r in connector.records)
            assert identity.app_password not in server.stderr()
            assert_no_traceback(server)
        finally:
            stop_server(server)
