"""Pages and incident cards in Slack, and the buttons on them, against the fake Slack."""

from __future__ import annotations

import asyncio
import json
import time

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.commands.actions import Action, snooze_value
from core.incidents.ports import ClaimedMessage
from scheduling.outbox import Delivered
from tests.integration.slack_harness import alert, blocks_json, slack_bot
from tests.slack_requests import block_actions_body


def card_posts(bot, channel: str) -> list:  # type: ignore[no-untyped-def]
    return [
        c
        for c in bot.slack.calls("chat.postMessage")
        if c.ok and c.params.get("channel") == channel and "thread_ts" not in c.params
    ]


async def test_a_page_dms_the_on_call_person_and_posts_the_card_to_the_team_channel(
    engine: AsyncEngine,
) -> None:
    async with slack_bot(engine) as bot:
        incident_id = await bot.ingest(alert())
        await bot.deliver()
        dm = bot.slack.dm_channel("U0ANN")
        assert [c.params["users"] for c in bot.slack.calls("conversations.open")] == ["U0ANN"]
        assert len(card_posts(bot, dm)) == 1
        assert len(card_posts(bot, "C0OPS")) == 1
        card = blocks_json(card_posts(bot, "C0OPS")[0])
        assert "High error rate g1" in card
        assert f'"value": "{incident_id}"' in card or f'"value":"{incident_id}"' in card
        assert Action.ACKNOWLEDGE.value in card
        assert all(c.token == "xoxb-test-token" for c in bot.slack.received)
        assert all(m.status == "sent" for m in await bot.outbox() if m.destination == "chat")


async def test_acknowledge_on_the_card_acknowledges_and_every_copy_changes_in_place(
    engine: AsyncEngine,
) -> None:
    async with slack_bot(engine) as bot:
        incident_id = await bot.ingest(alert())
        await bot.deliver()
        posted = {
            (c.answer["channel"], c.answer["ts"])
            for c in bot.slack.calls("chat.postMessage")
            if c.ok
        }
        answer = await bot.click(Action.ACKNOWLEDGE.value, str(incident_id))
        assert "You acknowledged #1" in answer["text"]
        assert answer.get("response_type") == "ephemeral"
        assert (await bot.incident(incident_id)).status == "acknowledged"
        assert (await bot.incident(incident_id)).acknowledged_by == "ann"
        before = len(card_posts(bot, "C0OPS"))
        await bot.deliver()
        updates = bot.slack.calls("chat.update")
        assert {(c.params["channel"], c.params["ts"]) for c in updates} == posted
        assert all(Action.ACKNOWLEDGE.value not in blocks_json(c) for c in updates)
        assert all("Acknowledged" in blocks_json(c) for c in updates)
        assert len(card_posts(bot, "C0OPS")) == before  # updated, never posted again
        thread = [c for c in bot.slack.calls("chat.postMessage") if "thread_ts" in c.params]
        assert [c.params["text"] for c in thread] == ["Acknowledged by Ann."]


async def test_two_clicks_at_once_give_one_acknowledgement_and_an_answer_each(
    engine: AsyncEngine,
) -> None:
    async with slack_bot(engine) as bot:
        incident_id = await bot.ingest(alert())
        first, second = await asyncio.gather(
            bot.click(Action.ACKNOWLEDGE.value, str(incident_id), "U0ANN", name="a"),
            bot.click(Action.ACKNOWLEDGE.value, str(incident_id), "U0DAN", name="b"),
        )
        texts = sorted([first["text"], second["text"]])
        assert sum("You acknowledged" in t for t in texts) == 1
        assert sum("was acknowledged already by" in t for t in texts) == 1
        events = [m for m in await bot.outbox() if m.kind == "incident.acknowledged"]
        assert len(events) == 1


async def test_a_click_on_a_resolved_incident_is_refused_and_changes_nothing(
    engine: AsyncEngine,
) -> None:
    async with slack_bot(engine) as bot:
        incident_id = await bot.ingest(alert())
        await bot.click(Action.RESOLVE.value, str(incident_id), "U0DAN")
        resolved = await bot.incident(incident_id)
        answer = await bot.click(Action.ACKNOWLEDGE.value, str(incident_id))
        assert "is resolved already (by Dan)" in answer["text"]
        assert await bot.incident(incident_id) == resolved


