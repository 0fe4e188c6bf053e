"""A PyYAML loader that refuses alias bombs and deep nesting while it composes.

``yaml.compose`` keeps an alias as the very node its anchor named, so composing a "billion
laughs" file is quick and small; it is whoever turns the nodes into data (our
``loader._build``) that expands every alias, and ten anchors of nine aliases each expand to
10^9 values. Composing is also recursive: 100,000 ``[`` raise ``RecursionError``.
:class:`BoundedLoader` measures each node as it is composed (how many values it expands to,
how deep it nests), so that it can refuse, at the line of the alias or value that crosses a
limit, with a :class:`YAMLLimitError` (a ``MarkedYAMLError``):

- nesting deeper than :data:`MAX_DEPTH` levels, counting what aliases bring in;
- aliases that, all together, expand to more than :data:`MAX_ALIAS_VALUES` values;
- an alias inside the collection its anchor names (``&a [*a]``: a cycle, endless to expand).

Aliases to scalars or small collections (``members: *ops``) stay allowed.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import ComposerError

MAX_DEPTH = 64
"""Collections nested deeper than this are refused (a configuration needs about six)."""
MAX_ALIAS_VALUES = 100_000
"""Values that aliases may bring in, in the whole file (a real file's aliases bring hundreds)."""


class YAMLLimitError(ComposerError):
    """A file beyond a limit of :class:`BoundedLoader`; ``problem_mark`` is where."""


class BoundedLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` composing within :data:`MAX_DEPTH` and :data:`MAX_ALIAS_VALUES`."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._depth = 0  # collections open around the node being composed
        self._brought = 0  # values brought in by aliases so far
        self._measured: dict[int, tuple[int, int]] = {}  # id(node) -> (values, height)

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event: Any = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent):
            return self._alias(parent, index, event)
        if self._depth >= MAX_DEPTH:
            raise YAMLLimitError(
                None, None, f"nested deeper than {MAX_DEPTH} levels", event.start_mark
            )
        self._depth += 1
        try:
            node = _composed(super().compose_node(parent, index))
        finally:
            self._depth -= 1
        self._measured[id(node)] = self._measure(node)
        return node

    def _alias(self, parent: yaml.Node | None, index: Any, event: Any) -> yaml.Node:
        node = _composed(super().compose_node(parent, index))
        measured = self._measured.get(id(node))
        if measured is None:  # its anchor's collection is still being composed: around us
            raise YAMLLimitError(
                None,
                None,
                f"the alias *{event.anchor} is inside the collection its anchor names",
                event.start_mark,
            )
        values, height = measured
        self._brought += values
        if self._brought > MAX_ALIAS_VALUES:
            raise YAMLLimitError(
                None,
                None,
                f"aliases expand to more than {MAX_ALIAS_VALUES} values (an alias bomb?); "
                f"refused at *{event.anchor}",
                event.start_mark,
            )
        if self._depth + height > MAX_DEPTH:
            raise YAMLLimitError(
                None,
                None,
                f"the alias *{event.anchor} nests the file deeper than {MAX_DEPTH} levels",
                event.start_mark,
            )
        return node

    def _measure(self, node: yaml.Node) -> tuple[int, int]:
        """(values, height) of ``node`` expanded: its children are all measured already."""
        if isinstance(node, yaml.MappingNode):
            children = [child for pair in node.value for child in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        else:
            return 1, 1
        values, height = 1, 0
        for child in children:
            child_values, child_height = self._measured[id(child)]
            values += child_values
            height = max(height, child_height)
        return values, height + 1


def _composed(node: yaml.Node | None) -> yaml.Node:
    assert node is not None  # compose_node is only called where an event starts a node
    return node
