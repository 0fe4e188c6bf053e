"""Editing a layer in the YAML file itself: comments and layout kept, only the layer's lines
change, the same validator as ``oncall config validate``, the digest, read-only files."""

from __future__ import annotations

import difflib
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from core.config.apply import apply_configuration
from core.config.layer_edit import LayerValues, Window, parse_form
from integrations.config_repo.editor import ConfigEditor, EditRefused, Invalid, Prepared
from integrations.config_repo.git import Author
from integrations.config_repo.loader import load_configuration, validate_text
from integrations.config_repo.roundtrip import edit_layer, file_style
from integrations.config_repo.save import save_edit
from tests.fakes import FakeUnitOfWork, Store
from tests.support import EXAMPLE_CONFIG
from tests.unit.oncall.common import at

NOW = at("2026-03-02 10:00")
ALL = ("members", "rotation", "every", "start", "active")

# A file in the other common style (sequences not indented under their key), with comments
# everywhere an edit could disturb them.
COMPACT = """\
# Rotations of the ops team.
version: 1
timezone: UTC   # everyone is in UTC

people:
- {id: ann, email: ann@example.com}
- {id: bob}
- {id: cat}   # new this year
- {id: dan, name: Dan Manager, email: dan@example.com}

teams:
- id: ops
  managers: [dan]

schedules:
- id: primary
  team: ops
  layers:
  - id: daily
    members:          # the queue, in order
    - ann
    - bob             # bob hands over to ann
    rotation: daily
    start: '2026-03-02 09:00'   # single quotes on purpose
    active:
    - {days: [mon, tue, wed, thu, fri], from: "08:00", to: "20:00"}  # office hours

  # nights are covered by the secondary
- id: secondary
  team: ops
  layers:
  - id: weekly
    members: [cat, dan]
    rotation: weekly
    start: "2026-03-02 09:00"   # Monday
"""