async def test_escalate_and_snooze_buttons(engine: AsyncEngine) -> None:
    async with slack_bot(engine) as bot:
        incident_id = await bot.ingest(alert())
        answer = await bot.click(Action.ESCALATE.value, str(incident_id))
        assert "escalated to tier 2" in answer["text"]
        assert (await bot.incident(incident_id)).tier == 1
        answer = await bot.click(
            Action.SNOOZE.value, snooze_value(incident_id, 1800), kind="static_select"
        )
        assert "You snoozed #1" in answer["text"]
        row = await bot.incident(incident_id)
        assert row.status == "acknowledged"
        assert row.snoozed_until is not None


async def test_a_forged_button_value_and_an_unknown_incident_are_answered_politely(
    engine: AsyncEngine,
) -> None:
    async with slack_bot(engine) as bot:
        await bot.ingest(alert())
        answer = await bot.click(Action.ACKNOWLEDGE.value, "1; DROP TABLE incidents")
        assert "not one of mine" in answer["text"]
        answer = await bot.click(Action.ACKNOWLEDGE.value, "999")
        assert "There is no incident #999" in answer["text"]
        assert (await bot.incident(1)).status == "triggered"


async def test_an_unmapped_slack_user_is_told_and_changes_nothing(engine: AsyncEngine) -> None:
    async with slack_bot(engine) as bot:
        incident_id = await bot.ingest(alert())
        answer = await bot.click(Action.ACKNOWLEDGE.value, str(incident_id), "U0STRANGER")
        assert "I don't know who you are" in answer["text"]
        assert (await bot.incident(incident_id)).status == "triggered"


async def test_a_slack_user_found_by_email_is_remembered(engine: AsyncEngine) -> None:
    async with slack_bot(engine) as bot:
        incident_id = await bot.ingest(alert())
        answer = await bot.click(Action.ACKNOWLEDGE.value, str(incident_id), "U0CAT")
        assert "You acknowledged" in answer["text"]
        assert (await bot.incident(incident_id)).acknowledged_by == "cat"
        infos = len(bot.slack.calls("users.info"))
        await bot.click(Action.RESOLVE.value, str(incident_id), "U0CAT")
        assert len(bot.slack.calls("users.info")) == infos  # remembered, not asked again


async def test_a_person_without_a_slack_id_is_found_by_email_once(engine: AsyncEngine) -> None:
    async with slack_bot(engine) as bot:
        bot.clock.advance(days=1)  # bob's turn in primary
        await bot.ingest(alert("g1"))
        await bot.ingest(alert("g2", labels={"service": "api", "severity": "critical", "x": "2"}))
        await bot.deliver()
        lookups = bot.slack.calls("users.lookupByEmail")
        assert [c.params["email"] for c in lookups] == ["bob@example.com"]
        assert len(card_posts(bot, bot.slack.dm_channel("U0BOB"))) == 2


async def test_bad_signatures_and_old_timestamps_get_401_and_change_nothing(
    engine: AsyncEngine,
) -> None:
    async with slack_bot(engine) as bot:
        incident_id = await bot.ingest(alert())
        body = block_actions_body(
            Action.ACKNOWLEDGE.value,
            str(incident_id),
            "U0ANN",
            channel_id="C0OPS",
            message_ts="1.0",
            response_url=bot.slack.response_url("x"),
        )
        assert (await bot.post(body, secret="wrong-secret")).status == 401
        six_minutes_ago = int(time.time()) - 6 * 60
        assert (await bot.post(body, timestamp=six_minutes_ago)).status == 401
        assert (await bot.post(body, headers={"X-Slack-Signature": "v0=00"})).status == 401
        await asyncio.sleep(0.2)
        assert bot.slack.responses.get("x", []) == []
        assert (await bot.incident(incident_id)).status == "triggered"
        assert not [c for c in bot.slack.received if c.method != "auth.test"]


