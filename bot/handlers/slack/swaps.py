"""Swap listeners: Accept, Decline and Withdraw buttons, and the swap modal.

Thin, like every listener: ``ack()`` first, then one call into :mod:`bot.commands.swap`
(which calls core), then render. A button carries the swap id in its value; the answer is
ephemeral (the counterpart's DM itself is updated through the outbox, in place). Withdraw
sits on the requester's private confirmation, which it replaces.

The modal (:attr:`~bot.commands.actions.View.SWAP`) opens from ``OPEN_SWAP`` buttons (App
Home; a value may prefill ``{"schedule": id, "from": iso, "to": iso}``) and from
``/oncall swap`` with no words (``deps.modals``, :mod:`bot.handlers.slack.opening`); without
a prefill it offers the person's next shift. A submission is checked before it is
acknowledged: a bad field, or core's refusal, is answered with ``response_action: errors`` on
that field and nothing is stored; else the modal closes and the person is told where they
typed the command, or in their DM with the app.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.commands import swap
from bot.commands.actions import SWAP_VERBS, Action, View
from bot.commands.replies import Reply
from bot.handlers.slack.deps import SlackDeps
from bot.handlers.slack.listeners import UNKNOWN_USER
from bot.handlers.slack.opening import ModalRequest, request_from_action
from bot.handlers.slack.render import reply_blocks, reply_text
from bot.handlers.slack.swap_modal import (
    COUNTERPART,
    decode_metadata,
    encode_metadata,
    field_errors,
    input_errors,
    read_submission,
    swap_view,
)
from core.config.model import Configuration
from core.oncall.swap_actions import next_shift_of

log = logging.getLogger("oncall.slack")
VERBS = SWAP_VERBS
NOT_A_PERSON = "That user is not a person in the on-call configuration."
UNKNOWN = UNKNOWN_USER.replace(" Nothing was changed.", "")


def _notice(text: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Swap a shift"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [{"type": "section", "text": {"type": "plain_text", "text": text}}],
    }


def _instant(value: object) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return moment if moment is not None and moment.tzinfo is not None else None


def register_swaps(bolt: AsyncApp, deps: SlackDeps) -> None:
    """The swap buttons, the modal's opener (also in ``deps.modals``) and its submission."""
    people = deps.people

    async def on_button(
        ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any
    ) -> None:
        await ack()
        user = str((body.get("user") or {}).get("id", ""))
        person = await people.person_of(user)
        if person is None:
            await respond(text=UNKNOWN_USER, response_type="ephemeral", replace_original=False)
            return
        verb = VERBS[Action(action["action_id"])]
        reply = await swap.decide(deps.context(user, person), str(action.get("value") or ""), verb)
        await respond(
            text=reply_text(reply),
            blocks=reply_blocks(reply),
            response_type="ephemeral",
            replace_original=verb == "cancel" and not reply.error,
        )

    for action_id in VERBS:
        bolt.action(action_id.value)(on_button)

    async def open_swap(request: ModalRequest) -> bool:
        async with deps.read_unit() as uow:
            config = await uow.config.load() or Configuration()
        actor = request.person_id
        if actor is None or config.person(actor) is None:
            view = _notice(UNKNOWN)
        else:
            prefill = request.prefill
            schedule = prefill.get("schedule") if isinstance(prefill.get("schedule"), str) else None
            start, end = _instant(prefill.get("from")), _instant(prefill.get("to"))
            if start is None or end is None:
                found = await next_shift_of(deps.read_unit(), actor, deps.clock.now(), schedule)
                if found is not None:
                    start, end, schedule = found.start, found.end, found.schedule_id
            meta: dict[str, str | None] = {"origin": request.origin}
            if request.origin == "command":
                meta |= {"channel": request.channel_id, "response_url": request.response_url}
            view = swap_view(
                schedules=[(s.id, s.name or s.id) for s in config.schedules],
                schedule=schedule,
                start=start,
                end=end,
                metadata=encode_metadata(meta),
            )
        try:
            await deps.client.views_open(trigger_id=request.trigger_id, view=view)
        except SlackApiError as exc:
            log.warning("views.open (swap) failed: %s", exc.response.get("error"))
            return False
        return True

    deps.modals[View.SWAP.value] = open_swap

    @bolt.action(Action.OPEN_SWAP.value)
    async def on_open(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        user = str((body.get("user") or {}).get("id", ""))
        await open_swap(request_from_action(body, await people.person_of(user)))

    async def tell(user: str, meta: dict[str, str], reply: Reply) -> None:
        """Where the command was typed, else the person's DM with the app."""
        text, blocks = reply_text(reply), reply_blocks(reply)
        url = meta.get("response_url")
        if url and meta.get("origin") == "command":
            try:
                await AsyncWebhookClient(url).send(
                    text=text, blocks=blocks, response_type="ephemeral", unfurl_links=False
                )
                return
            except Exception:  # an expired response_url: the DM still tells them
                log.warning("answering the swap modal through its response_url failed")
        try:
            await deps.client.chat_postMessage(channel=user, text=text, blocks=blocks)
        except SlackApiError as exc:
            log.warning(
                "telling %s of their swap request failed: %s", user, exc.response.get("error")
            )

    @bolt.view(View.SWAP.value)
    async def on_submit(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = str((body.get("user") or {}).get("id", ""))
        actor = await people.person_of(user)
        inputs = read_submission(view)
        errors: dict[str | None, str] = {}
        errors.update(input_errors(inputs, deps.clock.now()))
        counterpart = None
        if inputs.counterpart_user is not None:
            counterpart = await people.person_of(inputs.counterpart_user)
            if counterpart is None:
                errors[COUNTERPART] = NOT_A_PERSON
        if actor is None:
            errors = {None: UNKNOWN}  # only this: nothing else matters
        if errors or inputs.start is None or inputs.end is None:
            await ack(response_action="errors", errors=field_errors(view, errors))
            return
        meta = decode_metadata(view.get("private_metadata"))
        reply = await swap.ask(
            deps.context(user, actor, meta.get("channel") or None),
            counterpart=counterpart,
            give=(inputs.start, inputs.end),
            schedule_id=inputs.schedule,
            reason=inputs.reason,
        )
        if reply.error:
            field = reply.extra.get("field")
            await ack(response_action="errors", errors=field_errors(view, {field: reply.text}))
            return
        await ack()
        await tell(user, meta, reply)
