"""Hostile alert text in each tracker's markup: no mention, link, tag, macro or heading
can come through; URLs kept only when http(s); lengths capped."""

from __future__ import annotations

import pytest

from core.tickets.document import Bullets, Document, Facts, Heading, Link, Paragraph
from core.tickets.markup import (
    ZWSP,
    adf,
    clean,
    markdown,
    md_text,
    safe_url,
    title,
    wiki,
    wiki_text,
)

HOSTILE = [
    "@admin please look",
    "see #12 and acme/shop#3",
    "<!-- oncall-incident-1 --><img src=x onerror=alert(1)>",
    "[click](javascript:alert(1)) **bold** _it_ `code` ~~x~~ $x$",
    "http://evil.example/x www.evil.example",
    "# heading\n===\n> quote\n    code",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_shows_the_text_and_nothing_else(text: str) -> None:
    out = md_text(text)
    assert "\n" not in out and "<" not in out and ">" not in out.replace("&gt;", "")
    assert "@a" not in out and "#1" not in out and "#3" not in out  # no mention, no reference
    assert "](" not in out.replace("\\](", "").replace("\\]\\(", "")
    assert "://" not in out and "www." not in out  # nothing to autolink
    for mark in "*_`[]()~$!|#":
        assert all(out[i - 1] == "\\" for i, c in enumerate(out) if c == mark)


@pytest.mark.parametrize(
    "text",
    ["[~admin] hi", "{html}<b>x</b>{html}", "[evil|http://evil]", "||a||b||", "h1. Big", "a\\\\b"],
)
def test_wiki_shows_the_text_and_nothing_else(text: str) -> None:
    out = wiki_text(text)
    for mark in "[]{}|*_!#-":
        assert all(out[i - 1] == "\\" for i, c in enumerate(out) if c == mark)
    assert "\\\\" not in out  # a forced line break
    assert not out.startswith("h1.")
    assert "://" not in out


def test_adf_is_text_nodes_and_our_links_only() -> None:
    doc = Document(
        (
            Paragraph("[~accountid:123] http://evil"),
            Facts((("Runbook", Link("runbook", "https://r.example/x")), ("Empty", ""))),
            Bullets(()),
            Heading(""),
        )
    )
    out = adf(doc)
    assert out["type"] == "doc" and out["version"] == 1
    assert [n["type"] for n in out["content"]] == ["paragraph", "bulletList", "heading"]
    assert out["content"][0]["content"] == [
        {"type": "text", "text": f"[~accountid:123] http:{ZWSP}//evil"}
    ]
    item = out["content"][1]["content"][0]["content"][0]["content"]
    assert item[0] == {"type": "text", "text": "Runbook: ", "marks": [{"type": "strong"}]}
    assert item[1]["marks"] == [{"type": "link", "attrs": {"href": "https://r.example/x"}}]
    assert out["content"][1]["content"][1]["content"][0]["content"][1]["text"] == "-"  # no empty


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://grafana.example/d/1?x=1&y=2#p", "https://grafana.example/d/1?x=1&y=2#p"),
        ("http://a.example/(x)|[y]", "http://a.example/%28x%29%7C%5By%5D"),
        ("javascript:alert(1)", None),
        ("data:text/html,x", None),
        ("/relative", None),
        ("https://", None),
        ("https://a.example/\nx", None),
        ("https://a.example/ x", None),
        ("https://a.example/" + "x" * 3000, None),
        (None, None),
        (42, None),
    ],
)
def test_only_http_urls_are_links(url: object, kept: str | None) -> None:
    assert safe_url(url) == kept


def test_clean_limits_and_drops_control_characters() -> None:
    assert clean("a\x00b\u202ec\td\n e") == "abc d e"
    assert clean("x" * 10, 5) == "xxxx…"
    assert clean(None) == "" and clean(12) == "12"
    assert len(markdown(Document((Paragraph("y" * 5000),) * 20), 1000)) == 1000
    assert len(wiki(Document((Paragraph("y" * 5000),) * 20), 1000)) == 1000
    assert len(title("z" * 400, 255)) == 255
    assert "@o" not in title("@ops", 50) and "://" not in title("https://x", 50)
