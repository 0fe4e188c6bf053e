"""Edit one layer of a configuration file in place, keeping every comment and the layout.

ruamel.yaml's round-trip mode loads the file with its comments, quoting and flow styles; the
layer's keys are changed in that tree and the tree is dumped again. Three things keep the
rest of the file byte for byte as it was:

- the indentation is the file's own: the style whose plain round-trip reproduces the file (or
  comes closest) is used;
- blank lines and comments after the layer (ruamel keeps them in the comment slot of the
  layer's last value) are moved to whatever value is last after the edit, so adding or
  removing ``active`` does not move them;
- only the layer's lines are taken from the dump; every other line is the original's.

Values keep their spelling where they do not change (see
:func:`core.config.layer_edit.changed_keys`); a changed ``start`` or window time keeps the
quoting the file used, and is double-quoted when new.

ruamel's composer is recursive like PyYAML's (100,000 ``[`` raise ``RecursionError``, after
seconds); it keeps aliases as shared objects, so an alias bomb is not expanded here, but the
loader refuses one. :func:`edit_layer` therefore first reads the text with
:func:`integrations.config_repo.loader.parse_yaml` (:class:`ConfigFileError` with the line);
the chat editor has validated the file the same way before it gets here.
"""

from __future__ import annotations

import difflib
import io
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, ScalarString
from ruamel.yaml.tokens import CommentToken

from core.config.layer_edit import LayerValues, Window
from integrations.config_repo.loader import parse_yaml
from integrations.config_repo.splice import changed_lines, splice

STYLES = ((2, 4, 2), (2, 2, 0), (4, 4, 0), (4, 6, 4), (4, 6, 2), (2, 4, 0), (4, 4, 2))
"""(mapping, sequence, offset) indentations tried, most common first."""


class LayerNotFound(LookupError):
    """The file has no such schedule or layer (any more)."""


def yaml_for(style: tuple[int, int, int]) -> YAML:
    """A round-trip YAML with ``style`` indentation that never folds long lines."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    mapping, sequence, offset = style
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    return yaml


def dump(yaml: YAML, data: Any) -> str:
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def file_style(text: str) -> tuple[int, int, int]:
    """The indentation style that reproduces ``text`` exactly, or changes the fewest lines."""
    best, fewest = STYLES[0], None
    for style in STYLES:
        yaml = yaml_for(style)
        again = dump(yaml, yaml.load(text))
        if again == text:
            return style
        changed = changed_lines(text, again)
        if fewest is None or changed < fewest:
            best, fewest = style, changed
    return best


def find_layer(data: Any, schedule_id: str, layer_id: str) -> tuple[int, int]:
    """Indexes of the schedule and of its layer; :class:`LayerNotFound` when absent."""
    schedules = data.get("schedules") if isinstance(data, dict) else None
    for si, schedule in enumerate(schedules or ()):
        if isinstance(schedule, dict) and schedule.get("id") == schedule_id:
            for li, layer in enumerate(schedule.get("layers") or ()):
                if isinstance(layer, dict) and layer.get("id") == layer_id:
                    return si, li
            raise LayerNotFound(f"schedule {schedule_id} has no layer {layer_id!r} any more")
    raise LayerNotFound(f"the file has no schedule {schedule_id!r} any more")


def edit_layer(
    text: str, schedule_id: str, layer_id: str, values: LayerValues, keys: tuple[str, ...]
) -> str:
    """``text`` with the ``keys`` of the layer set to ``values``; other lines unchanged.

    Edge cases: ``every`` equal to 1 is not added when the file leaves it out; ``active``
    None removes the key; windows are edited in place, so a window's trailing comment stays.
    A file nested too deep or with an alias bomb raises
    :class:`~integrations.config_repo.loader.ConfigFileError` before ruamel reads it.
    """
    parse_yaml(text, "the configuration")
    yaml = yaml_for(file_style(text))
    data = yaml.load(text)
    si, li = find_layer(data, schedule_id, layer_id)
    layer = data["schedules"][si]["layers"][li]
    before = _layer_line(data, si, li)
    tail = _take_tail(layer)
    for key in keys:
        _set(layer, key, values)
    _put_tail(layer, tail)
    edited = dump(yaml, data)
    return splice(text, before, edited, _layer_line(yaml.load(edited), si, li))


def unified_diff(old: str, new: str, name: str) -> str:
    """The change as ``git diff`` shows it (``a/NAME``, ``b/NAME``, three lines of context)."""
    lines = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{name}", f"b/{name}"
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def layer_snippet(layer_id: str, values: LayerValues) -> str:
    """The layer as the file would write it (for a diff when there is no file to edit)."""
    layer = CommentedMap(id=layer_id)
    for key in ("members", "rotation", "every", "start", "active"):
        if key == "active" and values.active is None:
            continue
        layer[key] = _new_value(key, values)
    return dump(yaml_for(STYLES[0]), CommentedSeq([layer]))


def _set(layer: CommentedMap, key: str, values: LayerValues) -> None:
    old = layer.get(key)
    if key == "every" and key not in layer and values.every == 1:
        return
    if key == "active" and values.active is None:
        layer.pop(key, None)
        return
    if key == "members" and isinstance(old, CommentedSeq):
        _set_members(old, values.members)
    elif key == "active" and isinstance(old, CommentedSeq):
        _set_windows(old, values.active or ())
    elif key in layer:
        layer[key] = _styled(old, values.value(key)) if key == "start" else _new_value(key, values)
    else:
        keys = list(layer)
        after_rotation = key == "every" and "rotation" in keys
        position = keys.index("rotation") + 1 if after_rotation else len(keys)
        layer.insert(position, key, _new_value(key, values))


def _set_members(seq: CommentedSeq, members: tuple[str, ...]) -> None:
    """Members in their new order; a member's comment (``- bob  # lead``) moves with them."""
    comments = {str(item): seq.ca.items.get(i) for i, item in enumerate(seq)}
    tail = _take_seq_tail(seq)
    seq.ca.items.clear()
    seq[:] = list(members)
    for i, member in enumerate(members):
        if comments.get(member) is not None:
            seq.ca.items[i] = comments[member]
    _put_tail(seq, tail)


