"""Reading YAML files: line numbers in every message, YAML 1.2 scalars, duplicate keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrations.config_repo.loader import (
    ConfigFileError,
    InvalidConfiguration,
    load_configuration,
    parse_yaml,
    validate_file,
    validate_text,
)
from tests.support import EXAMPLE_CONFIG

FIVE_MISTAKES = """\
version: 1
people:
  - id: alice
    timezone: Europe/Berln          # line 4: misspelt zone
  - id: bob
    favourite_colour: blue          # line 6: unknown key
schedules:
  - id: primary
    layers:
      - id: weekly
        members: [alice, carol]     # line 11: unknown person
        rotation: weekly
        start: "2026-01-05 25:00"   # line 13: impossible time
escalation_policies:
  - id: default
    tiers:
      - targets: [schedule:primary]
        escalate_after: 5           # line 18: no unit
"""


def test_five_mistakes_give_five_messages_each_with_its_line() -> None:
    report = validate_text(FIVE_MISTAKES, "oncall.yaml")
    assert not report.ok
    assert report.messages == (
        "oncall.yaml:4: people[0].timezone: unknown time zone 'Europe/Berln'; "
        "use an IANA name such as Europe/Berlin",
        "oncall.yaml:6: people[1].favourite_colour: unknown key 'favourite_colour'",
        "oncall.yaml:11: schedules[0].layers[0].members[1]: unknown person 'carol'",
        "oncall.yaml:13: schedules[0].layers[0].start: '2026-01-05 25:00' is not a real date "
        "and time: hour must be in 0..23",
        "oncall.yaml:18: escalation_policies[0].tiers[0].escalate_after: expected a duration "
        'with a unit such as "5m" or "1h30m", got 5',
    )


def test_missing_field_points_at_its_parent() -> None:
    text = "version: 1\npeople: [{id: a}]\nschedules:\n  - id: s\n    layers:\n      - id: l\n        members: [a]\n        rotation: daily\n"
    report = validate_text(text, "f.yaml")
    assert report.messages == ("f.yaml:6: schedules[0].layers[0].start: required field is missing",)


def test_yaml_12_scalars_times_and_norway() -> None:
    text = (
        "version: 1\n"
        "people: [{id: no}, {id: 'on'}]\n"  # YAML 1.1 would read False and True
        "schedules:\n"
        "  - id: s\n"
        "    layers:\n"
        "      - id: l\n"
        "        members: [no]\n"
        "        rotation: daily\n"
        "        start: 2026-01-05 09:00\n"  # unquoted: still text, then a wall-clock time
        "        active: [{from: 09:00, to: 17:30}]\n"  # YAML 1.1 would read 540 and 1050
    )
    report = validate_text(text, "f.yaml")
    assert report.ok, report.messages
    config = report.result.config
    assert config is not None
    assert [p.id for p in config.people] == ["no", "on"]
    window = config.schedules[0].layers[0].active[0]  # type: ignore[index]
    assert (window.from_, window.to) == (540, 1050)


def test_key_written_twice_is_an_error() -> None:
    report = validate_text("version: 1\ntimezone: UTC\ntimezone: Europe/Berlin\n", "f.yaml")
    assert report.messages == ("f.yaml:3: timezone: key written twice (first on line 2)",)
    assert report.result.config is None


def test_syntax_error_names_the_line() -> None:
    pattern = r"^f\.yaml:4: YAML syntax error: .*\(while parsing a flow sequence on line 3\)$"
    with pytest.raises(ConfigFileError, match=pattern):
        parse_yaml("version: 1\npeople:\n  - id: [unclosed\n", "f.yaml")


def test_empty_file_needs_version() -> None:
    report = validate_text("", "empty.yaml")
    assert report.messages == (
        "empty.yaml:1: <document>: required key `version` is missing (write `version: 1`)",
    )


def test_missing_and_binary_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigFileError, match="no such file"):
        validate_file(tmp_path / "nope.yaml")
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"version: 1\n\xff\xfe")
    with pytest.raises(ConfigFileError, match="not UTF-8"):
        validate_file(binary)


def test_load_configuration_raises_with_every_message(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(FIVE_MISTAKES)
    with pytest.raises(InvalidConfiguration) as caught:
        load_configuration(path)
    assert len(caught.value.messages) == 5
    assert str(caught.value) == f"{path}: 5 errors"


def test_example_configuration_is_valid() -> None:
    config = load_configuration(EXAMPLE_CONFIG)
    assert len(config.people) == 12
    assert len(config.teams) == 3
    assert len(config.services) == 6
    zones = {p.timezone for p in config.people}
    assert zones == {"Australia/Sydney", "Europe/Berlin", "America/New_York"}
