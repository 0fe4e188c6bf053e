"""Duplicates from an Alertmanager HA pair: two real Alertmanagers in one cluster, both
delivering the same groups to ``oncall serve`` on PostgreSQL.

Prometheus sends every alert to every Alertmanager of a pair, so the test pushes the same
alerts to both. The pair gossips its notification log, but each member only waits
``--cluster.peer-timeout`` times its position before sending; with that set to 0 both send
every group at once, the way a pair behaves while gossip is slow or partitioned. Whatever
arrives twice, each group must be one incident holding all its alerts, paged once (the
``page`` rows in the outbox, and the log destination's ``would send`` lines for them).
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage.incident_tables import AlertRow
from tests.integration.test_alertmanager_real import (
    alertmanager_yml,
    am_alert,
    push,
    webhook_notifications,
)
from tests.integration.test_escalation_durability import (
    Tables,
    start_server,
    stop_server,
    until,
    write_config,
)
from tests.proof.report import record
from tests.support import alertmanager_binary, free_port, unavailable

pytestmark = pytest.mark.proof

GROUPS, PER_GROUP = 20, 3


@contextmanager
def clustered_alertmanager(
    folder: Path, name: str, webhook: str, listen: int, peer: int | None, peer_timeout: str
) -> Iterator[str]:
    """A real Alertmanager gossiping on ``127.0.0.1:listen`` (joining ``peer`` when given);
    yields its web URL once it is ready."""
    binary = alertmanager_binary()
    if binary is None:
        unavailable("alertmanager", "prometheus-alertmanager is not installed")
    assert binary is not None
    workdir = folder / name
    workdir.mkdir()
    config = workdir / "alertmanager.yml"
    config.write_text(alertmanager_yml(webhook))
    port = free_port()
    args = [
        binary,
        f"--config.file={config}",
        f"--storage.path={workdir / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        f"--cluster.listen-address=127.0.0.1:{listen}",
        f"--cluster.advertise-address=127.0.0.1:{listen}",
        f"--cluster.peer-timeout={peer_timeout}",
        "--cluster.gossip-interval=100ms",
        "--cluster.pushpull-interval=1s",
        "--log.level=debug",
    ]
    if peer is not None:
        args.append(f"--cluster.peer=127.0.0.1:{peer}")
    log = workdir / "alertmanager.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(args, cwd=workdir, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                pytest.fail(f"{name} exited with {proc.returncode}:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(f"{base}/-/ready", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"{name} was not ready within 30 s:\n{log.read_text()}")
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


def peers(base: str) -> int:
    """How many members Alertmanager's status says its cluster has."""
    with urllib.request.urlopen(f"{base}/api/v2/status", timeout=5) as response:
        return len(json.loads(response.read())["cluster"].get("peers") or [])


async def test_alertmanager_ha_pair_opens_one_incident_and_one_page_per_group(
    postgres_url: str, tmp_path: Path
) -> None:
    started = time.monotonic()
    config = write_config(tmp_path, [("alice", "1h")])
    server = start_server(postgres_url, config, tmp_path, "serve")
    db = Tables(postgres_url)
    try:
        webhook = f"{server.base}/alerts/alertmanager"
        first, second = free_port(), free_port()
        with ExitStack() as stack:
            am_a = stack.enter_context(
                clustered_alertmanager(tmp_path, "am-a", webhook, first, None, "0s")
            )
            am_b = stack.enter_context(
                clustered_alertmanager(tmp_path, "am-b", webhook, second, first, "0s")
            )

            async def clustered() -> bool:
                return peers(am_a) == 2 and peers(am_b) == 2

            await until(clustered, "the two Alertmanagers to see each other as a cluster")
            starts = datetime.now(UTC) - timedelta(seconds=30)
            ends = datetime.now(UTC) + timedelta(hours=1)
            alerts = [
                am_alert(f"Pair{g:02d}", f"i{i}", starts, ends)
                for i in range(PER_GROUP)
                for g in range(GROUPS)
            ]
            with ThreadPoolExecutor(max_workers=2) as pool:  # as Prometheus does: to both
                list(pool.map(lambda am: push(am, alerts), (am_a, am_b)))
            want = {(a["labels"]["alertname"], a["labels"]["instance"]) for a in alerts}

            async def landed() -> bool:
                got = {
                    (r["labels"]["alertname"], r["labels"]["instance"])
                    for r in await db.rows(AlertRow)
                }
                return got >= want and len(await db.pages()) >= GROUPS

            await until(landed, f"all {len(want)} alerts and a page per group", within=90)

            async def both_sent() -> bool:
                return all(webhook_notifications(am)[0] >= GROUPS for am in (am_a, am_b))

            # Let the slower member's deliveries arrive too, so what it doubles is counted.
            await until(both_sent, "both Alertmanagers to notify every group", within=60)
            await asyncio.sleep(2)  # the last of them being stored and worked off
            sent = {name: webhook_notifications(am) for name, am in (("a", am_a), ("b", am_b))}
        incidents = await db.incidents()
        per_group = Counter(r["labels"]["alertname"] for r in incidents)
        per_incident = Counter(r["incident_id"] for r in await db.rows(AlertRow))
        pages = Counter(p["incident_id"] for p in await db.pages())
        inbox = len(await db.inbox())
    finally:
        await db.close()
        stop_server(server)
    lines = [
        json.loads(line.partition("would send ")[2])
        for line in server.stderr().splitlines()
        if "would send " in line
    ]
    paged_lines = Counter(d["incident"] for d in lines if d["kind"] == "page")
    doubled_incidents = sum(n - 1 for n in per_group.values() if n > 1)
    doubled_pages = sum(n - 1 for n in paged_lines.values() if n > 1)
    record(
        "duplicates: Alertmanager HA pair",
        "groups: the same 60 alerts in 20 groups pushed to both members of a real HA pair",
        expected=GROUPS,
        delivered=len(per_group),
        duplicated=doubled_incidents + doubled_pages,
        deliveries=inbox,
        sent_by_a=sent["a"][0],
        sent_by_b=sent["b"][0],
        failed=sent["a"][1] + sent["b"][1],
        pages=sum(paged_lines.values()),
        wall_s=time.monotonic() - started,
    )
    assert per_group == {f"Pair{g:02d}": 1 for g in range(GROUPS)}, per_group
    assert sorted(per_incident.values()) == [PER_GROUP] * GROUPS, per_incident
    assert all(pages[r["id"]] == 1 for r in incidents), pages
    assert paged_lines == {r["id"]: 1 for r in incidents}, paged_lines
    assert inbox > GROUPS, f"the pair delivered each group once only ({inbox}): nothing doubled"
    assert "Traceback" not in server.stderr()
