"""Alert intake and escalation timeliness: prints figures, asserts nothing (house rule 9).

Run: ``.venv/bin/python -m bench.alerts``. Loopback only, SQLite in a temporary folder, about
two minutes on two cores. ``oncall serve`` answers HTTP in its process and makes incidents in
its worker process. Four measurements:

1. webhook throughput: the same closed-loop load (concurrency 32, 2,000 requests of 10-alert
   Alertmanager payloads) against a bare aiohttp handler (read, ``json.loads``, answer 200) and
   against a real ``oncall serve`` with ``examples/oncall.yaml`` applied; once with distinct
   ``groupKey``s (each opens an incident: routing, who is on call, a page, notifications, a
   ticket message and an escalation step) and once with 20 ``groupKey``s repeated (the
   deduplication path: the same alerts again, nothing new stored); after the first, how fast
   the worker worked off the inbox;
2. latency at a fixed rate of 100 requests/s for 10 s (open loop: latency counts from the
   instant a request was due to be sent, so a server that falls behind shows it), and the
   time from each delivery's receipt to its page handed to the destination; then the same at
   10 requests/s, a storm more like real ones;
3. escalation timeliness: 1,000 incidents opened in a burst whose first tier escalates after
   2, 3, 4 or 5 s; how late each escalation fired. ``recorded`` is ``done_at - due_at`` as the
   server wrote it (``done_at`` is the tick's start, so it cannot show a slow tick), ``seen`` is
   when the bench, polling every 100 ms, first saw the step committed, minus ``due_at``.

Both servers run as subprocesses, the load generator (aiohttp client) in this process; on two
cores the client competes with the server for CPU, so the bare handler's figure is a ceiling of
this client as much as of aiohttp.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CONFIG = ROOT / "examples" / "oncall.yaml"
ONCALL = str(Path(sys.executable).parent / "oncall")
TOKEN = "bench-token"
HEADERS = {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"}
REQUESTS = 2000
CONCURRENCY = 32
TIME_CAP = 20.0  # seconds: a closed-loop run sends no new request after this
REQUEST_TIMEOUT = 10.0
RATE, RATE_SECONDS = 100, 10
QUIET_RATE = 10
ESCALATIONS = 1000
TARGET_RPS, TARGET_P99_MS, TARGET_LATE_S = 500, 50, 1.5


# Payloads ----------------------------------------------------------------------------------


def payload(group: str, alerts: int = 10, service: str = "checkout-api") -> bytes:
    """An Alertmanager webhook body (version 4): group ``group`` with ``alerts`` alerts."""
    labels = {"alertname": "HighLatency", "service": service, "severity": "critical"}
    summary = f"Checkout p99 above 2 s ({group})"
    return json.dumps(
        {
            "version": "4",
            "groupKey": f'{{}}:{{alertname="HighLatency", group="{group}"}}',
            "truncatedAlerts": 0,
            "status": "firing",
            "receiver": "oncall",
            "groupLabels": {"alertname": "HighLatency", "group": group},
            "commonLabels": labels,
            "commonAnnotations": {"summary": summary},
            "externalURL": "http://alertmanager.bench:9093",
            "alerts": [
                {
                    "status": "firing",
                    "labels": labels | {"group": group, "pod": f"checkout-{k}"},
                    "annotations": {"summary": summary, "description": "p99 latency " * 8},
                    "startsAt": "2026-11-26T14:00:00Z",
                    "endsAt": "0001-01-01T00:00:00Z",
                    "generatorURL": "http://prometheus.bench:9090/graph?g0.expr=latency",
                    "fingerprint": f"{group}-{k:02d}",
                }
                for k in range(alerts)
            ],
        }
    ).encode()


def distinct(prefix: str, count: int) -> list[bytes]:
    return [payload(f"{prefix}-{i}") for i in range(count)]


def repeated(prefix: str, count: int, groups: int = 20) -> list[bytes]:
    bodies = [payload(f"{prefix}-{i}") for i in range(groups)]
    return [bodies[i % groups] for i in range(count)]


# Servers -----------------------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bare_server() -> None:
    """The reference: one POST handler that reads the body, parses it, answers 200."""
    from aiohttp import web

    async def alerts(request: web.Request) -> web.Response:
        json.loads(await request.read())
        return web.json_response({"status": "ok"})

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_post("/alerts/alertmanager", alerts)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", healthz)
    port = int(os.environ["PORT"])
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


@contextmanager
def process(command: list[str], env: dict[str, str], folder: Path, name: str) -> Iterator[str]:
    """Start a server process (port in ``PORT``), wait until ``/readyz`` answers 200 (for
    ``oncall serve``: its worker process ticks); yields its base URL.

    On the way out it is stopped, and what its log says about trouble is printed.
    """
    port = free_port()
    log = folder / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command,
            env={**env, "PORT": str(port)},
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"{name} exited with {proc.returncode}:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(f"{base}/readyz", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"{name} did not start:\n{log.read_text()}") from None
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        trouble = log_trouble(log.read_text(errors="replace"))
        if trouble:
            print(f"    {name}'s log: {trouble}")


def log_trouble(text: str) -> str:
    """Skipped ticks, refused alerts and tracebacks (with their last line) in a server log."""
    lines = text.splitlines()
    counts: Counter[str] = Counter()
    for i, line in enumerate(lines):
        if "skipped: maximum number of running instances reached" in line:
            counts["ticks skipped (the previous tick was still running)"] += 1
        elif "alert not stored" in line:
            counts["alerts refused with 503 (" + line.rpartition(": ")[2] + ")"] += 1
        elif line.startswith("Traceback"):
            end = next(
                (j for j in range(i + 1, len(lines)) if not lines[j].startswith((" ", "\t"))),
                len(lines) - 1,
            )
            counts[f"traceback: {lines[end][:160]}"] += 1
    return "; ".join(f"{n} {what}" for what, n in counts.most_common())


def oncall_env(database_url: str, config: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ONCALL_", "SLACK_", "MICRO"))}
    return env | {
        "ONCALL_DATABASE_URL": database_url,
        "ONCALL_CONFIG": str(config),
        "ONCALL_ALERT_TOKEN": TOKEN,
    }


@contextmanager
def oncall(folder: Path, config: Path, name: str) -> Iterator[tuple[str, str]]:
    """``oncall serve`` on a fresh SQLite file; yields (base URL, database URL)."""
    url = f"sqlite+aiosqlite:///{folder / (name + '.db')}"
    with process([ONCALL, "serve"], oncall_env(url, config), folder, name) as base:
        yield base, url


@contextmanager
def bare(folder: Path) -> Iterator[str]:
    command = [sys.executable, "-m", "bench.alerts", "--bare-server"]
    with process(command, dict(os.environ), folder, "bare") as base:
        yield base


# Load --------------------------------------------------------------------------------------


class Run:
    """Latencies (seconds) and statuses of one run."""

    def __init__(
        self, elapsed: float, latencies: list[float], statuses: Counter[int | str]
    ) -> None:
        self.elapsed, self.latencies, self.statuses = elapsed, sorted(latencies), statuses

    @property
    def rps(self) -> float:
        """Answered requests (any status) per second."""
        return sum(1 for x in self.latencies if x != math.inf) / self.elapsed

    @property
    def ok_rps(self) -> float:
        """Requests answered 2xx per second: the alerts actually taken in (the bare handler
        answers 200; our endpoint stores the delivery and answers 202)."""
        return (self.statuses[200] + self.statuses[202]) / self.elapsed

    def pct(self, q: float) -> float:
        """The ``q`` quantile in milliseconds (nearest rank)."""
        index = min(len(self.latencies) - 1, max(0, round(q * len(self.latencies)) - 1))
        return self.latencies[index] * 1000

    def errors(self) -> str:
        bad = {k: v for k, v in self.statuses.items() if k not in (200, 202)}
        return f"  [{len(self.latencies)} sent, not 2xx: {bad}]" if bad else ""


async def closed_loop(
    base: str, bodies: list[bytes], concurrency: int = CONCURRENCY, cap: float = TIME_CAP
) -> Run:
    """``concurrency`` workers, each sending its next request when its last one answered;
    no new request is sent after ``cap`` seconds."""
    url = f"{base}/alerts/alertmanager"
    latencies: list[float] = []
    statuses: Counter[int | str] = Counter()
    queue = iter(bodies)
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        start = time.perf_counter()

        async def worker() -> None:
            for body in queue:
                if time.perf_counter() - start > cap:
                    return
                begin = time.perf_counter()
                latencies.append(await send(session, url, body, statuses) - begin)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    return Run(elapsed, latencies, statuses)


async def send(
    session: aiohttp.ClientSession, url: str, body: bytes, statuses: Counter[int | str]
) -> float:
    """Post ``body``; counts the answer's status; returns when it ended (``inf``: timed out)."""
    try:
        async with session.post(url, data=body, headers=HEADERS) as response:
            await response.read()
            statuses[response.status] += 1
    except TimeoutError:
        statuses["timeout"] += 1
        return math.inf
    except aiohttp.ClientError as exc:
        statuses[type(exc).__name__] += 1
        return math.inf
    return time.perf_counter()


