"""The time off and override modals: opened, submitted, answered.

Opened by ``/oncall timeoff`` or ``/oncall override`` with no words (the command's reply asks
for the form, :mod:`bot.handlers.slack.opening`) and by the buttons
:attr:`~bot.commands.actions.Action.OPEN_TIME_OFF` and ``OPEN_OVERRIDE`` (App Home, gap
warnings; an override button's value may prefill ``{"schedule": id, "from": iso, "to":
iso}``). ``private_metadata`` keeps the zone the pickers showed, where the modal came from
and, for a command, its channel and response_url.

A submission is checked by :mod:`bot.commands.forms` (rights through
:mod:`core.chat.rights`) before it is acknowledged: Slack shows the ``errors`` under each
field and nothing is stored; on success the modal closes and the person is told what was
stored and who covers (where the command was typed, else in their DM with the app), and a
Home tab it came from is refreshed.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta, tzinfo
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.commands import forms
from bot.commands.actions import Action, View
from bot.commands.context import zone_of
from bot.commands.replies import Reply
from bot.handlers.slack.deps import SlackDeps
from bot.handlers.slack.home import publish_home
from bot.handlers.slack.modal_views import (
    decode_metadata,
    encode_metadata,
    errors_for,
    notice_view,
    override_view,
    prefill_window,
    submitted,
    time_off_view,
)
from bot.handlers.slack.opening import ModalRequest, request_from_action
from bot.handlers.slack.render import reply_blocks, reply_text
from core.chat.identity import is_manager
from core.config.model import Configuration
from core.config.timefmt import zone as zone_named
from core.timeinput import TimeInputError, localize

log = logging.getLogger("oncall.slack")
UNKNOWN = (
    "I don't know who you are in the on-call configuration: ask a manager to add your Slack "
    "id (`slack:`) or your Slack email to your person entry."
)
NOT_A_PERSON = "That user is not a person in the on-call configuration."


def _midnight(day_offset: int, now: datetime, zone: tzinfo) -> datetime | None:
    day = now.astimezone(zone).date() + timedelta(days=day_offset)
    try:
        return localize(datetime.combine(day, time(0)), zone)
    except TimeInputError:  # a zone whose clocks skip midnight that day
        return None


def _next_hour(now: datetime) -> datetime:
    return now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


def _metadata(request: ModalRequest, zone: tzinfo) -> str:
    meta = {"zone": str(zone), "origin": request.origin}
    if request.origin == "command":
        meta |= {"channel": request.channel_id or "", "response_url": request.response_url or ""}
    return encode_metadata(meta)


def _zone(meta: dict[str, str], config: Configuration, actor: str | None) -> tzinfo:
    """The zone the modal showed (its metadata), else the actor's zone now."""
    try:
        return zone_named(meta["zone"])
    except (KeyError, ValueError):
        return zone_of(config, actor)


