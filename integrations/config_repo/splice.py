"""Line-level splicing: take one item's lines from a dump and keep every other line as it was.

ruamel.yaml's dump of a whole file may differ from the file in places nobody edited (an odd
indentation it cannot reproduce); splicing only the edited item's lines into the original
text makes "only the edited lines change" hold whatever the file looks like.
"""

from __future__ import annotations

import difflib
import re

_COMMENTED = re.compile(r"^(.*?\S)( +)(#.*\n?)$", re.DOTALL)


def _span(lines: list[str], at: tuple[int, int]) -> tuple[int, int]:
    """The lines of the item starting at ``at``: up to the next line of content indented less."""
    start, column = at
    end = start + 1
    while end < len(lines):
        stripped = lines[end].strip()
        indent = len(lines[end]) - len(lines[end].lstrip())
        if stripped and not stripped.startswith("#") and indent < column:
            break
        end += 1
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1  # trailing blank lines belong to what follows
    return start, end


def splice(old: str, old_at: tuple[int, int], new: str, new_at: tuple[int, int]) -> str:
    """``old`` with the item that starts at ``old_at`` replaced by the one at ``new_at`` in
    ``new`` (positions are 0-based line and column of the item's first key)."""
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    a, b = _span(old_lines, old_at)
    c, d = _span(new_lines, new_at)
    return "".join(old_lines[:a] + _keep_gaps(old_lines[a:b], new_lines[c:d]) + old_lines[b:])


def _keep_gaps(old: list[str], new: list[str]) -> list[str]:
    """A value that grew past its comment's column is followed by one space in ruamel's dump;
    give it back the spaces the file had before that comment (layers hold no ``" #"`` in
    values: ids, times and days only)."""
    gaps = {}
    for line in old:
        m = _COMMENTED.match(line)
        if m:
            gaps[m.group(3)] = m.group(2)
    out = []
    for line in new:
        m = _COMMENTED.match(line)
        if m and m.group(2) == " " and len(gaps.get(m.group(3), " ")) > 1:
            line = f"{m.group(1)}{gaps[m.group(3)]}{m.group(3)}"
        out.append(line)
    return out


def changed_lines(old: str, new: str) -> int:
    """How many lines differ between ``old`` and ``new``."""
    matcher = difflib.SequenceMatcher(None, old.splitlines(), new.splitlines(), autojunk=False)
    return sum(
        max(i2 - i1, j2 - j1) for op, i1, i2, j1, j2 in matcher.get_opcodes() if op != "equal"
    )
