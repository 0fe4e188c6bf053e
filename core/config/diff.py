"""What changes when one configuration replaces another.

The comparison is on the canonical documents (``Configuration.to_document``), so formatting
differences in the file (``"9:00"`` against ``"09:00"``, ``1h`` against ``60m``, the order of
``days``) are not changes. Entities are matched by id; routes have no id and are matched by
their position (a route moved up is a change at two positions, which is what it is: order
decides which route wins).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from core.config.model import Configuration

Action = Literal["added", "changed", "removed"]
ORDERED_KINDS = frozenset({"services"})  # the first service whose `match` fits wins
KINDS: tuple[str, ...] = (
    "settings",
    "people",
    "teams",
    "schedules",
    "services",
    "escalation_policies",
    "severities",
    "routes",
    "heartbeats",
    "maintenance",
)


@dataclass(frozen=True)
class Change:
    """One entity added, changed (with the dotted paths of the fields that differ) or removed."""

    kind: str
    id: str
    action: Action
    fields: tuple[str, ...] = ()

    def describe(self) -> str:
        """One line for people: ``changed schedules/payments-primary: layers[weekly].members``."""
        what = f"{self.action} {self.kind}/{self.id}"
        return f"{what}: {', '.join(self.fields)}" if self.fields else what


@dataclass(frozen=True)
class ConfigDiff:
    """Every change, in the order of :data:`KINDS` and then of the new file."""

    changes: tuple[Change, ...]

    @property
    def empty(self) -> bool:
        """True when applying would change nothing."""
        return not self.changes

    def counts(self) -> dict[str, dict[str, int]]:
        """``{kind: {"added": n, "changed": n, "removed": n}}`` for kinds with changes."""
        out: dict[str, dict[str, int]] = {}
        for change in self.changes:
            bucket = out.setdefault(change.kind, {"added": 0, "changed": 0, "removed": 0})
            bucket[change.action] += 1
        return out

    def as_dict(self) -> dict[str, Any]:
        """A JSON-able form for the audit log and ``--json`` output."""
        return {
            "changes": [
                {"kind": c.kind, "id": c.id, "action": c.action, "fields": list(c.fields)}
                for c in self.changes
            ],
            "counts": self.counts(),
        }


def diff_configurations(old: Configuration | None, new: Configuration) -> ConfigDiff:
    """Compare ``old`` (None: an empty database) with ``new``.

    With ``old`` None every entity of ``new`` is added, default severities included, so the
    first apply writes everything. Applying ``new`` over itself gives an empty diff.
    """
    before = _entities(old.to_document()) if old is not None else {}
    after = _entities(new.to_document())
    changes: list[Change] = []
    for kind in KINDS:
        old_items = before.get(kind, {})
        new_items = after.get(kind, {})
        for key, item in new_items.items():
            if key not in old_items:
                changes.append(Change(kind, key, "added"))
            elif old_items[key] != item:
                fields = tuple(_changed_paths(old_items[key], item, ""))
                changes.append(Change(kind, key, "changed", fields))
        for key in old_items:
            if key not in new_items:
                changes.append(Change(kind, key, "removed"))
        if kind in ORDERED_KINDS and _common_order(old_items, new_items):
            changes.append(Change(kind, "(order)", "changed", ("order",)))
    return ConfigDiff(tuple(changes))


def _common_order(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """True when the ids present in both are in a different order."""
    return [k for k in old if k in new] != [k for k in new if k in old]


def _entities(document: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {
        "settings": {"timezone": {"value": document.get("timezone", "UTC")}},
        "severities": dict(document.get("severities", {})),
        "routes": {str(i + 1): r for i, r in enumerate(document.get("routes", []))},
        "heartbeats": {h["name"]: h for h in document.get("heartbeats", [])},
        # Windows have no id: one is named by what it covers and when it starts.
        "maintenance": {
            f"{w.get('service') or 'team:' + str(w.get('team'))}@{w['from']}": w
            for w in document.get("maintenance", [])
        },
    }
    for kind in ("people", "teams", "schedules", "services", "escalation_policies"):
        out[kind] = {item["id"]: item for item in document.get(kind, [])}
    return out


def _changed_paths(old: Any, new: Any, prefix: str) -> Iterator[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in list(new) + [k for k in old if k not in new]:
            if old.get(key) != new.get(key):
                yield from _changed_paths(old.get(key), new.get(key), _join(prefix, key))
    elif _keyed_list(old) and _keyed_list(new):
        old_by_id = {item["id"]: item for item in old}
        new_by_id = {item["id"]: item for item in new}
        if list(old_by_id) != list(new_by_id) and set(old_by_id) == set(new_by_id):
            yield f"{prefix} (order)"
        for key in list(new_by_id) + [k for k in old_by_id if k not in new_by_id]:
            before, after = old_by_id.get(key), new_by_id.get(key)
            if before == after:
                continue
            if before is None or after is None:
                yield f"{prefix}[{key}] {'added' if before is None else 'removed'}"
            else:
                yield from _changed_paths(before, after, f"{prefix}[{key}]")
    else:
        yield prefix


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _keyed_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(i, dict) and "id" in i for i in value)
