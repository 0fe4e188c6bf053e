"""Hostile configuration files: an alias bomb, deep nesting, a cyclic alias, a huge number.

Each is refused quickly with one line naming the file and line (issue 14), by the loader
(``oncall config validate``/``apply``), by the chat editor (which reads the file the same way)
and by the round-trip editor (ruamel's composer is as recursive as PyYAML's).
"""

from __future__ import annotations

import itertools
import logging
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from core.config.layer_edit import LayerValues
from integrations.config_repo.editor import EditRefused
from integrations.config_repo.loader import (
    ConfigFileError,
    parse_yaml,
    validate_file,
    validate_text,
)
from integrations.config_repo.roundtrip import edit_layer
from tests.unit.config.test_layer_yaml import COMPACT, editor_for


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Fail (rather than expand a bomb for hours, eating the memory) after ``seconds``: not a
    benchmark, the refusal takes milliseconds."""

    def expired(signum: int, frame: object) -> None:
        raise TimeoutError(f"still reading after {seconds} s: the input was not refused")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def billion_laughs() -> str:
    """Nine levels of nine aliases each: 10^9 values once expanded; the aliases are on lines
    2-9 and the first line whose aliases pass 100,000 values is line 6 (*d, 9 x 10^4 each)."""
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    names = "abcdefghi"
    for previous, name in itertools.pairwise(names):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines) + "\n"


REFUSED = [
    # (what, text, the message)
    (
        "an alias bomb",
        billion_laughs(),
        "f.yaml:6: YAML refused: aliases expand to more than 100000 values (an alias bomb?); "
        "refused at *e",
    ),
    ("100,000 [", "[" * 100_000, "f.yaml:1: YAML refused: nested deeper than 64 levels"),
    ("100,000 {", "{a: " * 100_000, "f.yaml:1: YAML refused: nested deeper than 64 levels"),
    (
        "block nesting 2,000 deep",
        "".join("  " * i + "a:\n" for i in range(2000)),
        "f.yaml:64: YAML refused: nested deeper than 64 levels",
    ),
    (
        "an alias inside its own anchor",
        "people:\n  - &me [ann, *me]\n",
        "f.yaml:2: YAML refused: the alias *me is inside the collection its anchor names",
    ),
    (
        "aliases that nest too deep together",
        "a: &a " + "[" * 40 + "1" + "]" * 40 + "\nb: " + "[" * 30 + "*a" + "]" * 30 + "\n",
        "f.yaml:2: YAML refused: the alias *a nests the file deeper than 64 levels",
    ),
]


@pytest.mark.parametrize(("what", "text", "message"), REFUSED, ids=[r[0] for r in REFUSED])
def test_refused_quickly_with_its_line(
    what: str, text: str, message: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG), pytest.raises(ConfigFileError) as caught, deadline(5):
        parse_yaml(text, "f.yaml")
    assert str(caught.value) == message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert not caplog.records


def test_refused_from_a_file_too(tmp_path: Path) -> None:
    path = tmp_path / "oncall.yaml"
    path.write_text(billion_laughs())
    with (
        pytest.raises(ConfigFileError, match=rf"^{path}:6: YAML refused: aliases expand"),
        deadline(5),
    ):
        validate_file(path)


def test_small_aliases_stay_allowed() -> None:
    doc = parse_yaml("ops: &ops [ann, bob]\nweb: *ops\nzone: &z UTC\nhome: *z\n", "f.yaml")
    assert doc.data == {"ops": ["ann", "bob"], "web": ["ann", "bob"], "zone": "UTC", "home": "UTC"}
    deep = "[" * 64 + "]" * 64  # exactly the limit
    assert parse_yaml(deep, "f.yaml").data is not None


def test_an_integer_of_5000_digits_is_an_issue_on_its_line() -> None:
    report = validate_text("version: 1\npeople:\n  - id: " + "7" * 5000 + "\n", "f.yaml")
    assert not report.ok
    assert "f.yaml:3: people[0].id: a number of more than 100 digits" in report.messages


async def test_the_chat_editor_refuses_a_bomb_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "ops.yaml"
    editor, _ = await editor_for(path)
    path.write_text(COMPACT + billion_laughs().replace("a:", "x_a:", 1))
    with (
        pytest.raises(EditRefused, match=r"ops.yaml:\d+: YAML refused: aliases expand"),
        deadline(5),
    ):
        await editor.source()
    path.write_text("[" * 100_000)
    with (
        pytest.raises(EditRefused, match=r"ops.yaml:1: YAML refused: nested deeper than 64"),
        deadline(5),
    ):
        await editor.source()


def test_the_round_trip_editor_refuses_deep_nesting_before_ruamel_reads_it() -> None:
    values = LayerValues(
        members=("ann",), rotation="daily", every=1, start="2026-01-01 09:00", active=None
    )
    with pytest.raises(ConfigFileError, match="nested deeper than 64 levels"), deadline(5):
        edit_layer("[" * 100_000, "primary", "daily", values, ("members",))
