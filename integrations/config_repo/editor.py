"""Prepare a layer edit from chat: read the configuration, check the digest, edit, validate.

The configuration comes from the file the bot was started with (``ONCALL_CONFIG``) when it can
read it, else from the database (what the bot runs). Its *digest* (SHA-256 of the file's bytes,
or of the stored configuration's canonical JSON) is taken when the form is shown and again when
it is saved: a difference means someone changed it meanwhile, and the save is refused rather
than merged. Saving writes the file only when it is writable; otherwise the manager gets the
YAML diff to commit by hand (:attr:`Prepared.writable`).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from core.chat.config_rights import config_refusal
from core.config.diff import diff_configurations
from core.config.layer_edit import FieldChange, LayerValues, changed_keys, changes, field_of
from core.config.model import Configuration, Layer, Schedule
from core.config.validate import ConfigIssue, validate_document
from core.ports import UnitOfWork
from integrations.config_repo.loader import ConfigFileError, validate_text
from integrations.config_repo.roundtrip import (
    LayerNotFound,
    edit_layer,
    layer_snippet,
    unified_diff,
)


class EditRefused(Exception):
    """The edit cannot go on (rights, a changed file, a broken file); ``str()`` says why."""


@dataclass(frozen=True)
class Source:
    """The configuration as read now: from the file (``text`` set) or from the database."""

    config: Configuration
    digest: str
    path: Path | None
    text: str | None
    writable: bool
    why_not: str | None = None
    """Why the file cannot be written (read-only, none configured): the save shows a diff."""


@dataclass(frozen=True)
class Prepared:
    """A valid edit, ready to save (or to show as a diff when ``writable`` is false)."""

    source: Source
    schedule_id: str
    layer_id: str
    changes: tuple[FieldChange, ...]
    config: Configuration
    new_text: str | None
    diff: str

    @property
    def writable(self) -> bool:
        return self.source.writable


@dataclass(frozen=True)
class Invalid:
    """The edit does not validate: one message per form field."""

    errors: dict[str, str] = field(default_factory=dict)


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ConfigEditor:
    """Reads and edits the configuration of one bot: ``path`` is its ``ONCALL_CONFIG``."""

    def __init__(self, path: str | None, read_unit: Callable[[], UnitOfWork]) -> None:
        self.path = Path(path) if path else None
        self._read_unit = read_unit

    async def running(self) -> Configuration:
        """The configuration the bot runs (the database's)."""
        async with self._read_unit() as uow:
            return await uow.config.load() or Configuration()

    async def source(self) -> Source:
        """The configuration to edit, and whether its file can be written.

        :class:`EditRefused` when the file exists but is not a valid configuration, or when it
        differs from what the bot runs (it was changed and not applied: applying our edit
        would apply those changes too, unseen).
        """
        running = await self.running()
        if self.path is None:
            return _from_database(running, "the bot runs without a configuration file")
        try:
            raw = await asyncio.to_thread(self.path.read_bytes)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            return _from_database(running, f"the bot cannot read {self.path} ({reason})")
        text = raw.decode("utf-8", errors="replace")
        try:
            report = validate_text(text, str(self.path))
        except ConfigFileError as exc:
            raise EditRefused(f"{exc}. Fix the file first.") from None
        if not report.ok or report.result.config is None:
            raise EditRefused(f"{self.path} has errors ({report.messages[0]}). Fix it first.")
        pending = diff_configurations(running, report.result.config)
        if not pending.empty:
            shown = "; ".join(c.describe() for c in pending.changes[:3])
            raise EditRefused(
                f"{self.path} differs from the configuration the bot runs ({shown}): apply it "
                "with `oncall config apply` first, then edit."
            )
        why_not = await asyncio.to_thread(_unwritable, self.path)
        return Source(report.result.config, digest_of(raw), self.path, text, not why_not, why_not)

    async def prepare(
        self,
        actor: str | None,
        schedule_id: str,
        layer_id: str,
        digest: str,
        values: LayerValues,
    ) -> Prepared | Invalid | None:
        """The edit of one layer, checked; None when it changes nothing.

        :class:`EditRefused` when ``actor`` may not change the schedule, when the
        configuration's digest is no longer ``digest`` (changed meanwhile), or when the layer
        is gone.
        """
        source = await self.source()
        refused = config_refusal(source.config, actor, schedule_id)
        if refused:
            raise EditRefused(f"{refused[0].upper()}{refused[1:]}. Nothing changed.")
        if source.digest != digest:
            where = source.path or "the configuration"
            raise EditRefused(
                f"{where} was changed by someone else since you opened this form. Nothing "
                "was saved: open /oncall config again to edit the current version."
            )
        schedule, layer = layer_of(source.config, schedule_id, layer_id)
        keys = changed_keys(layer, values)
        if not keys:
            return None
        found = changes(LayerValues.of(layer), values, keys)
        if source.text is not None and source.path is not None:
            return _edit_file(source, schedule, layer_id, values, keys, found)
        return _edit_database(source, schedule, layer_id, values, keys, found)


def layer_of(
    config: Configuration, schedule_id: str, layer_id: str | None
) -> tuple[Schedule, Layer]:
    """The schedule and its layer (the first when ``layer_id`` is None); EditRefused if gone."""
    schedule = config.schedule(schedule_id)
    if schedule is None:
        raise EditRefused(f"There is no schedule {schedule_id!r} any more.")
    layer = next((x for x in schedule.layers if layer_id in (None, x.id)), None)
    if layer is None:
        raise EditRefused(f"{schedule.name or schedule.id} has no layer {layer_id!r} any more.")
    return schedule, layer


def _from_database(config: Configuration, why_not: str) -> Source:
    canonical = json.dumps(config.to_document(), sort_keys=True).encode()
    return Source(config, digest_of(canonical), None, None, False, why_not)


def _unwritable(path: Path) -> str | None:
    """Why ``path`` cannot be replaced atomically, or None.

    A file without any write permission bit counts as read-only even for a user (root) whom
    the system would let write it: the file's owner marked it so.
    """
    mode = path.stat().st_mode
    if not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(path, os.W_OK):
        return f"{path} is read-only"
    if not os.access(path.parent, os.W_OK | os.X_OK):
        return f"the folder of {path} is read-only"
    return None


def _edit_file(
    source: Source,
    schedule: Schedule,
    layer_id: str,
    values: LayerValues,
    keys: tuple[str, ...],
    found: tuple[FieldChange, ...],
) -> Prepared | Invalid:
    assert source.text is not None and source.path is not None
    try:
        new_text = edit_layer(source.text, schedule.id, layer_id, values, keys)
    except LayerNotFound as exc:
        raise EditRefused(f"{str(exc)[0].upper()}{str(exc)[1:]}.") from None
    report = validate_text(new_text, str(source.path))
    if not report.ok or report.result.config is None:
        return _invalid(report.result.issues, *_indexes(source.config, schedule.id, layer_id))
    diff = unified_diff(source.text, new_text, source.path.name)
    return Prepared(source, schedule.id, layer_id, found, report.result.config, new_text, diff)


def _edit_database(
    source: Source,
    schedule: Schedule,
    layer_id: str,
    values: LayerValues,
    keys: tuple[str, ...],
    found: tuple[FieldChange, ...],
) -> Prepared | Invalid:
    document = source.config.to_document()
    si, li = _indexes(source.config, schedule.id, layer_id)
    layers = document["schedules"][si]["layers"]
    old_values = LayerValues.of(schedule.layers[li])
    layer = dict(layers[li])
    for key in keys:
        value = values.value(key)
        if value is None:
            layer.pop(key, None)
        else:
            layer[key] = value
    layers[li] = layer
    result = validate_document(document)
    if result.config is None:
        return _invalid(result.issues, si, li)
    name = f"schedules/{schedule.id}/layers"
    diff = unified_diff(layer_snippet(layer_id, old_values), layer_snippet(layer_id, values), name)
    return Prepared(source, schedule.id, layer_id, found, result.config, None, diff)


def _indexes(config: Configuration, schedule_id: str, layer_id: str) -> tuple[int, int]:
    """Positions of the schedule and layer: the file's order is the configuration's."""
    si = next(i for i, s in enumerate(config.schedules) if s.id == schedule_id)
    li = next(i for i, x in enumerate(config.schedules[si].layers) if x.id == layer_id)
    return si, li


def _invalid(issues: tuple[ConfigIssue, ...], si: int, li: int) -> Invalid:
    errors: dict[str, str] = {}
    for issue in issues:
        message = issue.message
        where = field_of(issue.path, si, li)
        if where is None:
            where, message = "members", f"{issue.dotted}: {message}"
        if where not in errors:
            errors[where] = message[0].upper() + message[1:] if message else "Not valid."
    return Invalid(errors or {"members": "The edited file is not valid."})
