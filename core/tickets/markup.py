"""Texts made safe for each tracker: cleaned, limited, escaped, rendered.

Everything an alert says is hostile. Control characters go, newlines become spaces in one-
line values, lengths are capped, and each renderer escapes what its markup would read:

- GitHub Markdown: HTML is entity-escaped (no tags, no comments, so no forged idempotency
  marker), Markdown punctuation is backslash-escaped, and ``@name`` / ``#12`` get a zero-width
  space after the sign (GitHub finds mentions and references in the rendered text, where
  escapes are gone).
- Jira wiki (Server/Data Center): every wiki punctuation mark is backslash-escaped (so no
  ``[~user]`` mention, ``[link|url]``, ``{macro}`` or ``||table``); a backslash becomes a
  full-width one (``\\\\`` is a line break there); a leading ``h1.`` or ``bq.`` is broken.
- Atlassian Document Format (Cloud): text nodes are never markup; only our own link marks.

Bare URLs in alert text are broken (``http:\u200b//``) so no tracker turns them into links:
the only links are :class:`core.tickets.document.Link` values that :func:`safe_url` kept.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlsplit

from core.tickets.document import Block, Bullets, Document, Facts, Heading, Link, Paragraph

ZWSP = "\u200b"
GITHUB_TITLE = 256
GITHUB_BODY = 65_000
JIRA_SUMMARY = 255
JIRA_TEXT = 32_000
URL_LIMIT = 2048
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"\s+")
_AUTOLINK = re.compile(r"(?i)(://|\bwww\.)")
_MD_PUNCT = re.compile(r"([\\`*_{}\[\]()#+\-.!|~=$])")
_MD_SIGNS = re.compile(r"([@#])(?=\w)")
_WIKI_PUNCT = re.compile(r"([*_?+^~{}\[\]|!#()\-])")
_WIKI_BLOCK = re.compile(r"^(h[1-6]|bq|bc)\.", re.IGNORECASE)


def clean(text: object, limit: int = 2000) -> str:
    """One line of text: control and bidi characters dropped, whitespace runs made one
    space, at most ``limit`` characters (``…`` marks a cut). Non-strings are ``str()``-ed;
    None is empty."""
    if text is None:
        return ""
    value = _SPACES.sub(" ", _CONTROL.sub("", str(text))).strip()
    return value if len(value) <= limit else value[: max(limit - 1, 0)].rstrip() + "…"


def defang(text: str) -> str:
    """Break what trackers would autolink: ``http://x`` becomes ``http:\u200b//x``."""
    return _AUTOLINK.sub(lambda m: m.group(1)[0] + ZWSP + m.group(1)[1:], text)