async def fixed_rate(base: str, bodies: list[bytes], rate: float) -> Run:
    """Open loop: request ``i`` is due at ``i / rate``; latency counts from when it was due."""
    url = f"{base}/alerts/alertmanager"
    latencies: list[float] = []
    statuses: Counter[int | str] = Counter()
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        start = time.perf_counter() + 0.2

        async def one(i: int, body: bytes) -> None:
            due = start + i / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            latencies.append(await send(session, url, body, statuses) - due)

        await asyncio.gather(*(one(i, b) for i, b in enumerate(bodies)))
        elapsed = time.perf_counter() - start
    return Run(elapsed, latencies, statuses)


def ms(value: float) -> str:
    return f"{value:7.1f} ms" if value != math.inf else "timed out"


def line(label: str, run: Run, bare: Run | None = None, alerts_per_request: int = 10) -> str:
    share = f"  {100 * run.ok_rps / bare.ok_rps:5.1f}% of bare" if bare else ""
    return (
        f"  {label:<24} {run.ok_rps:7.0f} req/s {run.ok_rps * alerts_per_request:7.0f} alerts/s"
        f"   p50 {ms(run.pct(0.50))}   p99 {ms(run.pct(0.99))}{share}{run.errors()}"
    )


async def processing(url: str, within: float = 180.0) -> None:
    """How fast the worker turned the stored deliveries into incidents: wait until the inbox
    is worked off, then count deliveries per second from the first received to the last
    processed (the closed loop stores them faster than they are processed; they wait, in
    order, in the inbox)."""
    from sqlalchemy import func, select

    from storage.engine import create_engine
    from storage.incident_tables import InboxRow

    table = InboxRow.__table__  # type: ignore[attr-defined]
    engine = create_engine(url)
    deadline = time.monotonic() + within
    try:
        while True:
            async with engine.connect() as conn:
                pending = (
                    await conn.execute(select(func.count()).where(table.c.status == "pending"))
                ).scalar_one()
                if pending == 0 or time.monotonic() > deadline:
                    first, last, done = (
                        await conn.execute(
                            select(
                                func.min(table.c.received_at),
                                func.max(table.c.processed_at),
                                func.count(),
                            ).where(table.c.status == "done")
                        )
                    ).one()
                    break
            await asyncio.sleep(0.5)
    finally:
        await engine.dispose()
    seconds = (last - first).total_seconds() if first and last else 0.0
    rate = done / seconds if seconds else 0.0
    left = f", {pending} still waiting after {within:.0f} s" if pending else ""
    print(
        f"  {'worker, making incidents':<24} {rate:7.0f} deliveries/s ({done} in {seconds:.1f} s, "
        f"each routed, its on-call person found and paged, an escalation scheduled){left}"
    )


async def paging_delay(
    url: str, group: str, label: str, expected: int, within: float = 60.0
) -> None:
    """From a delivery's receipt to its page handed to the destination (the log here; Slack
    or Teams later): the inbox, the incident, the outbox, the sender. Only the incidents of
    groups whose name starts with ``group``."""
    from sqlalchemy import select

    from storage.engine import create_engine
    from storage.incident_tables import InboxRow, IncidentRow, OutboxRow

    inbox = InboxRow.__table__  # type: ignore[attr-defined]
    outbox = OutboxRow.__table__  # type: ignore[attr-defined]
    incidents = IncidentRow.__table__  # type: ignore[attr-defined]
    query = (
        select(inbox.c.received_at, outbox.c.sent_at)
        .join(outbox, outbox.c.incident_id == inbox.c.incident_id)
        .join(incidents, incidents.c.id == inbox.c.incident_id)
        .where(
            outbox.c.kind == "page",
            inbox.c.action == "opened",
            incidents.c.dedup_key.contains(f'group="{group}'),
        )
    )
    engine = create_engine(url)
    deadline = time.monotonic() + within
    try:
        while True:
            async with engine.connect() as conn:
                rows = (await conn.execute(query)).all()
            done = len(rows) >= expected and all(sent for _, sent in rows)
            if done or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
    finally:
        await engine.dispose()
    delays = sorted((sent - received).total_seconds() for received, sent in rows if sent)
    if not delays:
        print("  no page was sent")
        return
    p99 = delays[min(len(delays) - 1, max(0, round(0.99 * len(delays)) - 1))]
    print(
        f"  {label:<24} p50 {statistics.median(delays):5.2f} s   p99 {p99:5.2f} s"
        f"   max {delays[-1]:5.2f} s   ({len(delays)} pages)"
    )


# Escalation timeliness ---------------------------------------------------------------------

ESCALATION_CONFIG = """\
version: 1
people: [{id: alice}, {id: bob}]
teams: [{id: ops, managers: [bob]}]
escalation_policies:
  - id: fast
    tiers:
      - {targets: [person:alice], escalate_after: 2s}
      - {targets: [person:bob], escalate_after: 1h}
services:
  - {id: shop, team: ops, escalation_policy: fast, match: {service: shop}}
"""


async def seed_incidents(url: str, count: int, spread: float) -> None:
    """``count`` triggered incidents at tier 1 (alice paged), each with its escalation to
    tier 2 due between 2 s and ``2 + spread`` s from now, spread evenly: written straight into
    the tables, so the measurement is of the escalation engine alone."""
    from storage.engine import create_engine
    from storage.incident_tables import IncidentRow, PendingStepRow

    engine = create_engine(url)
    now = datetime.now(UTC)
    incidents = IncidentRow.__table__  # type: ignore[attr-defined]
    steps = PendingStepRow.__table__  # type: ignore[attr-defined]
    try:
        async with engine.begin() as conn:
            for i in range(count):
                result = await conn.execute(
                    incidents.insert().values(
                        source="alertmanager",
                        dedup_key=f"seeded-{i}",
                        title=f"Seeded incident {i}",
                        service_id="shop",
                        team_id="ops",
                        policy_id="fast",
                        severity="critical",
                        status="triggered",
                        tier=0,
                        cycle=0,
                        start_tier=0,
                        pages=True,
                        exhausted=False,
                        assignee="alice",
                        opened_at=now,
                        labels={"service": "shop", "alertname": "Seeded"},
                        annotations={},
                        links={},
                    )
                )
                await conn.execute(
                    steps.insert().values(
                        incident_id=result.inserted_primary_key[0],
                        kind="escalate",
                        due_at=now + timedelta(seconds=2 + spread * i / count),
                        tier=0,
                        cycle=0,
                        created_at=now,
                    )
                )
    finally:
        await engine.dispose()


async def escalation_timeliness(folder: Path, spread: float) -> None:
    from sqlalchemy import select

    from storage.engine import create_engine
    from storage.incident_tables import PendingStepRow

    config = folder / "escalations.yaml"
    config.write_text(ESCALATION_CONFIG)
    with oncall(folder, config, f"oncall-escalations-{spread:.0f}") as (_base, url):
        await seed_incidents(url, ESCALATIONS, spread)
        engine = create_engine(url)
        table = PendingStepRow.__table__  # type: ignore[attr-defined]
        query = select(table.c.id, table.c.due_at, table.c.done_at, table.c.outcome).where(
            table.c.tier == 0, table.c.cycle == 0, table.c.outcome == "fired"
        )
        seen: dict[int, float] = {}
        recorded: dict[int, float] = {}
        deadline = time.monotonic() + 60 + spread
        try:
            while time.monotonic() < deadline and len(seen) < ESCALATIONS:
                await asyncio.sleep(0.1)
                async with engine.connect() as conn:
                    rows = (await conn.execute(query)).all()
                now = datetime.now(UTC)
                for step_id, due_at, done_at, _outcome in rows:
                    if step_id not in seen:
                        seen[step_id] = (now - due_at).total_seconds()
                        recorded[step_id] = (done_at - due_at).total_seconds()
        finally:
            await engine.dispose()
    for label, values in (("recorded (done_at)", recorded), ("seen (polled, 100 ms)", seen)):
        late = sorted(values.values())
        if not late:
            print(f"  {label}: no escalation fired")
            continue
        p99 = late[min(len(late) - 1, max(0, round(0.99 * len(late)) - 1))]
        print(
            f"  {label:<24} p50 {statistics.median(late):5.2f} s   p99 {p99:5.2f} s   "
            f"max {late[-1]:5.2f} s   (target p99 <= {TARGET_LATE_S} s)"
        )
    if len(seen) < ESCALATIONS:
        print(f"  {ESCALATIONS - len(seen)} escalations had not fired within 60 s")


# Main --------------------------------------------------------------------------------------


async def main() -> None:
    began = time.perf_counter()
    print(f"Alert intake and escalations ({os.cpu_count()} CPUs, SQLite, loopback)")
    print(
        f"Closed loop: up to {REQUESTS} requests (or {TIME_CAP:.0f} s) of 10 alerts, "
        f"concurrency {CONCURRENCY} (target >= {TARGET_RPS} req/s)"
    )
    with tempfile.TemporaryDirectory(prefix="oncall-bench-") as tmp:
        folder = Path(tmp)
        with bare(folder) as base:
            await closed_loop(base, distinct("warm-bare", 200))
            bare_new = await closed_loop(base, distinct("bare", REQUESTS))
            bare_dup = await closed_loop(base, repeated("bare-dup", REQUESTS))
        print(line("bare, distinct groups", bare_new))
        print(line("bare, repeated groups", bare_dup))
        with oncall(folder, EXAMPLE_CONFIG, "oncall") as (base, url):
            await closed_loop(base, distinct("warm", 20))
            ours_new = await closed_loop(base, distinct("new", REQUESTS))
            print(line("oncall, new incidents", ours_new, bare=bare_new))
            await processing(url)
            ours_dup = await closed_loop(base, repeated("dup", REQUESTS))
            print(line("oncall, deduplicated", ours_dup, bare=bare_dup))
        with oncall(folder, EXAMPLE_CONFIG, "oncall-rate") as (base, rate_url):
            print(
                f"Fixed rate: {RATE} req/s for {RATE_SECONDS} s, each a new incident "
                f"(target p99 < {TARGET_P99_MS} ms; a request times out after "
                f"{REQUEST_TIMEOUT:.0f} s)"
            )
            steady = await fixed_rate(base, distinct("rate", RATE * RATE_SECONDS), RATE)
            print(line(f"oncall at {RATE} req/s", steady))
            await paging_delay(rate_url, "rate-", "alert to page sent", RATE * RATE_SECONDS)
            quiet = await fixed_rate(base, distinct("quiet", QUIET_RATE * RATE_SECONDS), QUIET_RATE)
            print(line(f"then {QUIET_RATE} req/s", quiet))
            await paging_delay(rate_url, "quiet-", "alert to page sent", QUIET_RATE * RATE_SECONDS)
        for spread, what in (
            (60.0, "over a minute (about 17 a second)"),
            (3.0, "within 3 s (a burst)"),
        ):
            print(
                f"Escalation timeliness: {ESCALATIONS} open incidents whose escalations fall due "
                f"{what}"
            )
            await escalation_timeliness(folder, spread)
    print(f"(bench took {time.perf_counter() - began:.0f} s)")


if __name__ == "__main__":
    if sys.argv[1:] == ["--bare-server"]:
        bare_server()
    else:
        asyncio.run(main())
