"""Validate a parsed configuration document and report every problem at once.

The input is the plain data a YAML or JSON parser produced. Each problem is reported with the
path of the field it concerns (``("schedules", 0, "layers", 1, "members", 2)``) so the loader
can name the file and line. Items are validated one by one, so a mistake in one person does
not hide a mistake in another; references are checked against every id that was written,
valid or not, so one mistake is reported once rather than again at every place it is used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from pydantic import BaseModel, ValidationError

from core.config import timefmt
from core.config.model import (
    DEFAULT_SEVERITIES,
    Configuration,
    EscalationPolicy,
    Heartbeat,
    Layer,
    MaintenanceWindow,
    Person,
    Route,
    Schedule,
    Service,
    SeverityRule,
    Team,
)
from core.schedule.wallclock import to_instant

Path = tuple[str | int, ...]

SECTIONS: dict[str, type[BaseModel]] = {
    "people": Person,
    "teams": Team,
    "schedules": Schedule,
    "services": Service,
    "escalation_policies": EscalationPolicy,
    "routes": Route,
    "heartbeats": Heartbeat,
    "maintenance": MaintenanceWindow,
}
TOP_LEVEL = ("version", "timezone", *SECTIONS, "severities")


@dataclass(frozen=True)
class ConfigIssue:
    """One problem: where it is (a path into the document) and what is wrong."""

    path: Path
    message: str

    @property
    def dotted(self) -> str:
        """The path as ``schedules[0].layers[1].members[2]`` (``<document>`` for the root)."""
        out = ""
        for part in self.path:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
        return out or "<document>"


@dataclass(frozen=True)
class ValidationResult:
    """The configuration when there is no issue, else None and the issues in document order."""

    config: Configuration | None
    issues: tuple[ConfigIssue, ...]


def validate_document(data: object) -> ValidationResult:
    """Check ``data`` against CONFIG.md and build the resolved :class:`Configuration`.

    Edge cases: an empty document or one that is not a mapping is one issue at the root;
    ``version`` is the only required key; a section given as ``null`` counts as empty; person
    and schedule zones default to the top-level ``timezone`` (itself defaulting to UTC).
    """
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        return ValidationResult(None, (ConfigIssue((), "the file must be a mapping of sections"),))
    issues: list[ConfigIssue] = []
    for key in data:
        if key not in TOP_LEVEL:
            issues.append(ConfigIssue((str(key),), _unknown_key(key, TOP_LEVEL)))
    if "version" not in data:
        issues.append(ConfigIssue((), "required key `version` is missing (write `version: 1`)"))
    elif data["version"] != 1 or isinstance(data["version"], bool):
        issues.append(ConfigIssue(("version",), f"unsupported version {data['version']!r}; use 1"))
    default_zone = data.get("timezone") or "UTC"
    try:
        timefmt.zone(default_zone)
    except ValueError as exc:
        issues.append(ConfigIssue(("timezone",), str(exc)))
        default_zone = "UTC"

    valid: dict[str, list[Any]] = {}
    for section, model in SECTIONS.items():
        check, salvage = _schedule_checks(default_zone) if section == "schedules" else (None, None)
        valid[section] = list(_validate_items(data, section, model, issues, check, salvage))
    severities = _validate_severities(data.get("severities"), issues)

    written = {section: _written_ids(data.get(section)) for section in SECTIONS}
    issues.extend(_duplicate_ids(data))
    issues.extend(_references(data, written, severities, valid["escalation_policies"]))
    if issues:
        return ValidationResult(None, tuple(sorted(issues, key=_order)))

    config = Configuration(
        timezone=default_zone,
        people=tuple(
            p.model_copy(update={"timezone": p.timezone or default_zone}) for p in valid["people"]
        ),
        teams=tuple(valid["teams"]),
        schedules=tuple(
            s.model_copy(update={"timezone": s.timezone or default_zone})
            for s in valid["schedules"]
        ),
        services=tuple(valid["services"]),
        escalation_policies=tuple(valid["escalation_policies"]),
        severities=severities,
        routes=tuple(valid["routes"]),
        heartbeats=tuple(valid["heartbeats"]),
        maintenance=tuple(
            w.model_copy(update={"timezone": w.timezone or default_zone})
            for w in valid["maintenance"]
        ),
    )
    return ValidationResult(config, ())


def _order(issue: ConfigIssue) -> tuple[str, ...]:
    return tuple(f"{p:08d}" if isinstance(p, int) else p for p in issue.path)


def _unknown_key(key: object, allowed: Iterable[str]) -> str:
    return f"unknown key {key!r}; expected one of: {', '.join(allowed)}"


def _validate_items(
    data: Mapping[str, Any],
    section: str,
    model: type[BaseModel],
    issues: list[ConfigIssue],
    check: Callable[[Any, Path], Iterator[ConfigIssue]] | None = None,
    salvage: Callable[[Mapping[str, Any], Path], Iterator[ConfigIssue]] | None = None,
) -> Iterator[Any]:
    """The entries of ``section`` that validate, their issues added to ``issues``.

    ``check`` runs the cross-field rules on an entry that validates; ``salvage`` runs them on
    the parts of an entry that does not (so every error is reported in one run).
    """
    items = data.get(section)
    if items is None:
        return
    if not isinstance(items, list):
        issues.append(ConfigIssue((section,), f"`{section}` must be a list"))
        return
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            issues.append(ConfigIssue((section, index), "each entry must be a mapping"))
            continue
        try:
            entry = model.model_validate(item)
        except ValidationError as exc:
            issues.extend(_from_pydantic(exc, (section, index)))
            if salvage is not None:
                issues.extend(salvage(item, (section, index)))
            continue
        found = list(check(entry, (section, index))) if check is not None else []
        issues.extend(found)
        if not found:
            yield entry


_UNIT = {
    "hourly": timedelta(hours=1),
    "daily": timedelta(days=1),
    "weekly": timedelta(weeks=1),
    "monthly": timedelta(days=28),  # the shortest month bounds a monthly turn
}


def _zone_or_none(name: object) -> tzinfo | None:
    try:
        return timefmt.zone(name) if isinstance(name, str) else None
    except ValueError:
        return None  # reported on its own field


def _schedule_checks(
    default_zone: str,
) -> tuple[
    Callable[[Schedule, Path], Iterator[ConfigIssue]],
    Callable[[Mapping[str, Any], Path], Iterator[ConfigIssue]],
]:
    """The cross-field checks of a schedule that validates, and of one that does not, reading
    layer times in the schedule's zone (else ``default_zone``)."""

    def check(schedule: Schedule, path: Path) -> Iterator[ConfigIssue]:
        zone = _zone_or_none(schedule.timezone or default_zone)
        for index, layer in enumerate(schedule.layers):
            yield from layer_issues(layer, (*path, "layers", index), zone)

    def salvage(schedule: Mapping[str, Any], path: Path) -> Iterator[ConfigIssue]:
        zone = _zone_or_none(schedule.get("timezone") or default_zone)
        yield from _salvaged_layer_issues(schedule, path, zone)

    return check, salvage