def safe_url(url: object) -> str | None:
    """``url`` if it is an absolute http or https URL with a host, with the characters that
    Markdown or wiki links would read (brackets, pipes, quotes, spaces) percent-encoded;
    None for anything else (``javascript:``, relative, over 2048 characters, control
    characters)."""
    if not isinstance(url, str) or not url or len(url) > URL_LIMIT:
        return None
    if _CONTROL.search(url) or any(c.isspace() for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return quote(url, safe="/:?#&=%+,;@!$*~.-_")


def limit(text: str, size: int) -> str:
    """Cut rendered markup at ``size`` characters, never leaving a dangling escape."""
    if len(text) <= size:
        return text
    return text[: size - 1].rstrip("\\") + "…"


# GitHub Markdown ---------------------------------------------------------------------------


def md_text(text: object, size: int = 2000) -> str:
    """Escaped GitHub Markdown of a hostile text (see the module docstring)."""
    value = defang(clean(text, size))
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    value = _MD_PUNCT.sub(r"\\\1", value)
    return _MD_SIGNS.sub(lambda m: m.group(1) + ZWSP, value)


def _md_value(value: str | Link) -> str:
    if isinstance(value, Link):
        return f"[{md_text(value.text, 200)}]({value.url})"
    return md_text(value)


def _md_block(block: Block) -> str:
    if isinstance(block, Paragraph):
        return md_text(block.text, 4000)
    if isinstance(block, Heading):
        return f"### {md_text(block.text, 200)}"
    if isinstance(block, Facts):
        return "\n".join(f"- **{md_text(k, 100)}:** {_md_value(v)}" for k, v in block.items)
    return "\n".join(f"- {_md_value(item)}" for item in block.items)


def markdown(document: Document, size: int = GITHUB_BODY) -> str:
    """GitHub-flavoured Markdown of ``document``, at most ``size`` characters."""
    return limit("\n\n".join(_md_block(b) for b in _present(document)), size)


# Jira wiki markup (Server / Data Center, REST v2) -------------------------------------------


def wiki_text(text: object, size: int = 2000) -> str:
    """Escaped Jira wiki markup of a hostile text (see the module docstring)."""
    value = defang(clean(text, size)).replace("\\", "\uff3c")
    value = _WIKI_PUNCT.sub(r"\\\1", value)
    return ZWSP + value if _WIKI_BLOCK.match(value) else value


def _wiki_value(value: str | Link) -> str:
    if isinstance(value, Link):
        return f"[{wiki_text(value.text, 200)}|{value.url}]"
    return wiki_text(value)


def _wiki_block(block: Block) -> str:
    if isinstance(block, Paragraph):
        return wiki_text(block.text, 4000)
    if isinstance(block, Heading):
        return f"h3. {wiki_text(block.text, 200)}"
    if isinstance(block, Facts):
        return "\n".join(f"* *{wiki_text(k, 100)}:* {_wiki_value(v)}" for k, v in block.items)
    return "\n".join(f"* {_wiki_value(item)}" for item in block.items)


def wiki(document: Document, size: int = JIRA_TEXT) -> str:
    """Jira wiki markup of ``document``, at most ``size`` characters."""
    return limit("\n\n".join(_wiki_block(b) for b in _present(document)), size)


# Atlassian Document Format (Jira Cloud, REST v3) --------------------------------------------


def _adf_text(text: object, size: int = 2000, marks: list[dict[str, Any]] | None = None) -> Any:
    value = defang(clean(text, size)) or "-"  # ADF refuses empty text nodes
    return _adf_node(value, marks)


def _adf_node(value: str, marks: list[dict[str, Any]] | None = None) -> Any:
    node: dict[str, Any] = {"type": "text", "text": value}
    if marks:
        node["marks"] = marks
    return node


def _adf_inline(value: str | Link) -> Any:
    if isinstance(value, Link):
        return _adf_text(value.text, 200, [{"type": "link", "attrs": {"href": value.url}}])
    return _adf_text(value)


def _adf_items(items: list[list[Any]]) -> Any:
    return {
        "type": "bulletList",
        "content": [
            {"type": "listItem", "content": [{"type": "paragraph", "content": inline}]}
            for inline in items
        ],
    }


def _adf_block(block: Block) -> Any:
    if isinstance(block, Paragraph):
        return {"type": "paragraph", "content": [_adf_text(block.text, 4000)]}
    if isinstance(block, Heading):
        return {"type": "heading", "attrs": {"level": 3}, "content": [_adf_text(block.text, 200)]}
    if isinstance(block, Facts):
        strong = [{"type": "strong"}]
        return _adf_items(
            [
                [_adf_node(f"{clean(k, 100) or '-'}: ", strong), _adf_inline(v)]
                for k, v in block.items
            ]
        )
    assert isinstance(block, Bullets)
    return _adf_items([[_adf_inline(item)] for item in block.items])


def adf(document: Document) -> dict[str, Any]:
    """The Atlassian Document Format of ``document`` (blocks without items are left out)."""
    return {"type": "doc", "version": 1, "content": [_adf_block(b) for b in _present(document)]}


def _present(document: Document) -> list[Block]:
    """The blocks with something to show (a list without items is left out)."""
    return [b for b in document.blocks if not isinstance(b, (Facts, Bullets)) or b.items]


def title(text: object, size: int) -> str:
    """A one-line title (a GitHub issue's, a Jira summary): cleaned, URLs broken, ``@name``
    and ``#12`` broken, at most ``size`` characters."""
    return _MD_SIGNS.sub(lambda m: m.group(1) + ZWSP, defang(clean(text, size)))[:size]
