"""A manager's edit of one layer (``/oncall config``): its values, the form's words, the change.

The values are kept in the file's own text form (``"2026-01-05 09:00"``, ``{days: [mon], from:
"09:00", to: "18:00"}``), because they are written back into the YAML file; what they *mean* is
compared through the configuration model, so ``"9:00"`` and ``"09:00"`` or ``[fri, mon]`` and
``[mon, fri]`` are no change and the file keeps its spelling.

Active windows are typed one a line as ``mon-fri 09:00-18:00``, ``sat,sun 00:00-00:00`` or
``21:00-05:00`` (every day); numbers among the days are days of the month (``1,15 09:00-17:00``,
``mon 1-7 09:00-17:00`` for the first Monday, ``last`` or ``-1`` for the month's last day); an
empty text means "always active" (the key is left out).
Parsing the form checks only the form's syntax; whether the members exist, the date is real and
so on is the whole-file validator's job (:func:`core.config.validate.validate_document`), run
on the edited file, whose errors :func:`field_of` maps back to the form's fields.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from core.config import timefmt
from core.config.model import ID_PATTERN, ActiveWindow, Layer

ROTATIONS = ("hourly", "daily", "weekly", "monthly")
FIELDS = ("members", "rotation", "every", "start_date", "start_time", "active")
"""The form's fields, in the order the modal shows them."""
KEYS = ("members", "rotation", "every", "start", "active")
"""The layer's keys an edit may change, in the order the file usually has them."""
MAX_WINDOWS = 20

_ID = re.compile(ID_PATTERN)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_WINDOW = re.compile(r"^(?:(?P<days>.*?)\s+)?(?P<from>\d{1,2}:\d{2})\s*-\s*(?P<to>\d{1,2}:\d{2})$")


@dataclass(frozen=True)
class Window:
    """One active window as the file writes it; ``days`` None means every day,
    ``days_of_month`` None every date."""

    days: tuple[str, ...] | None
    from_: str
    to: str
    days_of_month: tuple[int, ...] | None = None

    def as_document(self) -> dict[str, Any]:
        out: dict[str, Any] = {} if self.days is None else {"days": list(self.days)}
        if self.days_of_month is not None:
            out["days_of_month"] = list(self.days_of_month)
        return {**out, "from": self.from_, "to": self.to}


@dataclass(frozen=True)
class LayerValues:
    """What the form edits: members in order, the rotation, the hand-over ``start`` and windows."""

    members: tuple[str, ...]
    rotation: str
    every: int
    start: str
    active: tuple[Window, ...] | None

    @classmethod
    def of(cls, layer: Layer) -> LayerValues:
        """The values of a validated layer, in canonical text form."""
        windows = None
        if layer.active is not None:
            windows = tuple(_window_of(w) for w in layer.active)
        return cls(
            members=layer.members,
            rotation=layer.rotation,
            every=layer.every,
            start=timefmt.format_local_datetime(layer.start),
            active=windows,
        )

    def value(self, key: str) -> Any:
        """The file form of one of :data:`KEYS` (``active`` None when always active)."""
        if key == "active":
            return None if self.active is None else [w.as_document() for w in self.active]
        if key == "members":
            return list(self.members)
        return getattr(self, key)


@dataclass(frozen=True)
class FieldChange:
    """One changed key, with its old and new value as people read them."""

    key: str
    before: str
    after: str

    def describe(self) -> str:
        return f"{self.key}: {self.before} -> {self.after}"


def form_of(values: LayerValues) -> dict[str, str]:
    """The form's fields for ``values`` (what the modal shows first)."""
    date, _, time = values.start.partition(" ")
    return {
        "members": ", ".join(values.members),
        "rotation": values.rotation,
        "every": str(values.every),
        "start_date": date,
        "start_time": time,
        "active": windows_text(values.active),
    }


