"""A tracker-neutral document: what a ticket or a comment says, before any markup.

Texts here are plain: renderers (:mod:`core.tickets.markup`) escape them for the tracker, so
nothing an alert says (a title, a label, an annotation) can become markup, a mention or a
link there. Links are only those built from :class:`Link`, and only http or https.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Link:
    text: str
    url: str  # checked by safe_url before it is kept


@dataclass(frozen=True)
class Facts:
    """Label: value lines (a value may be a link)."""

    items: tuple[tuple[str, str | Link], ...]


@dataclass(frozen=True)
class Bullets:
    items: tuple[str | Link, ...]


Block = Paragraph | Heading | Facts | Bullets


@dataclass(frozen=True)
class Document:
    blocks: tuple[Block, ...]

    def plain(self) -> str:
        """The document as plain text (for the builtin tracker and the log): one line per
        paragraph, fact and bullet; a link as ``text <url>``."""
        lines: list[str] = []
        for block in self.blocks:
            if isinstance(block, (Paragraph, Heading)):
                lines.append(block.text)
            elif isinstance(block, Facts):
                lines += [f"{label}: {_plain(value)}" for label, value in block.items]
            else:
                lines += [f"- {_plain(item)}" for item in block.items]
        return "\n".join(lines)


def _plain(value: str | Link) -> str:
    return f"{value.text} <{value.url}>" if isinstance(value, Link) else value
