"""Database faults under alert load: PostgreSQL going away mid-storm, SQLite's disk filling up.

PostgreSQL stopped for ten seconds: a cluster of our own (tests/proof/pg_cluster.py; the
shared server stays up), ``oncall serve`` on it and the real Alertmanager delivering to it.
200 alerts in 40 groups are pushed into Alertmanager over ~20 s and the database is stopped
(``pg_ctl stop -m fast``) for 10 s in the middle. While it is away the intake answers 503
(Alertmanager retries a 5xx) and ``/readyz`` says the database is not ready; once it is back,
Alertmanager's retries land every alert: each group is one incident holding all its alerts,
paged once.

SQLite with a full disk: the database on a 4 MiB tmpfs, a filler file eating the rest while
alerts are posted. A write that fails answers 503 with Retry-After (never 500), nothing is
half-written (``PRAGMA integrity_check``), every delivery answered 202 becomes its incident,
none answered 503 does, and once space is freed deliveries are accepted again.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sqlite3
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from storage.incident_tables import AlertRow
from tests.integration.test_alertmanager_real import (
    alertmanager,
    am_alert,
    push,
    webhook_notifications,
)
from tests.integration.test_escalation_durability import (
    TOKEN,
    Tables,
    am_payload,
    delivered_keys,
    get_json,
    start_server,
    stop_server,
    until,
    write_config,
)
from tests.proof.pg_cluster import own_postgres
from tests.proof.report import record

pytestmark = pytest.mark.proof

GROUPS, PER_GROUP, ROUNDS = 40, 5, 20  # 200 alerts, 10 a second for ~20 s
OUTAGE_AT, OUTAGE = 6.0, 10.0  # seconds into the storm; seconds the database stays away


def storm_alert(k: int, starts: datetime, ends: datetime) -> dict[str, Any]:
    """Alert ``k`` of the storm: group ``Storm<k % 40>``, instance ``i<k // 40>``."""
    return am_alert(f"Storm{k % GROUPS:02d}", f"i{k // GROUPS}", starts, ends)


