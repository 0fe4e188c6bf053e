"""The time off and override modals in Block Kit, and reading what a submission holds.

Times are a datepicker and a timepicker per bound, read in the zone of the person filling
in the form (named under the pickers and kept in ``private_metadata``), not Slack's
datetimepicker: that one answers in the Slack client's zone, which need not be the zone the
person's shifts are shown in. Block ids are the field ids of :mod:`bot.commands.forms`, so
its errors go straight into ``response_action: errors``. Pure functions.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, tzinfo
from typing import Any

from slack_sdk.models.blocks import (
    ContextBlock,
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
    TimePickerElement,
    UserSelectElement,
)
from slack_sdk.models.views import View as ViewModel

from bot.commands import forms
from bot.commands.actions import View
from bot.handlers.slack.blocks import OPTION_TEXT
from bot.handlers.slack.mrkdwn import escape, truncate
from core.schedule.model import utc
from integrations.json_body import BadJSON, decode_json

VALUE = "value"  # the action id of every input element
MAX_METADATA = 3000
MAX_OPTIONS = 100
_TEXT_WITH_METADATA = ("zone", "origin", "channel", "response_url")


def encode_metadata(meta: Mapping[str, Any]) -> str:
    """``private_metadata``: the JSON of ``meta``; a response_url that would not fit in
    3,000 characters is left out (the answer then goes to a DM)."""
    text = json.dumps(dict(meta), separators=(",", ":"))
    if len(text) > MAX_METADATA:
        text = json.dumps({k: v for k, v in meta.items() if k != "response_url"})
    return text[:MAX_METADATA]


def decode_metadata(text: object) -> dict[str, str]:
    """The metadata back; only the known keys with string values, anything else ``{}``."""
    try:
        parsed = decode_json(text) if isinstance(text, str) and text else {}
    except BadJSON:
        return {}
    if not isinstance(parsed, dict):
        return {}
    return {k: v for k, v in parsed.items() if k in _TEXT_WITH_METADATA and isinstance(v, str)}


def local_parts(moment: datetime | None, zone: tzinfo) -> tuple[str | None, str | None]:
    """``("2026-03-04", "09:00")``: a moment as the pickers show it in ``zone``."""
    if moment is None:
        return None, None
    local = moment.astimezone(zone)
    return local.strftime("%Y-%m-%d"), local.strftime("%H:%M")


def prefill_window(
    prefill: Mapping[str, Any], now: datetime
) -> tuple[datetime | None, datetime | None]:
    """A button's ``from``/``to`` (ISO 8601 with an offset) as a window the pickers can show:
    the start down and the end up to the minute, so the override covers the whole gap; a
    start already past is now. Anything unreadable is None."""

    def read(key: str) -> datetime | None:
        raw = prefill.get(key)
        try:
            moment = datetime.fromisoformat(raw) if isinstance(raw, str) else None
        except ValueError:
            return None
        return utc(moment) if moment is not None and moment.tzinfo is not None else None

    start, end = read("from"), read("to")
    if start is not None:
        start = max(start, now).replace(second=0, microsecond=0)
    if end is not None and (end.second or end.microsecond):
        end = end.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return start, end


def _plain(text: str, limit: int = OPTION_TEXT) -> PlainTextObject:
    return PlainTextObject(text=truncate(" ".join(text.split()), limit) or "-", emoji=True)


def _pickers(
    what: str, moment: datetime | None, zone: tzinfo, date_field: str, time_field: str
) -> list[InputBlock]:
    day, clock = local_parts(moment, zone)
    return [
        InputBlock(
            block_id=date_field,
            label=_plain(f"{what} (date)"),
            element=DatePickerElement(action_id=VALUE, initial_date=day),
        ),
        InputBlock(
            block_id=time_field,
            label=_plain(f"{what} (time)"),
            element=TimePickerElement(action_id=VALUE, initial_time=clock, timezone=str(zone)),
        ),
    ]


def _person(pick: bool, user_id: str, hint: str) -> Any:
    if not pick:
        return ContextBlock(
            block_id="person_note",
            elements=[MarkdownTextObject(text="For you.", verbatim=True)],
        )
    return InputBlock(
        block_id=forms.PERSON,
        label=_plain("Who"),
        hint=_plain(hint, 150),
        element=UserSelectElement(action_id=VALUE, initial_user=user_id or None),
    )


def _common(
    zone: tzinfo, start: datetime | None, end: datetime | None, reason_hint: str
) -> list[Any]:
    return [
        *_pickers("From", start, zone, forms.FROM_DATE, forms.FROM_TIME),
        *_pickers("To", end, zone, forms.TO_DATE, forms.TO_TIME),
        InputBlock(
            block_id=forms.REASON,
            label=_plain("Reason"),
            optional=True,
            element=PlainTextInputElement(
                action_id=VALUE, max_length=forms.MAX_REASON, placeholder=_plain(reason_hint)
            ),
        ),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"Times are read in {escape(zone)}, your zone in the on-call "
                    "configuration.",
                    verbatim=True,
                )
            ]
        ),
    ]


def _modal(callback: View, title: str, blocks: list[Any], metadata: str) -> dict[str, Any]:
    view = ViewModel(
        type="modal",
        callback_id=callback.value,
        title=_plain(title, 24),
        submit=_plain("Save", 24),
        close=_plain("Cancel", 24),
        private_metadata=metadata,
        blocks=blocks,
    )
    return view.to_dict()


def time_off_view(
    *,
    zone: tzinfo,
    pick_person: bool,
    user_id: str,
    start: datetime | None,
    end: datetime | None,
    metadata: str,
) -> dict[str, Any]:
    """The time off modal: who (a users_select for managers, else a note: themselves), from
    and to (date and time each, in ``zone``), reason."""
    hint = "Yours, or as a team's manager someone on your team's."
    blocks = [
        _person(pick_person, user_id, hint),
        *_common(zone, start, end, "Holiday, conference, ..."),
    ]
    return _modal(View.TIME_OFF, "Time off", blocks, metadata)


def override_view(
    *,
    zone: tzinfo,
    pick_person: bool,
    user_id: str,
    schedules: Sequence[tuple[str, str]],
    schedule: str | None,
    start: datetime | None,
    end: datetime | None,
    metadata: str,
) -> dict[str, Any]:
    """The override modal: schedule (``(id, name)`` choices, the first 100, ``schedule``
    preselected when it is one of them), who, from, to, reason."""
    options = [Option(value=sid[:150], text=_plain(name)) for sid, name in schedules]
    options = options[:MAX_OPTIONS]
    initial = next((o for o in options if o.value == schedule), None)
    select = StaticSelectElement(
        action_id=VALUE,
        placeholder=_plain("Pick a schedule"),
        options=options or [Option(value="-", text=_plain("No schedules configured"))],
        initial_option=initial,
    )
    hint = "Yourself, or as the schedule's team's manager anyone."
    blocks = [
        InputBlock(block_id=forms.SCHEDULE, label=_plain("Schedule"), element=select),
        _person(pick_person, user_id, hint),
        *_common(zone, start, end, "Covering a gap, a swap, ..."),
    ]
    return _modal(View.OVERRIDE, "Override", blocks, metadata)


def submitted(view: Mapping[str, Any]) -> dict[str, str | None]:
    """Each input block's value in a ``view_submission``'s ``view.state``, by block id: a
    date, a time, a Slack user id, an option's value or text (None when left empty)."""
    values = (view.get("state") or {}).get("values") or {}
    out: dict[str, str | None] = {}
    for block_id, actions in values.items():
        element = (actions or {}).get(VALUE) or {}
        option = element.get("selected_option") or {}
        raw = (
            element.get("selected_date")
            or element.get("selected_time")
            or element.get("selected_user")
            or option.get("value")
            or element.get("value")
        )
        out[str(block_id)] = raw if isinstance(raw, str) and raw else None
    return out


def input_blocks(view: Mapping[str, Any]) -> list[str]:
    """The ids of the view's input blocks, in order (where field errors can be shown)."""
    return [
        str(b.get("block_id"))
        for b in view.get("blocks") or []
        if isinstance(b, dict) and b.get("type") == "input"
    ]


def errors_for(view: Mapping[str, Any], errors: Mapping[str, str]) -> dict[str, str]:
    """Field errors Slack can show: one on a block the view lacks (a forged person field)
    moves to the first input block, joined to what that block already says."""
    shown = input_blocks(view)
    out: dict[str, str] = {}
    for block_id, message in errors.items():
        target = block_id if block_id in shown or not shown else shown[0]
        out[target] = f"{out[target]} {message}" if target in out else message
    return {k: truncate(v, 2000) for k, v in out.items()}


def notice_view(title: str, text: str) -> dict[str, Any]:
    """A modal that only says something (``text`` is mrkdwn, escaped here): no submit."""
    view = ViewModel(
        type="modal",
        title=_plain(title, 24),
        close=_plain("Close", 24),
        blocks=[SectionBlock(text=MarkdownTextObject(text=escape(text), verbatim=True))],
    )
    return view.to_dict()
