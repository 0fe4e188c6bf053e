"""mrkdwn: escaping, the links and mentions we build, dates, and truncation that keeps a limit."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.handlers.slack.mrkdwn import (
    ELLIPSIS,
    date,
    escape,
    link,
    mention,
    parse_time,
    safe_url,
    truncate,
)


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("plain words", "plain words"),
        ("a & b", "a &amp; b"),
        ("<!channel>", "&lt;!channel&gt;"),
        ("<!here> and <!everyone>", "&lt;!here&gt; and &lt;!everyone&gt;"),
        ("<@U123>", "&lt;@U123&gt;"),
        ("<#C123|general>", "&lt;#C123|general&gt;"),
        ("<http://evil|click>", "&lt;http://evil|click&gt;"),
        ("<!subteam^S1>", "&lt;!subteam^S1&gt;"),
        ("&amp; already", "&amp;amp; already"),  # escaped again: shown as typed
        ("5 > 3 < 4", "5 &gt; 3 &lt; 4"),
        ("*bold* _it_ :fire: `code`", "*bold* _it_ :fire: `code`"),  # formatting stays
        ("", ""),
        (None, ""),
        (12, "12"),
    ],
)
def test_escape(raw: object, escaped: str) -> None:
    assert escape(raw) == escaped


@given(st.text())
def test_escaped_text_has_no_control_characters_but_entities(text: str) -> None:
    out = escape(text)
    assert "<" not in out and ">" not in out
    assert re.sub(r"&(?:amp|lt|gt);", "", out).count("&") == 0


@pytest.mark.parametrize(
    ("url", "text", "expected"),
    [
        ("https://runbooks.example/x", "Runbook", "<https://runbooks.example/x|Runbook>"),
        ("http://am:9093/#/alerts?a=1&b=2", "AM", "<http://am:9093/#/alerts?a=1&b=2|AM>"),
        ("HTTPS://Example.com/", "up", "<HTTPS://Example.com/|up>"),
        ("  https://x.example/  ", "trimmed", "<https://x.example/|trimmed>"),
        # a | or > in the URL would end it early or forge a second link: percent-encoded
        ("https://x.example/a|<!channel>", "t", "<https://x.example/a%7C%3C!channel%3E|t>"),
        ("https://x.example/a>b", "t", "<https://x.example/a%3Eb|t>"),
        ("https://x.example/a b\nc", "t", "<https://x.example/a%20b%0Ac|t>"),
        # the text is escaped, on one line
        ("https://x.example/", "<!channel> & co", "<https://x.example/|&lt;!channel&gt; &amp; co>"),
        ("https://x.example/", "two\nlines", "<https://x.example/|two lines>"),
        ("https://x.example/", "", "<https://x.example/|https://x.example/>"),
        # anything but http(s) with a host: just the escaped text
        ("javascript:alert(1)", "click", "click"),
        ("mailto:a@example.com", "mail", "mail"),
        ("ftp://files.example/", "files", "files"),
        ("/incidents/12", "relative", "relative"),
        ("http://", "no host", "no host"),
        ("", "<b>", "&lt;b&gt;"),
        (None, "none", "none"),
        (42, "int", "int"),
        ("http://[::1", "broken", "broken"),
    ],
)
def test_link(url: object, text: str, expected: str) -> None:
    assert link(url, text) == expected


def test_safe_url() -> None:
    assert safe_url("https://x.example/?q=a|b") == "https://x.example/?q=a%7Cb"
    assert safe_url("data:text/html,hi") is None


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("U0DANA", "<@U0DANA>"),
        ("W123ABC", "<@W123ABC>"),
        ("U1> <!channel", "Dana &lt;3"),  # forged id: the name instead
        ("dana", "Dana &lt;3"),
        ("", "Dana &lt;3"),
        (None, "Dana &lt;3"),
    ],
)
def test_mention(user: object, expected: str) -> None:
    assert mention(user, "Dana <3") == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            "2024-05-01T10:00:00Z",
            "<!date^1714557600^{date_short_pretty} {time}|2024-05-01 10:00 UTC>",
        ),
        # an offset is honoured; the fallback is UTC
        (
            "2024-05-01T12:00:00+02:00",
            "<!date^1714557600^{date_short_pretty} {time}|2024-05-01 10:00 UTC>",
        ),
        # naive means UTC
        (
            "2024-05-01T10:00:00",
            "<!date^1714557600^{date_short_pretty} {time}|2024-05-01 10:00 UTC>",
        ),
        ("yesterday <!here>", "yesterday &lt;!here&gt;"),
        ("", ""),
        (None, ""),
    ],
)
def test_date(value: object, expected: str) -> None:
    assert date(value) == expected


def test_parse_time() -> None:
    assert parse_time(datetime(2024, 5, 1, 10, tzinfo=UTC)) == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert parse_time("not a time") is None
    assert parse_time(3) is None


# Truncation. Limits below are small so each boundary is visible.


def test_truncate_keeps_what_fits() -> None:
    assert truncate("exactly ten", 11) == "exactly ten"
    assert truncate("", 5) == ""


def test_truncate_cuts_and_ends_with_an_ellipsis() -> None:
    assert truncate("abcdefghij", 5) == "abcd…"
    assert truncate("abc   defghij", 7) == "abc…"  # trailing spaces dropped before the …
    assert truncate("abcdefghij", 1) == "…"
    assert truncate("abcdefghij", 0) == ""


@pytest.mark.parametrize("limit", range(1, 14))
def test_truncate_never_splits_an_entity(limit: int) -> None:
    text = "a&amp;b&lt;c&gt;d"  # entities at 1-5, 7-10, 12-15
    out = truncate(text, limit)
    assert len(out) <= limit
    head = out.removesuffix(ELLIPSIS)
    assert text.startswith(head)
    assert re.sub(r"&(?:amp|lt|gt);", "", head).count("&") == 0


@pytest.mark.parametrize("limit", range(1, 40))
def test_truncate_never_splits_a_link_mention_or_date(limit: int) -> None:
    text = "see <https://x.example/a|the runbook> or <@U0DANA> at <!date^1^{time}|1970>"
    out = truncate(text, limit)
    assert len(out) <= limit
    head = out.removesuffix(ELLIPSIS)
    assert text.startswith(head)
    assert head.count("<") == head.count(">")


def test_truncate_links_to_the_rest() -> None:
    url = "https://oncall.example/incidents/12"
    out = truncate("x" * 100, 60, url)
    assert out == "x" * 16 + f"… <{url}|more>"
    assert len(out) == 60
    # the link is left out when it would not fit, and for a URL that is not http(s)
    assert truncate("x" * 100, 30, url) == "x" * 29 + "…"
    assert truncate("x" * 100, 10, "javascript:alert(1)") == "x" * 9 + "…"
    # nothing to cut: no link either
    assert truncate("short", 60, url) == "short"


@given(st.text(), st.integers(min_value=0, max_value=80), st.booleans())
def test_truncate_holds_its_limit(raw: str, limit: int, with_link: bool) -> None:
    text = escape(raw)
    url = "https://oncall.example/incidents/1" if with_link else None
    out = truncate(text, limit, url)
    assert len(out) <= max(limit, 0)
    if len(text) <= limit:
        assert out == text
    else:
        head = out.split(ELLIPSIS, 1)[0] if ELLIPSIS in out else out
        assert text.startswith(head)
        assert re.sub(r"&(?:amp|lt|gt);", "", head).count("&") == 0