def post_raw(base: str, payload: Any) -> tuple[int, dict[str, str], dict[str, Any]]:
    """POST to ``/alerts/alertmanager``: status, headers, JSON body."""
    request = urllib.request.Request(
        f"{base}/alerts/alertmanager",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {"raw": raw.decode(errors="replace")}
        return exc.code, dict(exc.headers), body


# PostgreSQL stopped for ten seconds ------------------------------------------------------


async def test_postgres_stopped_ten_seconds_during_an_alert_storm(tmp_path: Path) -> None:
    config = write_config(tmp_path, [("alice", "1h")])
    started = time.monotonic()
    with own_postgres() as pg:
        server = start_server(pg.url, config, tmp_path, "serve")
        db = Tables(pg.url)
        try:
            with alertmanager(tmp_path, f"{server.base}/alerts/alertmanager") as am:
                await _storm_with_outage(pg, server, am, db, started)
        finally:
            await db.close()
            stop_server(server)


async def _storm_with_outage(pg: Any, server: Any, am: str, db: Tables, started: float) -> None:
    starts = datetime.now(UTC) - timedelta(seconds=30)
    ends = datetime.now(UTC) + timedelta(hours=1)
    pushed = [storm_alert(k, starts, ends) for k in range(GROUPS * PER_GROUP)]
    push_errors: list[BaseException] = []

    def storm() -> None:
        try:
            per_round = len(pushed) // ROUNDS
            t0 = time.monotonic()
            for r in range(ROUNDS):
                push(am, pushed[r * per_round : (r + 1) * per_round])
                time.sleep(max(0.0, t0 + r + 1 - time.monotonic()))
        except BaseException as exc:  # reported after the join
            push_errors.append(exc)

    pusher = threading.Thread(target=storm, name="storm")
    pusher.start()
    try:
        await asyncio.sleep(OUTAGE_AT)
        await asyncio.to_thread(pg.stop)
        down_at = time.monotonic()
        # While the database is away: the intake answers 503, /readyz says the database.
        probe = am_payload("OutageProbe")
        status, headers, body = await asyncio.to_thread(post_raw, server.base, probe)
        ready_status, ready = await asyncio.to_thread(get_json, f"{server.base}/readyz")
        await asyncio.sleep(max(0.0, down_at + OUTAGE - time.monotonic()))
        await asyncio.to_thread(pg.start)
        up_at = time.monotonic()
    finally:
        await asyncio.to_thread(pusher.join, 60)
    assert not push_errors, f"pushing to Alertmanager failed: {push_errors[0]!r}"
    assert status == 503 and headers.get("Retry-After"), (status, headers, body)
    assert ready_status == 503 and ready["checks"]["database"] != "ok", ready

    async def ready_again() -> bool:
        return (await asyncio.to_thread(get_json, f"{server.base}/readyz"))[0] == 200

    await until(ready_again, "/readyz to answer 200 once PostgreSQL is back", within=60)
    ready_after = time.monotonic() - up_at
    want = {(a["labels"]["alertname"], a["labels"]["instance"]) for a in pushed}

    async def landed() -> set[tuple[str, str]]:
        return {
            (r["labels"]["alertname"], r["labels"]["instance"])
            for r in await db.rows(AlertRow)
            if r["labels"]["alertname"].startswith("Storm")
        }

    async def all_landed() -> bool:
        return await landed() >= want

    try:
        await until(all_landed, "Alertmanager's retries to land all 200 alerts", within=120)
    except pytest.fail.Exception:
        missing = want - await landed()
        record(
            "database: PostgreSQL stopped 10 s mid-storm",
            "alerts: 200 in 40 groups through the real Alertmanager",
            expected=len(want),
            delivered=len(want) - len(missing),
        )
        raise
    caught_up = time.monotonic() - up_at

    async def paged() -> bool:
        return len(await db.pages()) >= GROUPS

    await until(paged, "a page for every storm incident", within=60)
    incidents = [r for r in await db.incidents() if r["labels"]["alertname"].startswith("Storm")]
    per_group = Counter(r["labels"]["alertname"] for r in incidents)
    alerts = [r for r in await db.rows(AlertRow) if r["labels"]["alertname"].startswith("Storm")]
    per_incident = Counter(r["incident_id"] for r in alerts)
    pages = Counter(p["incident_id"] for p in await db.pages())
    sent, failed = webhook_notifications(am)
    log = server.stderr()
    runs = [int(n) for n in re.findall(r"alerts are stored again, after (\d+) refused", log)]
    refused = sum(runs)
    doubled_pages = sum(n - 1 for n in delivered_keys(server).values() if n > 1)
    duplicated = sum(n - 1 for n in per_group.values() if n > 1)
    landed_alerts = len(await landed() & want)
    record(
        "database: PostgreSQL stopped 10 s mid-storm",
        "alerts: 200 in 40 groups through the real Alertmanager, database away 10 s",
        expected=len(want),
        delivered=landed_alerts,
        duplicated=duplicated + doubled_pages,
        groups=len(per_group),
        incidents=len(incidents),
        refused_503=refused,
        refusal_logs=log.count("alerts are not being stored"),
        am_failed_notifications=failed,
        am_sent_notifications=sent,
        ready_after_s=ready_after,
        caught_up_after_s=caught_up,
        wall_s=time.monotonic() - started,
    )
    assert per_group == {f"Storm{g:02d}": 1 for g in range(GROUPS)}, per_group
    assert sorted(per_incident.values()) == [PER_GROUP] * GROUPS, per_incident
    assert len(alerts) == len(want)  # no alert stored twice
    assert all(pages[r["id"]] == 1 for r in incidents), pages
    assert doubled_pages == 0
    assert refused >= 1 and failed >= 1, (refused, failed)
    assert log.count("alerts are not being stored") == len(runs), "one error per outage"


# SQLite on a full disk -------------------------------------------------------------------


def _mount_tmpfs(folder: Path, size: str) -> None:
    if os.geteuid() != 0:
        pytest.fail("the full-disk scenario mounts a tmpfs: run make proof as root")
    folder.mkdir()
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        check=True,
        capture_output=True,
        timeout=30,
    )


def _umount(folder: Path) -> None:
    subprocess.run(["umount", "-l", str(folder)], capture_output=True, timeout=30)