async def test_labels_that_would_ping_a_channel_are_escaped(engine: AsyncEngine) -> None:
    labels = {"service": "api", "severity": "critical", "team": "<!channel> <!here> <@U0DAN>"}
    async with slack_bot(engine) as bot:
        await bot.ingest(alert(labels=labels, title="Disk full <!channel>"))
        await bot.deliver()
        for call in bot.slack.calls("chat.postMessage"):
            text = json.dumps(call.params)
            assert "<!channel>" not in text and "<!here>" not in text
            assert "&lt;!channel&gt;" in text
            assert "<@U0DAN>" not in text


async def test_slack_errors_retry_or_fail_the_message_never_loop(engine: AsyncEngine) -> None:
    async with slack_bot(engine) as bot:
        bot.slack.fail_next("chat.postMessage", "429", retry_after=7)
        await bot.ingest(alert())
        await bot.sender.run_once(bot.clock.now())
        # The DM and the channel card go at once: whichever posted first got the 429.
        retried = [m for m in await bot.pending() if m.last_error]
        assert len(retried) == 1 and "429" in retried[0].last_error
        wait = (retried[0].next_attempt_at - bot.clock.now()).total_seconds()
        assert wait >= 7
        bot.clock.advance(seconds=8)
        await bot.deliver()
        assert len(card_posts(bot, bot.slack.dm_channel("U0ANN"))) == 1
        assert len(card_posts(bot, "C0OPS")) == 1

        bot.slack.fail_next("chat.postMessage", "channel_not_found")
        await bot.ingest(alert("g2", labels={"service": "site", "severity": "critical"}))
        await bot.deliver()
        failed = [m for m in await bot.outbox() if m.status == "failed"]
        (refused,) = failed  # the first post of g2 (cat's DM or the channel card: they go at once)
        assert refused.kind in ("page", "incident.triggered")
        assert refused.attempts == 1  # failed at once, not retried
        assert "channel_not_found" in refused.last_error
        other = bot.slack.dm_channel("U0CAT") if refused.kind != "page" else "C0WEB"
        assert len(card_posts(bot, other)) == 1  # the other one went out all the same
        assert not await bot.pending()


async def test_acknowledge_from_a_digest_menu(engine: AsyncEngine) -> None:
    async with slack_bot(engine) as bot:
        incident_id = await bot.ingest(alert())
        answer = await bot.click(Action.ACKNOWLEDGE.value, str(incident_id), kind="static_select")
        assert "You acknowledged" in answer["text"]
        assert (await bot.incident(incident_id)).status == "acknowledged"


async def test_an_event_retry_is_answered_and_dropped(engine: AsyncEngine) -> None:
    from tests.slack_requests import app_home_opened_event, event_body

    async with slack_bot(engine) as bot:
        body = event_body(app_home_opened_event("U0ANN"), event_id="Ev0RETRY")
        assert (await bot.post(body)).status == 200
        again = await bot.post(
            body, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
        )
        assert again.status == 200
        await bot.slack.wait_for("views.publish", timeout=5)
        await asyncio.sleep(0.3)
        (home,) = bot.slack.calls("views.publish")  # once: the retry was dropped
        assert home.params["user_id"] == "U0ANN"
        assert "On call now" in json.dumps(home.params["view"])
        other = event_body({"type": "reaction_added", "user": "U0ANN"}, event_id="Ev0OTHER")
        assert (await bot.post(other)).status == 200  # unhandled events are acknowledged too


async def test_updates_that_queued_up_cost_one_chat_update_per_copy(engine: AsyncEngine) -> None:
    async with slack_bot(engine) as bot:
        incident_id = await bot.ingest(alert())
        await bot.deliver()
        await bot.click(Action.ACKNOWLEDGE.value, str(incident_id))
        await bot.click(Action.SNOOZE.value, snooze_value(incident_id, 3600), kind="static_select")
        await bot.click(Action.RESOLVE.value, str(incident_id))
        await bot.deliver()
        updates = bot.slack.calls("chat.update")
        assert len(updates) == 2  # the DM and the channel card, once each, at the latest state
        assert all("Resolved" in blocks_json(c) for c in updates)
        assert all(Action.ACKNOWLEDGE.value not in blocks_json(c) for c in updates)
        thread = [
            c.params["text"] for c in bot.slack.calls("chat.postMessage") if "thread_ts" in c.params
        ]
        assert thread == ["Acknowledged by Ann.", "Snoozed by Ann.", "Resolved by Ann."]