def parse_form(form: Mapping[str, str | None]) -> tuple[LayerValues | None, dict[str, str]]:
    """The values the form holds, or None and one message per field that cannot be read.

    Edge cases: members may be separated by commas or spaces and keep their order; a member
    named twice is an error; ``every`` must be a whole number 1..1000; the time may be
    ``9:00``; an empty active text is "always active".
    """
    errors: dict[str, str] = {}
    members = tuple(m for m in re.split(r"[\s,]+", (form.get("members") or "").strip()) if m)
    if not members:
        errors["members"] = "Name at least one member."
    elif bad := [m for m in members if not _ID.match(m)]:
        errors["members"] = f"{bad[0]!r} is not a person id."
    elif len(set(members)) != len(members):
        twice = next(m for m in members if members.count(m) > 1)
        errors["members"] = f"{twice} is named twice; each member has one place in the queue."
    rotation = (form.get("rotation") or "").strip().lower()
    if rotation not in ROTATIONS:
        errors["rotation"] = f"Choose one of {', '.join(ROTATIONS)}."
    every_text = (form.get("every") or "1").strip()
    every = int(every_text) if every_text.isdigit() else 0
    if not 1 <= every <= 1000:
        errors["every"] = "A whole number from 1 to 1000."
    date = (form.get("start_date") or "").strip()
    if not _DATE.match(date):
        errors["start_date"] = "Pick the date of the first turn."
    time = (form.get("start_time") or "").strip()
    try:
        time = timefmt.format_clock(timefmt.parse_clock(time, allow_24=False))
    except ValueError:
        errors["start_time"] = "Pick the hand-over time (HH:MM)."
    try:
        active = parse_windows(form.get("active") or "")
    except ValueError as exc:
        errors["active"] = str(exc)
        active = None
    if errors:
        return None, errors
    return LayerValues(members, rotation, every, f"{date} {time}", active), {}


def parse_windows(text: str) -> tuple[Window, ...] | None:
    """Windows typed one a line (``mon-fri 09:00-18:00``); None for an empty text.

    Day ranges may wrap (``fri-mon`` is fri, sat, sun, mon); numbers (``1``, ``1-7``, ``last``
    or ``-1``) are days of the month; ``ValueError`` names the line. Whether a day of the month
    exists (``32``) is the validator's to say.
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > MAX_WINDOWS:
        raise ValueError(f"At most {MAX_WINDOWS} windows.")
    windows = []
    for number, line in enumerate(lines, 1):
        m = _WINDOW.match(line)
        if not m:
            raise ValueError(f"Line {number}: write a window like `mon-fri 09:00-18:00`.")
        try:
            days, dates = _days(m.group("days"))
            start = timefmt.parse_clock(m.group("from"), allow_24=False)
            end = timefmt.parse_clock(m.group("to"))
        except ValueError as exc:
            raise ValueError(f"Line {number}: {exc}.") from None
        clock = timefmt.format_clock
        windows.append(Window(days, clock(start), clock(end), dates))
    return tuple(windows) or None


def windows_text(windows: tuple[Window, ...] | None) -> str:
    """The form's text for ``windows``: one a line, consecutive days as ranges."""
    return "\n".join(_window_line(w) for w in windows or ())


def changed_keys(old: Layer, new: LayerValues) -> tuple[str, ...]:
    """The keys of :data:`KEYS` whose meaning differs between ``old`` and ``new``.

    A value that does not validate (a date that does not exist) counts as changed, so it is
    written and the validator reports it on its field.
    """
    changed = []
    for key in KEYS:
        try:
            meaning = _meaning(key, new.value(key))
        except (ValueError, ValidationError):
            changed.append(key)
            continue
        if meaning != getattr(old, key):
            changed.append(key)
    return tuple(changed)


def changes(old: LayerValues, new: LayerValues, keys: tuple[str, ...]) -> tuple[FieldChange, ...]:
    """The changed ``keys`` with their old and new values in words."""
    return tuple(FieldChange(k, _shown(old, k), _shown(new, k)) for k in keys)


