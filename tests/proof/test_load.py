"""Proof: load (issue 13). Two parts, each its own rows of the ``make proof`` table.

1. The benchmarks of the earlier issues, each run as a subprocess (``python -m bench.sized
   X``: the same benchmark with smaller sizes, see :mod:`bench.sized`), their printed figures
   parsed into a row. The one ratio with a target, a year of final schedule at least 10x
   faster than RRULE expansion (issue 3), fails its row (``lost=1``) when under 10x; the other
   targets are latencies on a shared machine and are recorded with whether they were met,
   never asserted (docs/performance.md). Counts are held: every page the alert bench and the
   Slack bench expect must have been seen, and the Slack bench must see no 429.
2. The storm (:mod:`bench.storm`): 5,000 alerts in 500 groups into a real ``oncall serve`` on
   PostgreSQL with Slack on, against the fake Slack with its per-channel one post a second
   (a DM is a channel). Every page, the paged person's DM showing the incident (a card, or a
   line of a DM digest), must be out within 10 s of its delivery's POST; none twice; no 429.
   The team channels' cards are paced one post a second per channel by design, so they are
   recorded (when each channel showed all its incidents) and held to "all shown, none
   twice", not to 10 s.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.storm import PAGE_WITHIN, quantile, report, storm
from tests.proof.report import record
from tests.support import ROOT

pytestmark = pytest.mark.proof

RATIO_TARGET = 10.0


def run_bench(name: str, timeout: float = 240) -> str:
    """``python -m bench.sized name``; its output (fails with it when the bench fails)."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.sized", name],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, (
        f"bench {name} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    )
    return done.stdout


def number(pattern: str, text: str) -> float:
    """The first group of ``pattern`` in ``text`` as a float; fails naming what is missing."""
    found = re.search(pattern, text)
    assert found, f"no {pattern!r} in the bench's output:\n{text}"
    return float(found.group(1))


def numbers(pattern: str, text: str) -> list[float]:
    return [float(m) for m in re.findall(pattern, text)]


def test_schedule_bench_ratio() -> None:
    began = time.monotonic()
    out = run_bench("schedules")
    ratio = number(r"ratio \(RRULE expansion / our final schedule, medians\):\s+([\d.]+)x", out)
    who = number(r"1,000 schedules:\s+median\s+([\d.]+) ms", out)
    ours = number(r"a year of final schedule .*?median\s+([\d.]+) ms", out)
    theirs = number(r"RRULE events.*?median\s+([\d.]+) ms", out)
    met = ratio >= RATIO_TARGET
    record(
        "load: bench.schedules",
        "1,000 schedules' on-call now; a year of final schedule vs the same rotations as "
        "RRULE (target >= 10x; row fails under it)",
        expected=1,
        delivered=int(met),
        lost=0 if met else 1,
        ratio_x=ratio,
        who_now_ms=who,
        year_ms=ours,
        rrule_ms=theirs,
        seconds=time.monotonic() - began,
    )
    assert met, f"RRULE/ours {ratio}x is under {RATIO_TARGET}x:\n{out}"


def test_alert_bench() -> None:
    began = time.monotonic()
    out = run_bench("alerts")
    new_rps = number(r"oncall, new incidents\s+([\d.]+) req/s", out)
    share = number(r"oncall, new incidents.*?([\d.]+)% of bare", out)
    p99_at_100 = number(r"oncall at 100 req/s.*?p99\s+([\d.]+) ms", out)
    page_p99 = numbers(r"alert to page sent\s+p50\s+[\d.]+ s\s+p99\s+([\d.]+) s", out)
    pages = numbers(r"\((\d+) pages\)", out)
    late = numbers(r"recorded \(done_at\)\s+p50\s+[\d.]+ s\s+p99\s+([\d.]+) s", out)
    expected = 100 * 2 + 10 * 2  # bench.sized: 2 s at 100 and at 10 requests a second
    delivered = int(sum(pages))
    record(
        "load: bench.alerts",
        "alert intake (SQLite): closed loop of 200 requests, 2 s at 100/s and 10/s, a burst of "
        "200 escalations; pages = alert to page sent",
        expected=expected,
        delivered=delivered,
        new_incidents_rps=new_rps,
        share_of_bare_pct=share,
        rps_target_500_met=new_rps >= 500,
        p99_ms_at_100=p99_at_100,
        p99_target_50ms_met=p99_at_100 < 50,
        page_p99_s_at_100_and_10=page_p99,
        escalation_p99_s=late[0] if late else math.nan,
        escalation_target_1_5s_met=bool(late) and late[0] <= 1.5,
        seconds=time.monotonic() - began,
    )
    assert delivered == expected, f"{delivered} of {expected} pages seen:\n{out}"


def test_slack_bench() -> None:
    began = time.monotonic()
    out = run_bench("slack")
    dms = numbers(r"alert to DM .*?\((\d+) DMs", out)
    dm_p99 = numbers(r"(?m)^\s+alert to DM\s+p50\s+[\d.]+ s\s+p99\s+([\d.]+) s", out)
    click_p99 = number(r"click to HTTP 200\s+p50\s+[\d.]+ ms\s+p99\s+([\d.]+) ms", out)
    in_channel = re.search(r"all in #C0STORM\s+([\d.]+) s after", out)
    limited = numbers(r"rate_limited (\d+)", out)
    expected = 10 * 2 + 100 * 2  # bench.sized: 2 s at 10 and at 100 alerts a second
    delivered = int(sum(dms))
    storm_s = float(in_channel.group(1)) if in_channel else math.inf
    record(
        "load: bench.slack",
        "Slack (SQLite, fake Slack at 1 post/s/channel): alert to DM at 10/s and 100/s for 2 s, "
        "20 clicks, a storm of 500 incidents into one channel",
        expected=expected,
        delivered=delivered,
        dm_p99_s_at_10_and_100=dm_p99,
        click_p99_ms=click_p99,
        click_target_300ms_met=click_p99 < 300,
        storm_in_channel_s=storm_s,
        storm_target_15s_met=storm_s <= 15,
        rate_limited=int(sum(limited)),
        seconds=time.monotonic() - began,
    )
    assert delivered == expected, f"{delivered} of {expected} DMs seen:\n{out}"
    assert in_channel, f"the storm was not all shown in its channel:\n{out}"
    assert sum(limited) == 0, f"the fake Slack answered 429:\n{out}"


async def test_alert_storm_pages_within_ten_seconds(postgres_url: str, tmp_path: Path) -> None:
    began = time.monotonic()
    result = await storm(tmp_path, postgres_url)
    lines = report(result)
    print("\n".join(lines))
    pages = list(result.page_latency.values())
    cards = list(result.channel_latency.values())
    late = result.late
    record(
        "load: storm",
        "5,000 alerts in 500 groups (10 teams' channels, 50 people paged 10 times each) into "
        "oncall serve on PostgreSQL, fake Slack at 1 post/s/channel; pages = DMs, each within "
        f"{PAGE_WITHIN:.0f} s of its POST (late pages fail the row)",
        expected=result.groups,
        delivered=result.delivered,
        duplicated=result.duplicated,
        lost=(result.groups - result.delivered) + len(late),
        page_p50_s=quantile(pages, 0.5),
        page_p95_s=quantile(pages, 0.95),
        page_max_s=max(pages, default=math.nan),
        late_pages=len(late),
        slack_429=result.rate_limited,
        channel_shown=len(cards),
        channel_duplicated=result.channel_duplicated,
        channel_all_shown_max_s=max(result.channel_done.values(), default=math.nan),
        dm_posts=result.dm_posts,
        channel_posts=result.channel_posts,
        busiest_minute=result.busiest,
        over_slack_tier=result.over_tier,
        sent_s=result.send_seconds,
        seconds=time.monotonic() - began,
    )
    summary = "\n".join(lines)
    assert result.accepted == result.groups, f"not every delivery was accepted:\n{summary}"
    assert result.delivered == result.groups, f"pages missing:\n{summary}"
    assert result.duplicated == 0, f"pages shown twice:\n{summary}"
    assert len(cards) == result.groups, f"incidents missing from their channel:\n{summary}"
    assert result.channel_duplicated == 0, f"incidents shown twice in a channel:\n{summary}"
    assert result.rate_limited == 0, f"the fake Slack answered 429:\n{summary}"
    assert not late, f"{len(late)} pages later than {PAGE_WITHIN} s:\n{summary}"