async def test_a_page_to_someone_slack_cannot_reach_fails_and_says_why(engine: AsyncEngine) -> None:
    async with slack_bot(engine) as bot:
        bot.slack.users_by_email.clear()  # bob's email is no Slack user
        bot.clock.advance(days=1)  # bob's turn
        await bot.ingest(alert())
        await bot.deliver()
        (page,) = [m for m in await bot.outbox() if m.kind == "page"]
        assert page.status == "failed" and page.attempts == 1
        assert "bob has no Slack id" in page.last_error
        assert len(card_posts(bot, "C0OPS")) == 1


async def test_invalid_auth_fails_messages_at_once(engine: AsyncEngine) -> None:
    async with slack_bot(engine) as bot:
        bot.slack.fail_next("conversations.open", "invalid_auth")
        await bot.ingest(alert())
        await bot.deliver()
        (page,) = [m for m in await bot.outbox() if m.kind == "page"]
        assert (page.status, page.attempts) == ("failed", 1)
        assert "invalid_auth" in page.last_error


def top_level(bot, channel: str) -> list:  # type: ignore[no-untyped-def]
    """What the person sees in ``channel``: the messages Slack holds there, threads aside."""
    return [
        m
        for (c, ts), m in bot.slack.messages.items()
        if c == channel and m.get("thread_ts") in (None, ts)
    ]


async def test_a_post_slack_accepted_whose_answer_was_lost_is_not_posted_again(
    engine: AsyncEngine,
) -> None:
    """The first chat.postMessage is carried out but its answer never comes (a process killed
    after Slack accepted it looks the same to Slack): the retry finds the post by the outbox
    key in its metadata and records it instead of posting it again."""
    async with slack_bot(engine, hang_seconds=0.2) as bot:
        bot.slack.fail_next("chat.postMessage", "lost")
        await bot.ingest(alert())
        await bot.deliver()
        dm = bot.slack.dm_channel("U0ANN")
        assert len(top_level(bot, dm)) == 1 and len(top_level(bot, "C0OPS")) == 1
        (lost,) = [c for c in bot.slack.calls("chat.postMessage") if c.status == 0]
        retried = [m for m in await bot.outbox() if m.attempts > 1]
        assert [m.status for m in retried] == ["sent"]
        assert lost.params["metadata"]["event_payload"]["outbox_key"] == retried[0].key
        (looked,) = bot.slack.calls("conversations.history")
        assert looked.params["channel"] == lost.params["channel"]
        # The copy was recorded with the ts of the post found: a change updates it in place.
        await bot.click(Action.ACKNOWLEDGE.value, "1", "U0ANN")
        await bot.deliver()
        updated = {(c.params["channel"], c.params["ts"]) for c in bot.slack.calls("chat.update")}
        assert (lost.params["channel"], top_level(bot, lost.params["channel"])[0]["ts"]) in updated


async def test_a_page_recorded_but_not_marked_sent_is_not_replied_to_on_its_retry(
    engine: AsyncEngine,
) -> None:
    """A process killed after the DM card was posted and its copy recorded, before the outbox
    row was marked sent: the retry finds the copy, and in its thread (the card itself) the
    page's key, so the person gets no "You are paged" reply for a page they already have."""
    async with slack_bot(engine) as bot:
        await bot.ingest(alert())
        await bot.deliver()
        (row,) = [m for m in await bot.outbox() if m.kind == "page"]
        again = ClaimedMessage(
            row.id, row.key, row.destination, row.kind, row.payload, 2, row.incident_id
        )
        before = len(bot.slack.calls("chat.postMessage"))
        assert isinstance(await bot.sender.destinations["chat"].deliver(again), Delivered)
        assert len(bot.slack.calls("chat.postMessage")) == before  # no reply, no new card
        (looked,) = bot.slack.calls("conversations.replies")
        assert looked.params["channel"] == bot.slack.dm_channel("U0ANN")
        first = ClaimedMessage(
            row.id, row.key, row.destination, row.kind, row.payload, 1, row.incident_id
        )
        await bot.sender.destinations["chat"].deliver(first)  # not a retry: paged again
        assert len(bot.slack.calls("chat.postMessage")) == before + 1