def _fill(path: Path) -> int:
    """Write zeros to ``path`` until the disk is full; the bytes written."""
    written = 0
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for size in (65536, 512):  # big chunks, then the last few bytes too
            chunk = b"\0" * size
            try:
                while True:
                    written += os.write(fd, chunk)
            except OSError:
                pass
    finally:
        os.close(fd)
    return written


def big_payload(name: str) -> dict[str, Any]:
    """A delivery of one alert with a 16 KB description, so every write needs new pages."""
    payload = am_payload(name)
    for alert in payload["alerts"]:
        alert["annotations"]["description"] = f"{name} " + "x" * 16_000
    return payload


async def test_sqlite_disk_full_answers_503_and_loses_nothing(tmp_path: Path) -> None:
    started = time.monotonic()
    disk = tmp_path / "disk"
    _mount_tmpfs(disk, "4m")
    url = f"sqlite+aiosqlite:///{disk / 'oncall.db'}"
    config = write_config(tmp_path, [("alice", "1h")])
    server = None
    accepted: list[str] = []
    refused: list[str] = []
    answers: Counter[int] = Counter()
    retry_after: set[str | None] = set()
    try:
        server = start_server(url, config, tmp_path, "serve")
        db = Tables(url)
        try:
            n = 0

            def send(tag: str) -> int:
                nonlocal n
                n += 1
                name = f"{tag}{n:03d}"
                status, headers, _body = post_raw(server.base, big_payload(name))
                answers[status] += 1
                if status == 202:
                    accepted.append(name)
                elif status == 503:
                    refused.append(name)
                    retry_after.add(headers.get("Retry-After"))
                return status

            async def ready() -> bool:
                return (await asyncio.to_thread(get_json, f"{server.base}/readyz"))[0] == 200

            # The worker too (it turns deliveries into incidents): the full disk hits it as well.
            await until(ready, "/readyz to answer 200 (the worker ticking)", within=60)
            for _ in range(5):  # room to spare: accepted
                assert await asyncio.to_thread(send, "Before") == 202
            filler = disk / "filler"
            filled = await asyncio.to_thread(_fill, filler)
            full_from = time.monotonic()
            for _ in range(60):  # the disk full for 3 s: every write that needs space fails
                await asyncio.to_thread(send, "Full")
                if answers[503] >= 5 and time.monotonic() - full_from > 3:
                    break
                await asyncio.sleep(0.2)
            filler.unlink()  # space freed: accepted again
            after: list[int] = [await asyncio.to_thread(send, "After") for _ in range(5)]

            async def incidents_for_accepted() -> bool:
                names = {r["labels"]["alertname"] for r in await db.incidents()}
                return set(accepted) <= names

            await until(incidents_for_accepted, "an incident for every delivery answered 202")
            names = Counter(r["labels"]["alertname"] for r in await db.incidents())
        finally:
            await db.close()
        stop_server(server)
        log = server.stderr()
        server = None
        with sqlite3.connect(disk / "oncall.db") as conn:
            integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        if server is not None:
            stop_server(server)
        _umount(disk)
    stored_refused = [name for name in refused if names[name]]
    duplicated = sum(c - 1 for c in names.values() if c > 1)
    record(
        "database: SQLite disk full",
        "alerts posted (16 KB each) while a 4 MiB tmpfs fills up, then freed",
        expected=len(accepted),
        delivered=sum(1 for name in accepted if names[name] == 1),
        duplicated=duplicated,
        answered=dict(sorted((str(k), v) for k, v in answers.items())),
        refused_stored=len(stored_refused),
        integrity=integrity,
        filler_bytes=filled,
        refusal_logs=log.count("alerts are not being stored"),
        worker_tracebacks=log.count("Traceback"),
        wall_s=time.monotonic() - started,
    )
    assert integrity == "ok"
    assert 500 not in answers, answers
    assert answers[503] >= 1, f"the disk never filled up: {answers}"
    assert retry_after and None not in retry_after, retry_after
    assert after == [202] * 5, after
    assert not stored_refused, stored_refused
    assert duplicated == 0, names
    assert log.count("alerts are not being stored") == 1, "logged once"
    intake_errors = [line for line in log.splitlines() if "ERROR integrations.alerts" in line]
    assert len(intake_errors) == 1, intake_errors