def register_modals(bolt: AsyncApp, deps: SlackDeps) -> None:
    """Register the openers (``deps.modals``), the open buttons and the submissions."""
    people = deps.people

    async def config() -> Configuration:
        async with deps.read_unit() as uow:
            return await uow.config.load() or Configuration()

    async def show(request: ModalRequest, view: dict[str, Any]) -> bool:
        try:
            await deps.client.views_open(trigger_id=request.trigger_id, view=view)
        except SlackApiError as exc:
            log.warning("views.open failed: %s", exc.response.get("error"))
            return False
        return True

    async def open_time_off(request: ModalRequest) -> bool:
        cfg, now = await config(), deps.clock.now()
        actor = request.person_id
        if actor is None or cfg.person(actor) is None:
            return await show(request, notice_view("Time off", UNKNOWN))
        zone = zone_of(cfg, actor)
        start, end = prefill_window(request.prefill, now)
        view = time_off_view(
            zone=zone,
            pick_person=is_manager(cfg, actor),
            user_id=request.user_id,
            start=start or _midnight(1, now, zone),
            end=end or _midnight(2, now, zone),
            metadata=_metadata(request, zone),
        )
        return await show(request, view)

    async def open_override(request: ModalRequest) -> bool:
        cfg, now = await config(), deps.clock.now()
        actor = request.person_id
        if actor is None or cfg.person(actor) is None:
            return await show(request, notice_view("Override", UNKNOWN))
        zone = zone_of(cfg, actor)
        start, end = prefill_window(request.prefill, now)
        start = start or _next_hour(now)
        schedule = request.prefill.get("schedule")
        view = override_view(
            zone=zone,
            pick_person=is_manager(cfg, actor),
            user_id=request.user_id,
            schedules=[(s.id, s.name or s.id) for s in cfg.schedules],
            schedule=schedule if isinstance(schedule, str) else None,
            start=start,
            end=end or start + timedelta(hours=8),
            metadata=_metadata(request, zone),
        )
        return await show(request, view)

    deps.modals[View.TIME_OFF.value] = open_time_off
    deps.modals[View.OVERRIDE.value] = open_override

    def on_open(opener: Callable[[ModalRequest], Awaitable[bool]]) -> Any:
        async def listener(ack: Any, body: dict[str, Any]) -> None:
            await ack()
            user = str((body.get("user") or {}).get("id", ""))
            await opener(request_from_action(body, await people.person_of(user)))

        return listener

    bolt.action(Action.OPEN_TIME_OFF.value)(on_open(open_time_off))
    bolt.action(Action.OPEN_OVERRIDE.value)(on_open(open_override))

    async def chosen(values: dict[str, str | None]) -> tuple[str | None, str | None]:
        """The person picked (None: the actor) and why it is none of ours."""
        if forms.PERSON not in values:
            return None, None
        user = values[forms.PERSON]
        if user is None:
            return None, "Pick a person."
        found = await people.person_of(user)
        return (found, None) if found is not None else (None, NOT_A_PERSON)

    async def tell(user: str, meta: dict[str, str], reply: Reply) -> None:
        """Where the command was typed (as the typed command answers), else a DM."""
        text, blocks = reply_text(reply), reply_blocks(reply)
        url = meta.get("response_url")
        if url and meta.get("origin") == "command":
            kind = "in_channel" if reply.public else "ephemeral"
            try:
                await AsyncWebhookClient(url).send(
                    text=text, blocks=blocks, response_type=kind, unfurl_links=False
                )
                return
            except Exception:  # an expired response_url: the DM still tells them
                log.warning("answering a modal through its response_url failed", exc_info=True)
        try:
            await deps.client.chat_postMessage(
                channel=user, text=text, blocks=blocks, unfurl_links=False
            )
        except SlackApiError as exc:
            log.warning("telling %s what was stored failed: %s", user, exc.response.get("error"))

    Submit = Callable[[Any, Configuration, tzinfo, dict[str, str | None]], Awaitable[Any]]

    def on_submit(submit: Submit) -> Any:
        async def listener(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
            user = str((body.get("user") or {}).get("id", ""))
            actor = await people.person_of(user)
            meta = decode_metadata(view.get("private_metadata"))
            cfg = await config()
            ctx = deps.context(user, actor, meta.get("channel") or None)
            answer = await submit(ctx, cfg, _zone(meta, cfg, actor), submitted(view))
            if answer.errors or answer.reply is None:
                errors = errors_for(view, answer.errors or {forms.TO_DATE: "Nothing changed."})
                await ack(response_action="errors", errors=errors)
                return
            await ack()
            await tell(user, meta, answer.reply)
            if meta.get("origin") == "home" and actor is not None:
                await publish_home(deps, user, actor)

        return listener

    async def submit_time_off(
        ctx: Any, cfg: Configuration, zone: tzinfo, values: dict[str, str | None]
    ) -> forms.FormAnswer:
        person, problem = await chosen(values)
        form = forms.TimeOffForm(_window(values), person, problem, values.get(forms.REASON))
        return await forms.submit_time_off(ctx, cfg, zone, form)

    async def submit_override(
        ctx: Any, cfg: Configuration, zone: tzinfo, values: dict[str, str | None]
    ) -> forms.FormAnswer:
        person, problem = await chosen(values)
        form = forms.OverrideForm(
            _window(values), person, problem, values.get(forms.REASON), values.get(forms.SCHEDULE)
        )
        return await forms.submit_override(ctx, cfg, zone, form)

    bolt.view(View.TIME_OFF.value)(on_submit(submit_time_off))
    bolt.view(View.OVERRIDE.value)(on_submit(submit_override))


def _window(values: dict[str, str | None]) -> forms.Window:
    return forms.Window(
        values.get(forms.FROM_DATE),
        values.get(forms.FROM_TIME),
        values.get(forms.TO_DATE),
        values.get(forms.TO_TIME),
    )
