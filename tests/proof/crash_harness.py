"""Helpers of the crash scenarios (tests/proof/test_crashes.py).

The fake Slack runs in the test's event loop (so every blocking call of the test goes through
``asyncio.to_thread``, or the fake could not answer); ``oncall serve`` runs as a process with
it as ``SLACK_API_URL``. Each incident has its own two people (tier 1: ``aNN``, tier 2:
``bNN``), so every page is one person's DM and nobody gets a storm digest: a page delivered is
a message in that DM, and anything more in it (a second card, a "You are paged" reply) is a
repeat the person sees.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.fake_slack import FakeSlack

BOT_TOKEN = "xoxb-crash-token"
SECRET = "crash-signing-secret"


def slack_id(person: str) -> str:
    return f"U0{person.upper()}"


def write_config(folder: Path, incidents: int, first_tier_after: str) -> Path:
    """Service ``sNN`` (label ``service: sNN``) pages ``aNN`` then, after
    ``first_tier_after``, ``bNN`` (who is never escalated past: 1 h)."""
    lines = ["version: 1", "people:"]
    for n in range(1, incidents + 1):
        for tier in "ab":
            person = f"{tier}{n:02d}"
            lines.append(f"  - {{id: {person}, name: {person.upper()}, slack: {slack_id(person)}}}")
    lines += ["teams: [{id: ops, managers: [a01]}]", "escalation_policies:"]
    for n in range(1, incidents + 1):
        lines += [
            f"  - id: p{n:02d}",
            "    tiers:",
            f"      - {{targets: [person:a{n:02d}], escalate_after: {first_tier_after}}}",
            f"      - {{targets: [person:b{n:02d}], escalate_after: 1h}}",
        ]
    lines.append("services:")
    for n in range(1, incidents + 1):
        lines.append(
            f"  - {{id: s{n:02d}, name: S{n:02d}, team: ops, importance: critical, "
            f"escalation_policy: p{n:02d}, match: {{service: s{n:02d}}}}}"
        )
    path = folder / "oncall.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def alert(n: int) -> dict[str, Any]:
    """An Alertmanager webhook delivery (version 4) opening incident ``n`` (service sNN)."""
    service, name = f"s{n:02d}", f"Down{n:02d}"
    labels = {"alertname": name, "service": service, "severity": "critical"}
    return {
        "version": "4",
        "groupKey": f'{{}}:{{alertname="{name}", service="{service}"}}',
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "oncall",
        "groupLabels": {"alertname": name, "service": service},
        "commonLabels": labels,
        "commonAnnotations": {"summary": f"{name} on {service}"},
        "externalURL": "http://alertmanager.test:9093",
        "alerts": [
            {
                "status": "firing",
                "labels": labels | {"instance": "a"},
                "annotations": {"summary": f"{name} on {service}"},
                "startsAt": "2026-03-04T10:58:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus.test:9090/graph",
                "fingerprint": f"{name}-a",
            }
        ],
    }


def slack_env(fake: FakeSlack) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.api_url,
    }


class KillingSlack(FakeSlack):
    """The fake Slack, which can SIGKILL a process right after it carried out a chosen
    ``chat.postMessage`` and before answering it: that post is in Slack, and its sender never
    hears so (the one repeat Slack can see, unless the destination finds the post again)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(token=BOT_TOKEN, **options)
        # Given each post's answer (channel, ts, message): a pid to kill now, or None.
        self.kill: Callable[[dict[str, Any]], int | None] | None = None
        self.killed_at: float | None = None

    def _chat_post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        answer = super()._chat_post_message(params)
        if self.kill is not None:
            pid = self.kill(answer)
            if pid is not None:
                self.kill, self.killed_at = None, time.monotonic()
                os.kill(pid, signal.SIGKILL)
        return answer


@dataclass
class Count:
    """Pages as the people see them: for each expected (person), the messages in their DM."""

    expected: int
    delivered: int
    duplicated: int
    unexpected: int  # messages in a DM of someone no page was expected for
    detail: dict[str, int] = field(default_factory=dict)


def count_pages(fake: FakeSlack, people: list[str]) -> Count:
    """Every message the fake holds in each person's DM: the card, and any reply that says
    they are paged (one page each was expected)."""
    per_channel: dict[str, int] = {}
    for (channel, _ts), message in fake.messages.items():
        top = message.get("thread_ts") in (None, _ts)
        if top or "You are paged" in str(message.get("text", "")):
            per_channel[channel] = per_channel.get(channel, 0) + 1
    wanted = {fake.dm_channel(slack_id(p)): p for p in people}
    detail = {wanted[c]: n for c, n in per_channel.items() if c in wanted}
    return Count(
        expected=len(people),
        delivered=sum(1 for n in detail.values() if n >= 1),
        duplicated=sum(n - 1 for n in detail.values() if n > 1),
        unexpected=sum(n for c, n in per_channel.items() if c not in wanted),
        detail=detail,
    )


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def kill_all(pids: list[int]) -> None:
    """SIGKILL whichever of ``pids`` (processes this test started) still run."""
    for pid in pids:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