def _take_seq_tail(seq: CommentedSeq) -> str:
    return _take_tail(seq) if seq.ca.items.get(len(seq) - 1) is not None else ""


def _new_value(key: str, values: LayerValues) -> Any:
    if key == "members":
        return _flow(CommentedSeq(values.members))
    if key == "start":
        return DoubleQuotedScalarString(values.start)
    if key == "active":
        return CommentedSeq(_new_window(w) for w in values.active or ())
    return values.value(key)


def _set_windows(seq: CommentedSeq, windows: tuple[Window, ...]) -> None:
    for i, window in enumerate(windows):
        old = seq[i] if i < len(seq) else None
        if old is None:
            seq.append(_new_window(window))
            continue
        if not isinstance(old, CommentedMap):
            seq[i] = _new_window(window)
            continue
        if window.days is None:
            old.pop("days", None)
        elif isinstance(old.get("days"), CommentedSeq):
            old["days"][:] = list(window.days)
        else:
            old.insert(0, "days", _flow(CommentedSeq(window.days)))
        if window.days_of_month is None:
            old.pop("days_of_month", None)
        elif isinstance(old.get("days_of_month"), CommentedSeq):
            old["days_of_month"][:] = list(window.days_of_month)
        else:
            dates = _flow(CommentedSeq(window.days_of_month))
            old.insert(1 if "days" in old else 0, "days_of_month", dates)
        old["from"] = _styled(old.get("from"), window.from_)
        old["to"] = _styled(old.get("to"), window.to)
    del seq[len(windows) :]


def _new_window(window: Window) -> CommentedMap:
    out = CommentedMap()
    if window.days is not None:
        out["days"] = _flow(CommentedSeq(window.days))
    if window.days_of_month is not None:
        out["days_of_month"] = _flow(CommentedSeq(window.days_of_month))
    out["from"] = DoubleQuotedScalarString(window.from_)
    out["to"] = DoubleQuotedScalarString(window.to)
    out.fa.set_flow_style()
    return out


def _flow(node: Any) -> Any:
    node.fa.set_flow_style()
    return node


def _styled(old: Any, new: str) -> Any:
    """``new`` written with the quoting of ``old`` (double quotes when old was plain or absent)."""
    if isinstance(old, ScalarString):
        if str(old) == new:
            return old
        return type(old)(new)
    return DoubleQuotedScalarString(new)


def _last_slot(node: Any) -> tuple[dict[Any, Any], Any, int] | None:
    """Where ruamel keeps the comment after ``node``'s last line: (ca.items, key, position)."""
    if not isinstance(node, CommentedMap | CommentedSeq) or not node:
        return None
    key: Any = list(node)[-1] if isinstance(node, CommentedMap) else len(node) - 1
    value = node[key]
    if isinstance(value, CommentedMap | CommentedSeq) and value and not value.fa.flow_style():
        return _last_slot(value)
    return node.ca.items, key, 2 if isinstance(node, CommentedMap) else 0


def _take_tail(node: CommentedMap | CommentedSeq) -> str:
    """Cut the blank lines and comment lines after the node's last line off its comment."""
    slot = _last_slot(node)
    token = _token(slot)
    if token is None or "\n" not in token.value:
        return ""
    head, _, tail = token.value.partition("\n")
    token.value = head + "\n"
    return tail


def _put_tail(node: CommentedMap | CommentedSeq, tail: str) -> None:
    """Attach ``tail`` after the node's (new) last line."""
    slot = _last_slot(node)
    if not tail or slot is None:
        return
    token = _token(slot)
    if token is not None:
        token.value = (token.value if token.value.endswith("\n") else token.value + "\n") + tail
        return
    items, key, position = slot
    entry = items.setdefault(key, [None, None, None, None])
    entry[position] = CommentToken("\n" + tail, CommentMark(0), None)


def _token(slot: tuple[dict[Any, Any], Any, int] | None) -> CommentToken | None:
    if slot is None:
        return None
    items, key, position = slot
    entry = items.get(key)
    token = entry[position] if entry and len(entry) > position else None
    return token if isinstance(token, CommentToken) else None


def _layer_line(data: Any, si: int, li: int) -> tuple[int, int]:
    """The 0-based line and column of the layer's first key."""
    line, column = data["schedules"][si]["layers"].lc.item(li)
    return int(line), int(column)