def field_of(path: tuple[str | int, ...], schedule_index: int, layer_index: int) -> str | None:
    """The form field a validator issue at ``path`` belongs to; None when outside the layer."""
    if path[:4] != ("schedules", schedule_index, "layers", layer_index) or len(path) < 5:
        return None
    key = path[4]
    return {"start": "start_date"}.get(str(key), str(key)) if key in KEYS else None


def _meaning(key: str, value: Any) -> Any:
    if key == "members":
        return tuple(value)
    if key == "start":
        return timefmt.parse_local_datetime(value)
    if key == "active":
        return None if value is None else tuple(ActiveWindow.model_validate(w) for w in value)
    return value


def _shown(values: LayerValues, key: str) -> str:
    if key == "members":
        return ", ".join(values.members)
    if key == "active":
        return "; ".join(_window_line(w) for w in values.active) if values.active else "always"
    return str(getattr(values, key))


def _window_of(window: ActiveWindow) -> Window:
    days = None if len(window.days) == 7 else tuple(timefmt.WEEKDAYS[d] for d in window.days)
    clock = timefmt.format_clock
    return Window(days, clock(window.from_), clock(window.to), window.days_of_month)


_DATE_RANGE = re.compile(r"^(\d{1,2})-(\d{1,2})$")


def _days(text: str | None) -> tuple[tuple[str, ...] | None, tuple[int, ...] | None]:
    """Weekdays (None: every day) and days of the month (None: every date) of a window line."""
    if not text or text.strip().lower() in ("daily", "every day", "all"):
        return None, None
    days: list[int] = []
    dates: list[int] = []
    for part in (p for p in re.split(r"[\s,]+", text.strip()) if p):
        if part.lower() in ("last", "-1"):
            dates.append(-1)
            continue
        if part.isdigit():
            dates.append(int(part))
            continue
        if found := _DATE_RANGE.match(part):
            low, high = int(found.group(1)), int(found.group(2))
            if low > high:
                raise ValueError(f"{part!r}: write a range of dates from low to high")
            dates.extend(range(low, high + 1))
            continue
        first, sep, last = part.partition("-")
        start = timefmt.parse_weekday(first)
        end = timefmt.parse_weekday(last) if sep else start
        span = (end - start) % 7 + 1
        days.extend((start + i) % 7 for i in range(span))
    if len(set(days)) != len(days):
        raise ValueError("a day is named twice")
    if len(set(dates)) != len(dates):
        raise ValueError("a day of the month is named twice")
    weekdays = tuple(timefmt.WEEKDAYS[d] for d in sorted(days)) if days else None
    return weekdays, tuple(sorted(dates, key=lambda d: 32 if d == -1 else d)) if dates else None


def _window_line(window: Window) -> str:
    parts = [] if window.days is None else [_day_ranges(window.days)]
    if window.days_of_month is not None:
        parts.append(_date_ranges(window.days_of_month))
    return " ".join([*parts, f"{window.from_}-{window.to}"])


def _date_ranges(dates: tuple[int, ...]) -> str:
    """``1,15,last``; three or more dates in a row as a range (``1-7``)."""
    runs: list[list[int]] = []
    for d in sorted(d for d in dates if d > 0):
        if runs and d == runs[-1][-1] + 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    words = [",".join(map(str, r)) if len(r) < 3 else f"{r[0]}-{r[-1]}" for r in runs]
    if -1 in dates:
        words.append("last")
    return ",".join(words)


def _day_ranges(days: tuple[str, ...]) -> str:
    numbers = sorted(timefmt.parse_weekday(d) for d in days)
    runs: list[list[int]] = []
    for d in numbers:
        if runs and d == runs[-1][-1] + 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    names = timefmt.WEEKDAYS
    return ",".join(names[r[0]] if len(r) == 1 else f"{names[r[0]]}-{names[r[-1]]}" for r in runs)
