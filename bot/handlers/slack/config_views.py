"""The managers' rotation modal (``/oncall config``) in Block Kit, and reading its submission.

Step 1 picks a schedule (a select that dispatches :attr:`Action.OPEN_CONFIG` with the schedule
id); step 2 (``views.update``) shows one layer's fields with its current values, and a layer
select when the schedule has several (the same action, value ``"<schedule> <layer>"``). Block
ids are the field names of :data:`core.config.layer_edit.FIELDS`, so the form's errors go
straight into ``response_action: errors``. ``private_metadata`` carries the schedule id, the
layer id and the configuration's digest. After a save the modal shows what happened: saved,
applied and committed, or the diff to commit by hand. Pure functions.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    ContextBlock,
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
    TimePickerElement,
)
from slack_sdk.models.views import View as ViewModel

from bot.commands.actions import Action, View
from bot.handlers.slack.blocks import OPTION_TEXT
from bot.handlers.slack.mrkdwn import escape, truncate
from core.config.layer_edit import ROTATIONS, LayerValues, form_of
from integrations.json_body import BadJSON, decode_json

VALUE = "value"  # the action id of every input element
MAX_OPTIONS = 100
DIFF_CHUNK = 2900  # a section holds 3,000 characters, the code fence included
MAX_DIFF_BLOCKS = 40
_META = ("schedule", "layer", "digest")


def _plain(text: str, limit: int = OPTION_TEXT) -> PlainTextObject:
    return PlainTextObject(text=truncate(" ".join(text.split()), limit) or "-", emoji=True)


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=truncate(text, 3000), verbatim=True))


def _note(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=truncate(text, 2000), verbatim=True)])


def encode_metadata(schedule: str, layer: str, digest: str) -> str:
    return json.dumps({"schedule": schedule, "layer": layer, "digest": digest})


def decode_metadata(text: object) -> dict[str, str]:
    """The ids back; ``{}`` for anything that is not our JSON (a forged or step-1 view)."""
    try:
        parsed = decode_json(text) if isinstance(text, str) and text else {}
    except BadJSON:
        return {}
    if not isinstance(parsed, dict) or not all(isinstance(parsed.get(k), str) for k in _META):
        return {}
    return {k: parsed[k] for k in _META}


def layer_value(schedule_id: str, layer_id: str | None = None) -> str:
    """The value of a select option that opens a schedule (and a layer) in the editor."""
    return schedule_id if layer_id is None else f"{schedule_id} {layer_id}"


def parse_layer_value(value: object) -> tuple[str, str | None]:
    """``"primary weekly"`` -> ``("primary", "weekly")``; ``"primary"`` -> ``("primary", None)``."""
    words = str(value or "").split()[:2]
    return (words[0] if words else "", words[1] if len(words) > 1 else None)


def _modal(
    title: str, blocks: list[Any], metadata: str = "", submit: bool = False
) -> dict[str, Any]:
    view = ViewModel(
        type="modal",
        callback_id=View.CONFIG.value,
        title=_plain(title, 24),
        submit=_plain("Save", 24) if submit else None,
        close=_plain("Close" if not submit else "Cancel", 24),
        private_metadata=metadata,
        blocks=blocks,
    )
    return view.to_dict()


def pick_view(schedules: Sequence[tuple[str, str]], intro: str) -> dict[str, Any]:
    """Step 1: ``intro`` (mrkdwn) and a select of ``(id, name)`` schedules (the first 100)."""
    options = [Option(value=sid[:150], text=_plain(name)) for sid, name in schedules]
    select = StaticSelectElement(
        action_id=Action.OPEN_CONFIG.value,
        placeholder=_plain("Pick a schedule"),
        options=options[:MAX_OPTIONS],
    )
    return _modal("Change a rotation", [SectionBlock(text=_mrkdwn(intro), accessory=select)])


def _mrkdwn(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=truncate(text, 3000), verbatim=True)


def layer_view(
    *,
    schedule_id: str,
    schedule_name: str,
    layers: Sequence[str],
    layer_id: str,
    values: LayerValues,
    zone: str,
    people: Sequence[tuple[str, str]],
    where: str,
    metadata: str,
) -> dict[str, Any]:
    """Step 2: one layer's fields with ``values``. ``people``: ``(id, name)`` for the hint;
    ``where``: mrkdwn saying what saving does (write and commit, or show a diff)."""
    form = form_of(values)
    head = f"*{escape(schedule_name)}*, layer *{escape(layer_id)}*"
    blocks: list[Any] = [_section(head)]
    if len(layers) > 1:
        options = [Option(value=layer_value(schedule_id, x)[:150], text=_plain(x)) for x in layers]
        initial = next(o for o in options if o.value == layer_value(schedule_id, layer_id)[:150])
        blocks.append(
            ActionsBlock(
                block_id="layer",
                elements=[
                    StaticSelectElement(
                        action_id=Action.OPEN_CONFIG.value,
                        placeholder=_plain("Another layer"),
                        options=options[:MAX_OPTIONS],
                        initial_option=initial,
                    )
                ],
            )
        )
    known = ", ".join(f"{pid} ({name})" if name != pid else pid for pid, name in people)
    rotations = [Option(value=r, text=_plain(r)) for r in ROTATIONS]
    blocks += [
        InputBlock(
            block_id="members",
            label=_plain("Members, in rotation order"),
            hint=_plain(
                f"Person ids separated by commas; the first takes the first turn. {known}", 2000
            ),
            element=PlainTextInputElement(
                action_id=VALUE, initial_value=form["members"], max_length=3000
            ),
        ),
        InputBlock(
            block_id="rotation",
            label=_plain("Rotation"),
            element=StaticSelectElement(
                action_id=VALUE,
                options=rotations,
                initial_option=next(o for o in rotations if o.value == form["rotation"]),
            ),
        ),
        InputBlock(
            block_id="every",
            label=_plain("Turn length, in rotation units"),
            hint=_plain("2 with a daily rotation gives two-day turns."),
            element=NumberInputElement(
                action_id=VALUE,
                is_decimal_allowed=False,
                initial_value=form["every"],
                min_value=1,
                max_value=1000,
            ),
        ),
        InputBlock(
            block_id="start_date",
            label=_plain("First turn starts on"),
            element=DatePickerElement(action_id=VALUE, initial_date=form["start_date"]),
        ),
        InputBlock(
            block_id="start_time",
            label=_plain(f"Hand-over time ({zone})"),
            hint=_plain(f"Every turn starts and ends at this time, {zone} wall-clock time.", 2000),
            element=TimePickerElement(action_id=VALUE, initial_time=form["start_time"]),
        ),
        InputBlock(
            block_id="active",
            label=_plain("Active windows"),
            optional=True,
            hint=_plain(
                "One a line: `mon-fri 09:00-18:00`, `sat 22:00-06:00` (overnight), `09:00-17:00` "
                f"(every day), in {zone}. Empty: always active.",
                2000,
            ),
            element=PlainTextInputElement(
                action_id=VALUE,
                multiline=True,
                initial_value=form["active"] or None,
                max_length=2000,
            ),
        ),
        _note(where),
    ]
    return _modal("Change a rotation", blocks, metadata, submit=True)


def submitted(view: Mapping[str, Any]) -> dict[str, str | None]:
    """Each input block's value in a ``view_submission``'s state, by block id (None: empty)."""
    values = (view.get("state") or {}).get("values") or {}
    out: dict[str, str | None] = {}
    for block_id, actions in values.items():
        element = (actions or {}).get(VALUE) or {}
        option = element.get("selected_option") or {}
        raw = (
            element.get("selected_date")
            or element.get("selected_time")
            or option.get("value")
            or element.get("value")
        )
        out[str(block_id)] = raw if isinstance(raw, str) and raw else None
    return out


def notice_view(title: str, text: str, diff: str | None = None) -> dict[str, Any]:
    """A modal that says what happened (``text`` is mrkdwn), with a diff in code blocks."""
    blocks: list[Any] = [_section(text)]
    chunks = _chunks(escape(diff or ""))
    blocks += [_section(f"```{chunk}```") for chunk in chunks[:MAX_DIFF_BLOCKS]]
    if len(chunks) > MAX_DIFF_BLOCKS:
        blocks.append(_note("The diff goes on; the rest is not shown."))
    return _modal(title, blocks)


def _chunks(text: str) -> list[str]:
    """``text`` in pieces of whole lines that fit a section (a line too long is cut)."""
    out: list[str] = []
    for line in text.splitlines(keepends=True):
        line = line if len(line) <= DIFF_CHUNK else truncate(line, DIFF_CHUNK - 1) + "\n"
        if out and len(out[-1]) + len(line) <= DIFF_CHUNK:
            out[-1] += line
        else:
            out.append(line)
    return out
