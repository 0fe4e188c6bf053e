"""Read a configuration file (YAML) with the line of every key and list item.

PyYAML's composer gives nodes that carry their position; this module turns them into plain
data itself instead of using PyYAML's constructors, for three reasons:

- every key and item keeps its line, so an error names ``FILE:LINE``;
- plain scalars are resolved by the YAML 1.2 core schema: ``09:00`` stays the text "09:00"
  (YAML 1.1 would read 540, a sexagesimal integer) and ``no`` or ``on`` stay text (YAML 1.1
  would read booleans), which matters for times and for people called ``no``;
- a key written twice in one mapping is an error instead of a silent overwrite.

Hostile or broken files fail with a one-line :class:`ConfigFileError` naming the line, never a
``RecursionError`` or an endless expansion: :class:`~integrations.config_repo.yaml_limits.\
BoundedLoader` composes the file, refusing nesting deeper than 64 levels and aliases that expand
to more than 100,000 values (a "billion laughs" bomb) or into themselves; an integer of more
than 100 digits is an issue on its line (Python would refuse one of 4,300 digits, slowly).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

import yaml

from core.config.model import Configuration
from core.config.validate import ConfigIssue, Path, ValidationResult, validate_document
from integrations.config_repo.yaml_limits import BoundedLoader, YAMLLimitError

_NULL = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_INT = re.compile(r"^[-+]?[0-9]+$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_INT_DIGITS = 100


class ConfigFileError(Exception):
    """The file cannot be read or is not YAML; ``str()`` is one line ``FILE:LINE: message``."""


@dataclass
class Document:
    """Plain data with the 1-based line of each path that was written."""

    filename: str
    data: Any
    lines: dict[Path, int] = field(default_factory=dict)
    issues: list[tuple[ConfigIssue, int]] = field(default_factory=list)

    def line_of(self, path: Path) -> int:
        """The line of ``path``, or of its nearest written ancestor (a missing key's parent)."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return 1


@dataclass(frozen=True)
class FileReport:
    """The outcome of validating one file: the configuration, or messages with lines."""

    result: ValidationResult
    messages: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when the file is a valid configuration."""
        return self.result.config is not None and not self.messages


def parse_yaml(text: str, filename: str) -> Document:
    """Parse ``text`` into a :class:`Document`; :class:`ConfigFileError` on a syntax error."""
    try:
        node = yaml.compose(text, Loader=BoundedLoader)
    except YAMLLimitError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        raise ConfigFileError(f"{filename}:{line}: YAML refused: {exc.problem}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = exc.problem or exc.context or "not valid YAML"
        if exc.context and exc.context_mark and exc.problem:
            problem += f" ({exc.context} on line {exc.context_mark.line + 1})"
        raise ConfigFileError(f"{filename}:{line}: YAML syntax error: {problem}") from None
    except yaml.YAMLError as exc:
        raise ConfigFileError(f"{filename}:1: YAML error: {exc}") from None
    doc = Document(filename=filename, data=None)
    if node is not None:
        doc.data = _build(node, (), doc)
    return doc


def read_file(path: str | FsPath) -> Document:
    """Read and parse the file at ``path``; errors are one-line :class:`ConfigFileError`."""
    name = str(path)
    try:
        raw = FsPath(path).read_bytes()
    except FileNotFoundError:
        raise ConfigFileError(f"{name}: no such file") from None
    except OSError as exc:
        raise ConfigFileError(f"{name}: cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ConfigFileError(f"{name}: file is larger than {MAX_FILE_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigFileError(f"{name}: not UTF-8 text ({exc.reason})") from None
    return parse_yaml(text, name)


def validate_text(text: str, filename: str) -> FileReport:
    """Parse and validate ``text``; every problem becomes ``FILE:LINE: field.path: message``."""
    return _report(parse_yaml(text, filename))


def validate_file(path: str | FsPath) -> FileReport:
    """Read, parse and validate the file at ``path`` (see :func:`validate_text`)."""
    return _report(read_file(path))


class InvalidConfiguration(Exception):
    """The file has errors; ``messages`` are ``FILE:LINE: field.path: message`` lines."""

    def __init__(self, path: str, messages: tuple[str, ...]) -> None:
        count = len(messages)
        super().__init__(f"{path}: {count} error{'s' if count != 1 else ''}")
        self.messages = messages


def load_configuration(path: str | FsPath) -> Configuration:
    """Read and validate ``path``; :class:`InvalidConfiguration` lists every error."""
    report = validate_file(path)
    if not report.ok or report.result.config is None:
        raise InvalidConfiguration(str(path), report.messages)
    return report.result.config


def _report(doc: Document) -> FileReport:
    result = validate_document(doc.data)
    located = [*doc.issues, *((i, doc.line_of(i.path)) for i in result.issues)]
    located.sort(key=lambda pair: (pair[1], pair[0].dotted))
    messages = tuple(f"{doc.filename}:{line}: {i.dotted}: {i.message}" for i, line in located)
    if doc.issues:
        result = ValidationResult(None, result.issues + tuple(i for i, _ in doc.issues))
    return FileReport(result=result, messages=messages)


def _build(node: yaml.Node, path: Path, doc: Document) -> Any:
    doc.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                doc.issues.append((ConfigIssue(path, "a key must be plain text"), line))
                continue
            key = _scalar(key_node)
            key = key if isinstance(key, str) else str(key)
            child = (*path, key)
            if key in out:
                message = f"key written twice (first on line {doc.lines[child]})"
                doc.issues.append((ConfigIssue(child, message), line))
                continue
            doc.lines[child] = line
            out[key] = _build(value_node, child, doc)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), doc) for i, item in enumerate(node.value)]
    if _INT.match(node.value) and len(node.value.lstrip("+-")) > MAX_INT_DIGITS:
        message = f"a number of more than {MAX_INT_DIGITS} digits"
        doc.issues.append((ConfigIssue(path, message), node.start_mark.line + 1))
        return None
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    value = node.value
    if node.style in ("'", '"', "|", ">"):
        return value
    if node.tag == "tag:yaml.org,2002:str" and node.style is not None:
        return value
    if value in _NULL:
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    if _INT.match(value):
        return int(value)
    if _FLOAT.match(value):
        return float(value)
    return value