def _salvaged_layer_issues(
    schedule: Mapping[str, Any], path: Path, zone: tzinfo | None = None
) -> Iterator[ConfigIssue]:
    """The cross-field issues of each layer of a schedule that did not validate as a whole.

    An invalid layer (or any other field of the schedule) does not hide the cross-field errors
    of the layers that validate on their own; the invalid ones were reported field by field.
    """
    layers = schedule.get("layers")
    if not isinstance(layers, list):
        return
    for index, raw in enumerate(layers):
        if not isinstance(raw, Mapping):
            continue
        try:
            layer = Layer.model_validate(raw)
        except ValidationError:
            continue
        yield from layer_issues(layer, (*path, "layers", index), zone)


def layer_issues(layer: Layer, path: Path, zone: tzinfo | None = None) -> Iterator[ConfigIssue]:
    """The rules across a layer's fields, each reported on the field it names.

    - ``until`` must be after ``start``; ``rotation_start`` at or after ``start`` and before
      ``until``; with ``zone`` (the schedule's) these compare the instants the readings stand
      for by the hand-over DST rule, so two readings inside one spring-forward gap are the
      same instant (``rotation_start: 02:10``, ``until: 02:30`` leave the layer empty: an
      error); without it the readings themselves;
    - ``shift`` at most one turn (``every`` units; a monthly unit counts as 28 days);
    - ``turn: active`` needs ``active`` windows (it counts the units in which they open) and
      cannot take ``skip`` (a turn that counts active units has no calendar gap to leave).
    """

    def instant(reading: datetime) -> datetime:
        return reading if zone is None else to_instant(reading, zone)

    start = instant(layer.start)
    until = None if layer.until is None else instant(layer.until)
    gap = " (as instants: a reading inside a daylight-saving gap means the gap's end)"
    if until is not None and until <= start:
        note = gap if layer.until is not None and layer.until > layer.start else ""
        yield ConfigIssue((*path, "until"), f"`until` must be after `start`{note}")
    if layer.rotation_start is not None:
        rotation_start = instant(layer.rotation_start)
        if rotation_start < start:
            yield ConfigIssue(
                (*path, "rotation_start"),
                "`rotation_start` must not be before `start` (the anchor of the first turn)",
            )
        elif until is not None and rotation_start >= until:
            note = gap if layer.until is not None and layer.rotation_start < layer.until else ""
            yield ConfigIssue(
                (*path, "rotation_start"),
                f"`rotation_start` must be before `until`{note}: the layer would be empty",
            )
    if layer.shift is not None:
        turn = _UNIT[layer.rotation] * layer.every
        if layer.shift > turn:
            yield ConfigIssue(
                (*path, "shift"),
                f"a shift of {timefmt.format_duration(layer.shift)} is longer than a turn "
                f"({layer.every} {layer.rotation} unit(s), at most "
                f"{timefmt.format_duration(turn)})",
            )
    if layer.turn == "active":
        if layer.active is None:
            yield ConfigIssue(
                (*path, "turn"),
                "`turn: active` counts the units in which the layer's `active` windows open; "
                "add `active` windows or remove `turn`",
            )
        if layer.skip is not None:
            yield ConfigIssue(
                (*path, "skip"),
                "`skip` counts calendar units and cannot be combined with `turn: active`",
            )


