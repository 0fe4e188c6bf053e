"""The real Alertmanager binary delivering to a real ``oncall serve``.

Alertmanager groups the alerts we push through its API (``group_by: [alertname, service]``) and
posts each group to the webhook with the bearer token; each group becomes one incident that
pages its first tier and escalates on time; a group that grows is notified again and opens
nothing new; alerts that end resolve their incidents (``resolved_by`` alertmanager).
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from storage.incident_tables import AlertRow
from tests.integration.test_escalation_durability import (
    TOKEN,
    Tables,
    assert_no_traceback,
    page_tier,
    running,
    until,
    write_config,
)
from tests.support import alertmanager_binary, free_port, unavailable

GROUP_WAIT, GROUP_INTERVAL = "1s", "2s"


def alertmanager_yml(webhook: str) -> str:
    return f"""\
global:
  resolve_timeout: 1m
route:
  receiver: oncall
  group_by: [alertname, service]
  group_wait: {GROUP_WAIT}
  group_interval: {GROUP_INTERVAL}
  repeat_interval: 1h
receivers:
  - name: oncall
    webhook_configs:
      - url: {webhook}
        send_resolved: true
        max_alerts: 0
        http_config:
          authorization:
            type: Bearer
            credentials: {TOKEN}
"""


@contextmanager
def alertmanager(folder: Path, webhook: str) -> Iterator[str]:
    """A real Alertmanager (clustering off) sending every group to ``webhook``; yields its URL."""
    binary = alertmanager_binary()
    if binary is None:
        unavailable(
            "alertmanager",
            "prometheus-alertmanager is not installed (apt-get install prometheus-alertmanager)",
        )
    assert binary is not None
    workdir = folder / "alertmanager"
    workdir.mkdir()
    config = workdir / "alertmanager.yml"
    config.write_text(alertmanager_yml(webhook))
    port = free_port()
    log = workdir / "alertmanager.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                binary,
                f"--config.file={config}",
                f"--storage.path={workdir / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--cluster.listen-address=",
                "--log.level=debug",
            ],
            cwd=workdir,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                pytest.fail(f"alertmanager exited with {proc.returncode}:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(f"{base}/-/ready", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"alertmanager was not ready within 30 s:\n{log.read_text()}")
            time.sleep(0.1)
        yield base
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


def rfc3339(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def am_alert(name: str, instance: str, starts: datetime, ends: datetime) -> dict[str, Any]:
    """An alert as Prometheus pushes it to Alertmanager's API."""
    return {
        "labels": {
            "alertname": name,
            "service": "shop",
            "severity": "critical",
            "instance": instance,
        },
        "annotations": {"summary": f"{name} on shop"},
        "startsAt": rfc3339(starts),
        "endsAt": rfc3339(ends),
        "generatorURL": f"http://prometheus.test:9090/graph?g0.expr={name}",
    }


def push(base: str, alerts: list[dict[str, Any]]) -> None:
    request = urllib.request.Request(
        f"{base}/api/v2/alerts",
        data=json.dumps(alerts).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def webhook_notifications(base: str) -> tuple[int, int]:
    """Alertmanager's own count of webhook notifications: (sent, failed)."""
    with urllib.request.urlopen(f"{base}/metrics", timeout=10) as response:
        text = response.read().decode()

    def value(metric: str) -> int:
        pattern = rf'^{metric}\{{[^}}]*integration="webhook"[^}}]*\}} (\S+)$'
        found = re.search(pattern, text, re.MULTILINE)
        return int(float(found.group(1))) if found else 0

    return (
        value("alertmanager_notifications_total"),
        value("alertmanager_notifications_failed_total"),
    )


async def test_alertmanager_groups_page_escalate_and_resolve(
    database_url: str, tmp_path: Path
) -> None:
    config = write_config(tmp_path, [("alice", "3s"), ("bob", "10m")])
    db = Tables(database_url)
    try:
        with (
            running(database_url, config, tmp_path, "oncall") as (server,),
            alertmanager(tmp_path, f"{server.base}/alerts/alertmanager") as am,
        ):
            starts = datetime.now(UTC) - timedelta(seconds=30)
            firing_until = datetime.now(UTC) + timedelta(hours=1)
            disk_a = am_alert("DiskFull", "a", starts, firing_until)
            disk_b = am_alert("DiskFull", "b", starts, firing_until)
            latency = am_alert("HighLatency", "x", starts, firing_until)
            push(am, [disk_a, latency])

            async def by_name() -> dict[str, dict[str, Any]]:
                return {r["labels"]["alertname"]: r for r in await db.incidents()}

            async def both_open() -> bool:
                return set(await by_name()) == {"DiskFull", "HighLatency"}

            await until(both_open, "an incident for each of the two groups")
            # A second alert joins the DiskFull group: Alertmanager notifies that group again,
            # with both alerts, after group_interval.
            push(am, [disk_b])

            async def alert_counts() -> Counter[int]:
                return Counter(r["incident_id"] for r in await db.rows(AlertRow))

            async def grown() -> bool:
                return (await alert_counts())[(await by_name())["DiskFull"]["id"]] == 2

            await until(grown, "the DiskFull incident to receive the group's second alert")

            async def escalated() -> bool:
                incidents = (await by_name()).values()
                tier2 = {p["incident_id"] for p in await db.pages() if page_tier(p) == 2}
                return all(r["tier"] == 1 and r["id"] in tier2 for r in incidents)

            await until(escalated, "both groups to escalate to tier 2 after 3 s")
            sent, failed = webhook_notifications(am)
            assert sent >= 3, sent  # DiskFull, HighLatency, DiskFull again with two alerts
            assert failed == 0

            ended = datetime.now(UTC) - timedelta(seconds=1)
            push(am, [{**a, "endsAt": rfc3339(ended)} for a in (disk_a, disk_b, latency)])

            async def resolved() -> bool:
                return all(r["status"] == "resolved" for r in (await by_name()).values())

            await until(resolved, "Alertmanager's resolved notifications to resolve both")
            sent_after, failed_after = webhook_notifications(am)
            assert sent_after >= sent + 2 and failed_after == 0

            incidents = await by_name()
            assert len(await db.incidents()) == 2  # repeats of a group opened nothing new
            assert Counter(r["dedup_key"] for r in incidents.values()) == Counter(
                {
                    '{}:{alertname="DiskFull", service="shop"}': 1,
                    '{}:{alertname="HighLatency", service="shop"}': 1,
                }
            )
            counts = await alert_counts()
            pages = await db.pages()
            events = await db.events()
            steps = await db.steps()
            for name, alerts in (("DiskFull", 2), ("HighLatency", 1)):
                row = incidents[name]
                assert (row["status"], row["resolved_by"]) == ("resolved", "alertmanager")
                assert row["service_id"] == "shop" and row["title"] == f"{name} on shop"
                assert counts[row["id"]] == alerts
                paged = Counter(
                    (page_tier(p), p["payload"]["person"])
                    for p in pages
                    if p["incident_id"] == row["id"]
                )
                assert paged == {(1, "alice"): 1, (2, "bob"): 1}, (name, paged)
                kinds = Counter(e["kind"] for e in events if e["incident_id"] == row["id"])
                assert (kinds["open"], kinds["escalationdue"], kinds["resolve"]) == (1, 1, 1)
                mine = [s for s in steps if s["incident_id"] == row["id"]]
                assert Counter(s["outcome"] for s in mine) == {"fired": 1, "cancelled": 1}
                assert not [s for s in mine if s["done_at"] is None]
        assert_no_traceback(server)
    finally:
        await db.close()
