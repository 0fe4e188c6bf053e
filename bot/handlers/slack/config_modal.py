"""The managers' rotation modal: ``/oncall config``, its two steps, and the save.

Opened by ``/oncall config [schedule]`` (the command's reply asks for the form,
:mod:`bot.handlers.slack.opening`) and by an :attr:`Action.OPEN_CONFIG` button elsewhere (App
Home; its value may prefill ``{"schedule": id}``). Inside the modal the same action id moves
from the schedule select (step 1) to a layer's fields (step 2) with ``views.update``.

A submission is checked before it is acknowledged, so Slack shows errors under each field:
the form's syntax (:mod:`core.config.layer_edit`), then the edited file through the same
validator as ``oncall config validate`` (:mod:`integrations.config_repo.editor`). A refusal
(not a manager, the file changed meanwhile) replaces the form with the reason. A valid edit is
acknowledged with a "saving" view, then written, applied and committed
(:mod:`integrations.config_repo.save`) and the modal says how it went; where the file cannot
be written it shows the diff to commit by hand and applies nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bot.commands.actions import Action, View
from bot.commands.words import sentence
from bot.handlers.slack.config_views import (
    decode_metadata,
    encode_metadata,
    layer_view,
    notice_view,
    parse_layer_value,
    pick_view,
    submitted,
)
from bot.handlers.slack.deps import SlackDeps
from bot.handlers.slack.mrkdwn import escape
from bot.handlers.slack.opening import ModalRequest, request_from_action
from core.chat.config_rights import config_refusal, editable_schedules
from core.config.layer_edit import LayerValues, parse_form
from core.config.layer_record import change_summary
from core.config.model import Configuration
from integrations.config_repo.editor import ConfigEditor, EditRefused, Invalid, Prepared, layer_of
from integrations.config_repo.git import Author
from integrations.config_repo.save import Saved, save_edit

log = logging.getLogger("oncall.slack")
TITLE = "Change a rotation"
NOTHING = "Nothing to save: these are the layer's values already."


def author_of(config: Configuration, person_id: str) -> Author:
    """The git author for a person: their name and email (a made-up address without one)."""
    person = config.person(person_id)
    name = person.display_name if person else person_id
    return Author(name, (person.email if person else None) or f"{person_id}@oncall.invalid")


def saved_text(saved: Saved) -> str:
    """What the modal says after a save that wrote the file."""
    prepared, path = saved.prepared, f"`{escape(saved.prepared.source.path)}`"
    summary = change_summary(prepared.schedule_id, prepared.layer_id, prepared.changes)
    lines = [
        f"Saved *{escape(summary)}*.",
        f"Written to {path} and applied as revision {saved.revision}: the rotation changes from "
        "now on, and past shifts stay as they were.",
    ]
    if saved.commit:
        lines.append(f"Committed as `{saved.commit[:12]}` with you as the author.")
    elif saved.commit_error:
        problem = escape(saved.commit_error)
        lines.append(f":warning: Not committed ({problem}): commit {path} by hand.")
    else:
        lines.append(f"{path} is not in a git work tree, so nothing was committed.")
    return "\n".join(lines)


def diff_text(prepared: Prepared) -> str:
    why = prepared.source.why_not or "it cannot write the configuration"
    return (
        f"Nothing was applied: {escape(why)}. Commit this change to the configuration "
        "repository by hand, then run `oncall config apply`:"
    )


def register_config(bolt: AsyncApp, deps: SlackDeps) -> None:
    """Register the opener (``deps.modals``), the in-modal navigation and the submission."""
    editor = ConfigEditor(deps.config_path, deps.read_unit)
    people = deps.people

    async def edit_view(
        person: str | None, schedule_id: str, layer_id: str | None
    ) -> dict[str, Any]:
        """Step 2 for one layer (the schedule's first when ``layer_id`` is None)."""
        try:
            source = await editor.source()
            refused = config_refusal(source.config, person, schedule_id)
            if refused:
                return notice_view(TITLE, escape(f"{sentence(refused)} Nothing changed."))
            schedule, layer = layer_of(source.config, schedule_id, layer_id)
        except EditRefused as exc:
            return notice_view(TITLE, escape(str(exc)))
        if source.writable:
            where = (
                f"Saving writes `{escape(source.path)}`, checks it as `oncall config validate` "
                "does, applies it from now on (past shifts stay) and commits it with you as "
                "the author."
            )
        else:
            where = (
                f":warning: {escape(source.why_not)}: saving shows the change to commit by "
                "hand and applies nothing."
            )
        cfg = source.config
        return layer_view(
            schedule_id=schedule.id,
            schedule_name=schedule.name or schedule.id,
            layers=[x.id for x in schedule.layers],
            layer_id=layer.id,
            values=LayerValues.of(layer),
            zone=schedule.timezone or cfg.timezone,
            people=[(p.id, p.display_name) for p in cfg.people],
            where=where,
            metadata=encode_metadata(schedule.id, layer.id, source.digest),
        )

    async def first_view(person: str | None, schedule_id: object) -> dict[str, Any]:
        config = await editor.running()
        mine = editable_schedules(config, person)
        if isinstance(schedule_id, str) and any(s.id == schedule_id for s in mine):
            return await edit_view(person, schedule_id, None)
        refused = config_refusal(config, person)
        if refused:
            return notice_view(TITLE, escape(f"{sentence(refused)} Nothing changed."))
        intro = "Which schedule's rotation do you want to change?"
        return pick_view([(s.id, s.name or s.id) for s in mine], intro)

    async def open_config(request: ModalRequest) -> bool:
        view = await first_view(request.person_id, request.prefill.get("schedule"))
        try:
            await deps.client.views_open(trigger_id=request.trigger_id, view=view)
        except SlackApiError as exc:
            log.warning("views.open failed: %s", exc.response.get("error"))
            return False
        return True

    deps.modals[View.CONFIG.value] = open_config

    @bolt.action(Action.OPEN_CONFIG.value)
    async def on_open(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        person = await people.person_of(str((body.get("user") or {}).get("id", "")))
        view = body.get("view") or {}
        if view.get("callback_id") != View.CONFIG.value:  # a button outside the modal
            await open_config(request_from_action(body, person))
            return
        action = (body.get("actions") or [{}])[0]
        chosen = (action.get("selected_option") or {}).get("value") or action.get("value")
        schedule_id, layer_id = parse_layer_value(chosen)
        new = await edit_view(person, schedule_id, layer_id)
        try:
            await deps.client.views_update(view_id=view.get("id"), hash=view.get("hash"), view=new)
        except SlackApiError as exc:  # hash_conflict: the person clicked again meanwhile
            log.warning("views.update failed: %s", exc.response.get("error"))

    @bolt.view(View.CONFIG.value)
    async def on_submit(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        meta = decode_metadata(view.get("private_metadata"))
        if not meta:
            await ack()
            return
        person = await people.person_of(str((body.get("user") or {}).get("id", "")))
        values, errors = parse_form(submitted(view))
        if values is None:
            await ack(response_action="errors", errors=errors)
            return
        try:
            prepared = await editor.prepare(
                person, meta["schedule"], meta["layer"], meta["digest"], values
            )
        except EditRefused as exc:
            await ack(response_action="update", view=notice_view("Not saved", escape(str(exc))))
            return
        if prepared is None or isinstance(prepared, Invalid):
            found = prepared.errors if prepared else {"members": NOTHING}
            await ack(response_action="errors", errors=found)
            return
        assert person is not None  # prepare refuses people the configuration does not know
        author = author_of(prepared.source.config, person)
        if not prepared.writable:
            diff = notice_view("Not applied", diff_text(prepared), prepared.diff)
            await ack(response_action="update", view=diff)
            try:  # nothing is applied; the diff shown is audited
                await save_edit(
                    prepared,
                    actor=person,
                    author=author,
                    via="Slack",
                    new_unit=deps.new_unit,
                    now=deps.clock.now(),
                )
            except Exception:
                log.exception("auditing a configuration diff failed")
            return
        await ack(response_action="update", view=notice_view("Saving", "Saving…"))
        try:
            saved = await save_edit(
                prepared,
                actor=person,
                author=author,
                via="Slack",
                new_unit=deps.new_unit,
                now=deps.clock.now(),
            )
        except EditRefused as exc:
            result = notice_view("Not saved", escape(str(exc)))
        except Exception:
            log.exception("saving a configuration edit failed")
            result = notice_view(
                "Not saved", "Saving failed and nothing was applied; the error is in the bot's log."
            )
        else:
            result = notice_view("Saved", saved_text(saved))
        try:
            await deps.client.views_update(view_id=view.get("id"), view=result)
        except SlackApiError as exc:
            log.warning("views.update after a save failed: %s", exc.response.get("error"))