def _validate_severities(raw: object, issues: list[ConfigIssue]) -> dict[str, SeverityRule]:
    if raw is None:
        return dict(DEFAULT_SEVERITIES)
    if not isinstance(raw, Mapping):
        issues.append(ConfigIssue(("severities",), "`severities` must map a name to its rule"))
        return {}
    out: dict[str, SeverityRule] = {}
    for name, rule in raw.items():
        if not isinstance(name, str) or not name:
            issues.append(ConfigIssue(("severities", str(name)), "a severity name must be text"))
            continue
        try:
            out[name] = SeverityRule.model_validate(rule if rule is not None else {})
        except ValidationError as exc:
            issues.extend(_from_pydantic(exc, ("severities", name)))
    return out


def _from_pydantic(exc: ValidationError, prefix: Path) -> Iterator[ConfigIssue]:
    errors = exc.errors(include_url=False)
    locs = [tuple(p for p in e["loc"] if not _is_validator_tag(p)) for e in errors]
    for error, loc in zip(errors, locs, strict=True):
        if error["type"] == "too_short" and any(
            len(other) > len(loc) and other[: len(loc)] == loc for other in locs
        ):
            continue  # the list is short only because an item in it failed: report the item
        message = str(error["msg"])
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        if error["type"] == "missing":
            message = "required field is missing"
        elif error["type"] == "extra_forbidden":
            message = f"unknown key {loc[-1]!r}" if loc else "unknown key"
        elif error["type"] == "literal_error":
            message = f"{error['input']!r} is not allowed; {message[0].lower()}{message[1:]}"
        elif error["type"] == "string_pattern_mismatch":
            message = _pattern_message(loc, error["input"])
        elif error["type"] == "too_short":
            message = "must not be empty"
        yield ConfigIssue(prefix + loc, message)


def _is_validator_tag(part: object) -> bool:
    # pydantic puts function-validator names such as "function-before[...]" in some locations.
    return isinstance(part, str) and "[" in part and part.endswith("]")


def _pattern_message(loc: tuple[Any, ...], value: object) -> str:
    field = next((p for p in reversed(loc) if isinstance(p, str)), "")
    if field == "targets":
        return f"{value!r} is not a target; write schedule:ID or person:ID"
    if field == "email":
        return f"{value!r} is not an email address"
    return f"{value!r} is not a valid id: use letters, digits, '-', '_' or '.'"


def _written_ids(items: object) -> dict[str, int] | None:
    """Every id written in a section (first occurrence), whether or not its entry is valid.

    None when the section is there but is not a list: its ids are unknowable, so references
    to it are not checked (the section's own error is reported instead).
    """
    if items is not None and not isinstance(items, list):
        return None
    ids: dict[str, int] = {}
    if isinstance(items, list):
        for index, item in enumerate(items):
            if isinstance(item, Mapping) and isinstance(item.get("id"), str):
                ids.setdefault(item["id"], index)
    return ids


