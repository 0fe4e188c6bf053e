"""A body that dribbles in is cut off: every inbound endpoint reads its body within
``integrations.json_body.BODY_READ_SECONDS`` and answers 408, nothing stored (issue 13's
hostile-input scenario found no read timeout: a client sending headers and then a byte a
second held its connection and handler for as long as it liked). Here the limit is lowered to
0.3 s; ``tests/proof/test_hostile.py`` checks it against ``oncall serve`` with the real one.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import integrations.json_body
import web.bodies
from storage.engine import create_engine
from tests.fakes import FrozenClock
from tests.integration.test_alert_intake import NOW, TOKEN
from tests.support import apply_example, running_app

SLOW = [
    ("/alerts/alertmanager", {"Authorization": f"Bearer {TOKEN}"}),
    ("/alerts/generic", {"Authorization": f"Bearer {TOKEN}"}),
    ("/alerts/heartbeat/nightly-backup", {"Authorization": f"Bearer {TOKEN}"}),
    ("/slack/events", {"X-Slack-Request-Timestamp": "1", "X-Slack-Signature": "v0=00"}),
    ("/api/messages", {"Content-Type": "application/json"}),
]


@pytest.fixture
async def base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[str]:
    monkeypatch.setattr(integrations.json_body, "BODY_READ_SECONDS", 0.3)
    monkeypatch.setattr(web.bodies, "BODY_READ_SECONDS", 0.3)
    url = f"sqlite+aiosqlite:///{tmp_path / 'oncall.db'}"
    await apply_example(url)
    engine = create_engine(url)
    try:
        async with running_app(
            engine,
            FrozenClock(NOW),
            ONCALL_ALERT_TOKEN=TOKEN,
            SLACK_BOT_TOKEN="xoxb-timeout",
            SLACK_SIGNING_SECRET="timeout-secret",
            SLACK_API_URL="http://127.0.0.1:9/api/",
            MICROSOFT_APP_ID="timeout-app",
            MICROSOFT_APP_PASSWORD="timeout-password",
        ) as served:
            yield served
    finally:
        await engine.dispose()


async def _dribble(base: str, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str]]:
    """Send the headers of a 100-byte body, then one byte every 0.1 s; the status line and
    the JSON answer the server sends back."""
    host, port = base.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    head = [f"POST {path} HTTP/1.1", f"Host: {host}", "Content-Length: 100"]
    head += [f"{k}: {v}" for k, v in {"Content-Type": "application/json", **headers}.items()]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
    writer.write(b"{")
    try:
        answer = asyncio.ensure_future(reader.read(65536))
        for _ in range(100):  # 10 s of dribbling at most: far beyond the 0.3 s limit
            done, _pending = await asyncio.wait({answer}, timeout=0.1)
            if done:
                break
            writer.write(b" ")
            await writer.drain()
        data = await asyncio.wait_for(answer, timeout=5)
    finally:
        writer.close()
    status_line, _, rest = data.decode().partition("\r\n")
    body = rest.partition("\r\n\r\n")[2]
    return int(status_line.split()[1]), json.loads(body) if body.startswith("{") else {"text": body}


@pytest.mark.parametrize(("path", "headers"), SLOW, ids=[p for p, _ in SLOW])
async def test_a_body_that_dribbles_in_is_408(
    base: str, path: str, headers: dict[str, str]
) -> None:
    status, answer = await _dribble(base, path, headers)
    assert status == 408, answer
    assert "did not arrive within 0.3 s" in answer["error"]


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/api/v1/incidents/1/acknowledge", "application/json"),
        ("/login", "application/x-www-form-urlencoded"),
        ("/incidents/1/acknowledge", "application/x-www-form-urlencoded"),
    ],
)
async def test_a_dashboard_body_that_dribbles_in_is_408(base: str, path: str, kind: str) -> None:
    status, answer = await _dribble(base, path, {"Content-Type": kind})
    assert status == 408, answer
    assert "did not arrive in time" in json.dumps(answer)
