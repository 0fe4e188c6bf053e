"""Rules of the house that import-linter cannot see: core never reads the clock or the env."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support import ROOT

CORE_FILES = sorted((ROOT / "core").rglob("*.py"))
CLOCK_CALLS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "monotonic"),
    ("os", "getenv"),
}


def forbidden_calls(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)):
            continue
        name = (node.value.id, node.attr)
        if name in CLOCK_CALLS or name == ("os", "environ"):
            found.append(f"{path.name}:{node.lineno}: {node.value.id}.{node.attr}")
    return sorted(found)


def test_core_files_exist() -> None:
    assert len(CORE_FILES) > 5


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_core_never_reads_the_clock_or_the_environment(path: Path) -> None:
    assert forbidden_calls(path) == []


def test_the_check_finds_a_clock_read(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import os\nfrom datetime import datetime\n\nNOW = datetime.now()\nX = os.environ\n"
    )
    assert forbidden_calls(probe) == ["probe.py:4: datetime.now", "probe.py:5: os.environ"]