def _duplicate_ids(data: Mapping[str, Any]) -> Iterator[ConfigIssue]:
    for section in SECTIONS:
        yield from _duplicates_in(data.get(section), (section,))
    yield from _duplicates_in(data.get("heartbeats"), ("heartbeats",), key="name")
    schedules = data.get("schedules")
    if isinstance(schedules, list):
        for index, schedule in enumerate(schedules):
            if isinstance(schedule, Mapping):
                yield from _duplicates_in(schedule.get("layers"), ("schedules", index, "layers"))


def _duplicates_in(items: object, path: Path, key: str = "id") -> Iterator[ConfigIssue]:
    if not isinstance(items, list):
        return
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        if isinstance(item, Mapping) and isinstance(item.get(key), str):
            if item[key] in seen:
                first = ConfigIssue((*path, seen[item[key]]), "").dotted
                yield ConfigIssue(
                    (*path, index, key), f"duplicate {key} {item[key]!r}; already used by {first}"
                )
            else:
                seen[item[key]] = index


def _references(
    data: Mapping[str, Any],
    written: dict[str, dict[str, int] | None],
    severities: dict[str, SeverityRule],
    policies: list[EscalationPolicy],
) -> Iterator[ConfigIssue]:
    people, teams = written["people"], written["teams"]
    schedules, services = written["schedules"], written["services"]
    policy_ids = written["escalation_policies"]

    def check(
        value: object, known: dict[str, int] | None, kind: str, path: Path
    ) -> Iterator[ConfigIssue]:
        if known is not None and isinstance(value, str) and value not in known:
            yield ConfigIssue(path, f"unknown {kind} {value!r}")

    for i, team in _entries(data, "teams"):
        for j, manager in enumerate(_list(team.get("managers"))):
            yield from check(manager, people, "person", ("teams", i, "managers", j))
    for i, schedule in _entries(data, "schedules"):
        yield from check(schedule.get("team"), teams, "team", ("schedules", i, "team"))
        for j, layer in enumerate(_list(schedule.get("layers"))):
            if isinstance(layer, Mapping):
                for k, member in enumerate(_list(layer.get("members"))):
                    path = ("schedules", i, "layers", j, "members", k)
                    yield from check(member, people, "person", path)
    for i, service in _entries(data, "services"):
        yield from check(service.get("team"), teams, "team", ("services", i, "team"))
        policy_path: Path = ("services", i, "escalation_policy")
        policy_ref = service.get("escalation_policy")
        yield from check(policy_ref, policy_ids, "escalation policy", policy_path)
    for i, policy in _entries(data, "escalation_policies"):
        for j, tier in enumerate(_list(policy.get("tiers"))):
            if not isinstance(tier, Mapping):
                continue
            for k, target in enumerate(_list(tier.get("targets"))):
                kind, _, ref = str(target).partition(":")
                known = {"schedule": schedules, "person": people}.get(kind)
                if known is not None:
                    target_path: Path = ("escalation_policies", i, "tiers", j, "targets", k)
                    yield from check(ref, known, kind, target_path)
    for i, route in _entries(data, "routes"):
        yield from check(route.get("service"), services, "service", ("routes", i, "service"))
    for i, beat in _entries(data, "heartbeats"):
        yield from check(beat.get("service"), services, "service", ("heartbeats", i, "service"))
    for i, window in _entries(data, "maintenance"):
        yield from check(window.get("service"), services, "service", ("maintenance", i, "service"))
        yield from check(window.get("team"), teams, "team", ("maintenance", i, "team"))
    tiers = {p.id: len(p.tiers) for p in policies}
    for name, rule in severities.items():
        if rule.escalation_policy is not None:
            rule_path: Path = ("severities", name, "escalation_policy")
            yield from check(rule.escalation_policy, policy_ids, "escalation policy", rule_path)
            count = tiers.get(rule.escalation_policy)
            if count is not None and rule.start_tier > count:
                yield ConfigIssue(
                    ("severities", name, "start_tier"),
                    f"policy {rule.escalation_policy!r} has only {count} tier(s)",
                )


def _entries(data: Mapping[str, Any], section: str) -> Iterator[tuple[int, Mapping[str, Any]]]:
    for index, item in enumerate(_list(data.get(section))):
        if isinstance(item, Mapping):
            yield index, item


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []
