"""Hostile inputs for ``tests/proof/test_hostile.py``: hypothesis strategies of bodies for every
inbound endpoint, a fuzzing runner that counts answers, a client that dribbles a body a byte a
second, the table counts a rejected request must leave alone, and the configuration the server
runs with.

The strategies mix three kinds of body per endpoint: well-formed payloads with hostile values
(control characters, NUL, markup, huge and negative numbers, wrong types), arbitrary JSON, and
arbitrary bytes. Anything but a 5xx is a fine answer: the proof is that the server decides.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import string
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from bot.commands.actions import Action
from storage.engine import create_engine

# The configuration -----------------------------------------------------------------------

FORM = "application/x-www-form-urlencoded"
CHANNEL = "C0OPS"
CHAT = "a:chat-alice"
CONFIG = """version: 1
people:
  - {id: alice, name: Alice, slack: U0ALICE, teams: aad-alice}
  - {id: bob, name: Bob, email: bob@example.com}
teams:
  - {id: ops, managers: [alice], slack_channel: C0OPS}
escalation_policies:
  - id: ops
    tiers:
      - {targets: [person:alice], escalate_after: 1h}
services:
  - {id: shop, name: Shop, team: ops, escalation_policy: ops, match: {service: shop}}
routes:
  - match: {}
    service: shop
heartbeats:
  - {name: nightly, interval: 24h, grace: 1h, service: shop}
"""


def write_config(folder: Path) -> Path:
    path = folder / "oncall.yaml"
    path.write_text(CONFIG)
    return path


# Strategies ------------------------------------------------------------------------------

HOSTILE_TEXT = [
    "",
    " ",
    "\x00",
    "\u202e",
    "\ufeff",
    "<!channel>",
    "<@U123>",
    "<https://evil|click>",
    "*bold*",
    "<script>alert(1)</script>",
    "'; DROP TABLE incidents; --",
    "%s%n{0}",
    "../../etc/passwd",
    "\U0001f525" * 50,
    "a" * 600,
    "9" * 120,
]
texts = st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=40))
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    texts,
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=12,
)
label_names = st.sampled_from(["alertname", "service", "severity", "instance", "summary"]) | texts
labels = st.dictionaries(label_names, texts, max_size=5) | json_values
times = (
    st.sampled_from(
        ["2026-03-04T10:58:00Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "yesterday", ""]
    )
    | texts
)


def _raw(values: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    return values.map(lambda v: json.dumps(v).encode())


am_alert = st.fixed_dictionaries(
    {"labels": labels, "annotations": labels},
    optional={
        "status": st.sampled_from(["firing", "resolved"]) | texts,
        "startsAt": times,
        "endsAt": times,
        "generatorURL": texts,
        "fingerprint": texts,
    },
)
am_payload = st.fixed_dictionaries(
    {"alerts": st.lists(am_alert, max_size=3) | json_values},
    optional={
        "version": st.just("4") | texts,
        "groupKey": texts,
        "truncatedAlerts": st.integers(min_value=-5, max_value=2**64) | json_values,
        "status": st.sampled_from(["firing", "resolved"]) | texts,
        "receiver": texts,
        "groupLabels": labels,
        "commonLabels": labels,
        "commonAnnotations": labels,
        "externalURL": texts,
    },
)
generic_alert = st.fixed_dictionaries(
    {"title": texts},
    optional={
        "status": st.sampled_from(["firing", "resolved"]) | texts,
        "dedup_key": texts | st.none(),
        "service": texts | st.none(),
        "severity": texts,
        "labels": labels,
        "description": texts,
        "links": labels,
    },
)
alertmanager_bodies = st.one_of(_raw(am_payload), _raw(json_values), st.binary(max_size=300))
generic_bodies = st.one_of(_raw(generic_alert), _raw(json_values), st.binary(max_size=300))
heartbeat_names = st.sampled_from(["nightly", "unknown"]) | st.text(
    alphabet=string.ascii_letters + string.digits + "-_.~%:@!$&'()*+,;= ", min_size=1, max_size=60
)
heartbeat_bodies = st.one_of(st.just(b""), _raw(json_values), st.binary(max_size=200))
actions = st.sampled_from([a.value for a in Action]) | texts


@dataclass
class Tally:
    """What one fuzzed endpoint answered."""

    sent: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def answer(self, status: int, what: str) -> None:
        self.sent += 1
        self.statuses[status] += 1
        if status >= 500:
            self.failures.append(f"{status} for {what[:300]!r}")

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)


def fuzz(strategy: st.SearchStrategy[Any], examples: int, send: Callable[[Any], None]) -> None:
    """Run ``send`` on ``examples`` generated values (no shrinking: a 5xx is counted by the
    caller's :class:`Tally`, not raised, so one failure does not hide the others)."""

    @given(value=strategy)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        phases=("generate",),
    )
    def run(value: Any) -> None:
        send(value)

    run()


# Slow clients ----------------------------------------------------------------------------


def dribble(
    base: str, path: str, headers: dict[str, str], *, length: int = 1000, give_up: float = 90.0
) -> tuple[int | None, float]:
    """Send the headers of a ``length``-byte body, then one byte a second until the server
    answers or closes. Returns the status it answered (None when it closed without one) and
    how long the connection was held, in seconds; gives up after ``give_up`` s (status None,
    time ``give_up``)."""
    host, port = base.removeprefix("http://").split(":")
    start = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        head = [f"POST {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {length}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        sock.settimeout(1.0)
        received = b""
        while time.monotonic() - start < give_up:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                try:
                    sock.sendall(b" ")
                except OSError:  # the server closed its end
                    break
                continue
            except OSError:
                break
            if not chunk:
                break
            received += chunk
            if b"\r\n\r\n" in received:
                break
        held = time.monotonic() - start
    if not received.startswith(b"HTTP/"):
        return None, held
    return int(received.split(b" ", 2)[1]), held


# Signed Slack bodies ---------------------------------------------------------------------


def signed(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """Slack's headers for ``body`` signed with ``secret``, over the raw bytes (so bytes that
    are not UTF-8 can be signed too, as a forger could)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    mac = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256)
    kind = "application/json" if body.lstrip()[:1] == b"{" else FORM
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={mac.hexdigest()}",
        "Content-Type": kind,
    }


def form(fields: dict[str, str]) -> bytes:
    return urlencode(fields).encode()


def heartbeat_path(name: str) -> str:
    return "/alerts/heartbeat/" + quote(name, safe="")


# The database ----------------------------------------------------------------------------

VOLATILE = {"alembic_version", "worker_leases", "worker_heartbeats", "scheduler_leases"}


class Counts:
    """Row counts of every table of the database (but bookkeeping ones that tick by
    themselves), to show that rejected requests changed nothing."""

    def __init__(self, database_url: str) -> None:
        self.engine = create_engine(database_url)

    async def now(self) -> dict[str, int]:
        async with self.engine.connect() as conn:
            names = (
                await conn.execute(
                    text(
                        "SELECT table_name FROM information_schema.tables "
                        "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
                    )
                )
            ).scalars()
            counts = {}
            for name in sorted(set(names) - VOLATILE):
                counts[name] = (await conn.execute(text(f'SELECT count(*) FROM "{name}"'))).one()[0]
            return counts

    async def outbox_pending(self) -> int:
        """Outbox rows not yet sent (nor given up)."""
        async with self.engine.connect() as conn:
            query = text("SELECT count(*) FROM outbox WHERE status = 'pending'")
            return int((await conn.execute(query)).one()[0])

    async def close(self) -> None:
        await self.engine.dispose()