def changed_lines(old: str, new: str) -> list[str]:
    """The old lines that differ, as ``-line`` and ``+line``."""
    return [
        line
        for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def values(**changes: object) -> LayerValues:
    base = {
        "members": "ann, bob",
        "rotation": "daily",
        "every": "1",
        "start_date": "2026-03-02",
        "start_time": "09:00",
        "active": "mon-fri 08:00-20:00",
    }
    parsed, errors = parse_form({**base, **{k: str(v) for k, v in changes.items()}})
    assert parsed is not None, errors
    return parsed


def test_a_plain_round_trip_of_the_example_is_exact() -> None:
    text = EXAMPLE_CONFIG.read_text()
    style = file_style(text)
    assert style == (2, 4, 2)
    assert file_style(COMPACT) == (2, 2, 0)


def test_example_members_change_touches_one_line_and_keeps_every_comment() -> None:
    text = EXAMPLE_CONFIG.read_text()
    new = edit_layer(
        text,
        "payments-secondary",
        "weekly",
        LayerValues(("sofia", "lukas", "anna"), "weekly", 1, "2026-01-05 09:00", None),
        ("members",),
    )
    assert changed_lines(text, new) == [
        "-        members: [sofia, anna, lukas]  # a different order, so nobody is primary and secondary",
        "+        members: [sofia, lukas, anna]  # a different order, so nobody is primary and secondary",
    ]
    assert validate_text(new, "oncall.yaml").ok


def test_every_key_of_a_compact_file_changes_in_place() -> None:
    new = edit_layer(
        COMPACT,
        "primary",
        "daily",
        values(members="bob cat ann", every=2, start_time="10:00", active="mon-thu 08:00-20:00"),
        ("members", "every", "start", "active"),
    )
    assert changed_lines(COMPACT, new) == [
        "+    - bob             # bob hands over to ann",  # bob's comment moves with bob
        "+    - cat",
        "-    - bob             # bob hands over to ann",
        "-    start: '2026-03-02 09:00'   # single quotes on purpose",
        "+    every: 2",
        "+    start: '2026-03-02 10:00'   # single quotes on purpose",
        '-    - {days: [mon, tue, wed, thu, fri], from: "08:00", to: "20:00"}  # office hours',
        '+    - {days: [mon, tue, wed, thu], from: "08:00", to: "20:00"}       # office hours',
    ]
    assert "members:          # the queue, in order" in new
    report = validate_text(new, "ops.yaml")
    assert report.ok, report.messages
    assert report.result.config is not None
    layer = report.result.config.schedules[0].layers[0]
    assert layer.members == ("bob", "cat", "ann") and layer.every == 2


def test_removing_the_windows_keeps_the_comment_and_blank_line_after_the_layer() -> None:
    new = edit_layer(COMPACT, "primary", "daily", values(active=""), ("active",))
    assert changed_lines(COMPACT, new) == [
        "-    active:",
        '-    - {days: [mon, tue, wed, thu, fri], from: "08:00", to: "20:00"}  # office hours',
    ]
    assert "start: '2026-03-02 09:00'   # single quotes on purpose\n\n  # nights are covered" in new


def test_adding_windows_goes_after_the_last_key_before_the_blank_line() -> None:
    text = EXAMPLE_CONFIG.read_text()
    window = Window(("sat", "sun"), "10:00", "16:00")
    new = edit_layer(
        text,
        "payments-primary",
        "weekly",
        LayerValues(("anna", "lukas", "sofia"), "weekly", 1, "2026-01-05 09:00", (window,)),
        ("active",),
    )
    assert changed_lines(text, new) == [
        "+        active:",
        '+          - {days: [sat, sun], from: "10:00", to: "16:00"}',
    ]
    at_start = new.index('start: "2026-01-05 09:00"      # Mondays at 09:00 Berlin time')
    assert new[at_start:].split("\n")[1:4] == [
        "        active:",
        '          - {days: [sat, sun], from: "10:00", to: "16:00"}',
        "",
    ]


def test_no_style_reproduces_the_file_but_only_the_layer_lines_change() -> None:
    odd = COMPACT.replace("people:\n- {id: ann", "people:\n-   {id: ann")  # a stray indent
    new = edit_layer(odd, "secondary", "weekly", values(members="dan cat"), ("members",))
    assert changed_lines(odd, new) == [
        "-    members: [cat, dan]",
        "+    members: [dan, cat]",
    ]


# The editor: the same validator, the digest, rights, read-only files, the database.


def unit_factory(store: Store) -> Callable[[], FakeUnitOfWork]:
    return lambda: FakeUnitOfWork(store)


async def editor_for(path: Path | None, text: str = COMPACT) -> tuple[ConfigEditor, Store]:
    store = Store()
    if path is not None:
        path.write_text(text)  # noqa: ASYNC240 - a small test file
        config = load_configuration(path)
    else:
        path_less = validate_text(text, "x.yaml").result.config
        assert path_less is not None
        config = path_less
    await apply_configuration(
        FakeUnitOfWork(store), config, actor="t", source="t", now=at("2026-03-01 00:00")
    )
    return ConfigEditor(str(path) if path else None, unit_factory(store)), store


async def test_validation_errors_come_back_per_field(tmp_path: Path) -> None:
    editor, _ = await editor_for(tmp_path / "ops.yaml")
    source = await editor.source()
    bad = values(members="ann zed", start_date="2026-02-30")
    outcome = await editor.prepare("dan", "primary", "daily", source.digest, bad)
    assert isinstance(outcome, Invalid)
    assert outcome.errors == {
        "members": "Unknown person 'zed'",
        "start_date": "'2026-02-30 09:00' is not a real date and time: day is out of range for month",
    }
    assert (tmp_path / "ops.yaml").read_text() == COMPACT


async def test_a_file_changed_meanwhile_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ops.yaml"
    editor, _ = await editor_for(path)
    digest = (await editor.source()).digest
    path.write_text(COMPACT.replace("# new this year", "# joined in March"))  # no meaning change
    with pytest.raises(EditRefused, match="changed by someone else"):
        await editor.prepare("dan", "primary", "daily", digest, values(members="bob ann"))


async def test_a_non_manager_and_an_unknown_person_are_refused(tmp_path: Path) -> None:
    editor, _ = await editor_for(tmp_path / "ops.yaml")
    digest = (await editor.source()).digest
    for who in ("ann", None):
        with pytest.raises(EditRefused, match="Nothing changed"):
            await editor.prepare(who, "primary", "daily", digest, values(members="bob ann"))


async def test_a_file_with_unapplied_changes_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ops.yaml"
    editor, _ = await editor_for(path)
    path.write_text(COMPACT.replace("members: [cat, dan]", "members: [dan, cat]"))
    with pytest.raises(EditRefused, match="differs from the configuration the bot runs"):
        await editor.source()


async def test_no_change_is_none(tmp_path: Path) -> None:
    editor, _ = await editor_for(tmp_path / "ops.yaml")
    digest = (await editor.source()).digest
    assert await editor.prepare("dan", "primary", "daily", digest, values()) is None


async def test_a_save_writes_the_file_and_applies_a_revision_from_now(tmp_path: Path) -> None:
    path = tmp_path / "ops.yaml"
    editor, store = await editor_for(path)
    digest = (await editor.source()).digest
    prepared = await editor.prepare("dan", "primary", "daily", digest, values(members="bob ann"))
    assert isinstance(prepared, Prepared) and prepared.writable
    saved = await save_edit(
        prepared,
        actor="dan",
        author=Author("Dan Manager", "dan@example.com"),
        via="Slack",
        new_unit=unit_factory(store),
        now=NOW,
    )
    assert saved.written and saved.revision is not None and saved.commit is None
    assert path.read_text() == prepared.new_text
    assert changed_lines(COMPACT, path.read_text()) == [
        "+    - bob             # bob hands over to ann",  # bob, and his comment, first
        "-    - bob             # bob hands over to ann",
    ]
    assert store.revisions[-1].applied_at == NOW
    assert store.revisions[-1].config == load_configuration(path)
    actions = [(e.action, e.actor) for e in store.audit]
    assert actions[-2:] == [("config.apply", "dan"), ("config.edit", "dan")]
    assert store.audit[-1].detail["changes"] == [
        {"key": "members", "from": "ann, bob", "to": "bob, ann"}
    ]
    assert not list(tmp_path.glob(".*"))  # noqa: ASYNC240 - no temporary file left


async def test_a_read_only_file_gets_the_diff_and_nothing_is_applied(tmp_path: Path) -> None:
    path = tmp_path / "ops.yaml"
    editor, store = await editor_for(path)
    os.chmod(path, stat.S_IRUSR | stat.S_IRGRP)
    source = await editor.source()
    assert not source.writable and source.why_not == f"{path} is read-only"
    prepared = await editor.prepare(
        "dan", "primary", "daily", source.digest, values(members="bob ann")
    )
    assert isinstance(prepared, Prepared) and not prepared.writable
    assert (
        "+    - bob             # bob hands over to ann\n     - ann\n-    - bob " in prepared.diff
    )
    assert prepared.diff.startswith("--- a/ops.yaml\n+++ b/ops.yaml\n")
    revisions = len(store.revisions)
    saved = await save_edit(
        prepared,
        actor="dan",
        author=Author("Dan", "d@x"),
        via="Slack",
        new_unit=unit_factory(store),
        now=NOW,
    )
    assert not saved.written and len(store.revisions) == revisions
    assert path.read_text() == COMPACT
    assert store.audit[-1].action == "config.edit" and store.audit[-1].detail["outcome"] == "diff"


async def test_without_a_file_the_layer_diff_comes_from_the_database() -> None:
    editor, _ = await editor_for(None)
    source = await editor.source()
    assert not source.writable and source.why_not == "the bot runs without a configuration file"
    prepared = await editor.prepare("dan", "primary", "daily", source.digest, values(every=3))
    assert isinstance(prepared, Prepared)
    assert "     rotation: daily\n-    every: 1\n+    every: 3\n" in prepared.diff
    invalid = await editor.prepare("dan", "primary", "daily", source.digest, values(members="zed"))
    assert isinstance(invalid, Invalid) and invalid.errors == {"members": "Unknown person 'zed'"}
