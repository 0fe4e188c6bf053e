"""A running bot whose ``ONCALL_CONFIG`` is a file in a scratch git repository, and the modal
requests Slack sends (``block_actions`` in a view, ``view_submission``), for the
``/oncall config`` tests. Built like :mod:`tests.integration.slack_harness`."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config.apply import apply_configuration
from integrations.config_repo.loader import load_configuration
from storage.tables import AuditRow
from storage.uow import SqlUnitOfWork, session_factory
from tests.fake_slack import API_APP_ID, TEAM_DOMAIN, TEAM_ID, FakeSlack
from tests.fakes import FrozenClock
from tests.slack_requests import (
    VERIFICATION_TOKEN,
    action_ts,
    new_trigger_id,
    signed_headers,
    slash_command_body,
)
from tests.support import running_app
from tests.unit.oncall.common import at

SECRET = "test-signing-secret"
TOKEN = "xoxb-test-token"
T0 = at("2026-03-02 10:00")  # a Monday; ann holds the first daily turn (from 09:00)
MANAGER, ENGINEER = "U0DAN", "U0ANN"

CONFIG = """\
# The ops team's rotations. Managers change them with /oncall config.
version: 1
timezone: UTC

people:
  - {id: ann, name: Ann, email: ann@example.com, slack: U0ANN}
  - {id: bob, name: Bob, email: bob@example.com, slack: U0BOB}
  - {id: cat, name: Cat, email: cat@example.com}   # joined in March
  - {id: dan, name: Dan Manager, email: dan@example.com, slack: U0DAN}

teams:
  - id: ops
    name: Ops
    managers: [dan]          # may change rotations from chat
  - id: web
    managers: [cat]

schedules:
  - id: primary
    name: Primary
    team: ops
    layers:
      - id: daily
        members: [ann, bob]  # the queue, in order
        rotation: daily
        start: "2026-03-02 09:00"   # hand-over at 09:00 UTC

      # weekends are quieter
      - id: weekend
        members: [dan]
        rotation: weekly
        start: "2026-03-07 00:00"
        active:
          - {days: [sat, sun], from: "00:00", to: "00:00"}   # the whole day

  - id: office
    team: web
    layers:
      - {id: hours, members: [cat], rotation: weekly, start: "2026-03-02 00:00"}
"""


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True, timeout=30
    )
    return done.stdout.strip()


def scratch_repository(root: Path, text: str = CONFIG) -> Path:
    """A git work tree with the configuration file committed once; returns the file."""
    repo = root / "config-repo"
    repo.mkdir()
    git(repo, "init", "--quiet", "--initial-branch=main")
    path = repo / "oncall.yaml"
    path.write_text(text)
    git(repo, "add", "oncall.yaml")
    git(
        repo,
        "-c",
        "user.name=Config Keeper",
        "-c",
        "user.email=keeper@example.com",
        "commit",
        "--quiet",
        "-m",
        "The first rotations",
    )
    return path


@dataclass
class ConfigBot:
    url: str
    engine: AsyncEngine
    slack: FakeSlack
    clock: FrozenClock
    path: Path | None
    http: aiohttp.ClientSession

    async def post(self, body: bytes) -> tuple[int, Any]:
        headers = signed_headers(SECRET, body)
        async with self.http.post(f"{self.url}/slack/events", data=body, headers=headers) as resp:
            raw = await resp.read()
            return resp.status, json.loads(raw) if raw.strip() else None

    async def command(self, text: str, user: str) -> str:
        """``/oncall text`` as ``user``; returns the name of its response_url."""
        name = f"cmd-{time.monotonic_ns()}"
        body = slash_command_body(text, user, response_url=self.slack.response_url(name))
        status, _ = await self.post(body)
        assert status == 200
        return name

    async def open(self, user: str = MANAGER, text: str = "config") -> dict[str, Any]:
        """Run the command and return the modal it opened (as the fake keeps it)."""
        before = len(self.slack.calls("views.open"))
        await self.command(text, user)
        calls = await self.slack.wait_for("views.open", count=before + 1)
        return self.view(calls[-1].answer["view"]["id"])  # type: ignore[index]

    def view(self, view_id: str) -> dict[str, Any]:
        return self.slack.views[view_id]

    async def choose(self, view: dict[str, Any], value: str, user: str = MANAGER) -> dict[str, Any]:
        """Pick ``value`` in the view's select; returns the view after ``views.update``."""
        before = len(self.slack.calls("views.update"))
        status, _ = await self.post(view_select_body(view, value, user))
        assert status == 200
        await self.slack.wait_for("views.update", count=before + 1)
        return self.view(view["id"])

    async def submit(
        self, view: dict[str, Any], changes: dict[str, str], user: str = MANAGER
    ) -> Any:
        """Submit the form with its initial values and ``changes``; returns the ack's body."""
        status, answer = await self.post(view_submission_body(view, changes, user))
        assert status == 200
        return answer

    async def audit(self, action: str) -> list[Any]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(AuditRow).where(AuditRow.action == action))
            return list(rows.all())


def _user(user_id: str) -> dict[str, Any]:
    name = user_id.lower()
    return {"id": user_id, "username": name, "name": name, "team_id": TEAM_ID}


def _payload(kind: str, view: dict[str, Any], user: str) -> dict[str, Any]:
    return {
        "type": kind,
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "user": _user(user),
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": new_trigger_id(),
        "view": view,
        "is_enterprise_install": False,
        "enterprise": None,
    }


def view_select_body(view: dict[str, Any], value: str, user: str) -> bytes:
    """``block_actions`` from a static_select inside a modal (Slack echoes the whole view)."""
    block = next(
        b
        for b in view["blocks"]
        if (b.get("accessory") or {}).get("type") == "static_select"
        or any(e.get("type") == "static_select" for e in b.get("elements") or [])
    )
    element = block.get("accessory") or block["elements"][0]
    option = next(o for o in element["options"] if o["value"] == value)
    action = {
        "type": "static_select",
        "action_id": element["action_id"],
        "block_id": block.get("block_id", "b"),
        "selected_option": option,
        "placeholder": element.get("placeholder"),
        "action_ts": action_ts(),
    }
    payload = _payload("block_actions", view, user)
    payload |= {"container": {"type": "view", "view_id": view["id"]}, "actions": [action]}
    return urlencode({"payload": json.dumps(payload)}).encode()


def form_state(view: dict[str, Any], changes: dict[str, str]) -> dict[str, Any]:
    """``view.state.values`` as Slack sends it: every input's initial value, then ``changes``."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block.get("type") != "input":
            continue
        element, block_id = block["element"], block["block_id"]
        kind = element["type"]
        if kind == "static_select":
            initial = (element.get("initial_option") or {}).get("value")
            value = changes.get(block_id, initial)
            option = next((o for o in element["options"] if o["value"] == value), None)
            state = {"type": kind, "selected_option": option}
        elif kind == "datepicker":
            state = {
                "type": kind,
                "selected_date": changes.get(block_id, element.get("initial_date")),
            }
        elif kind == "timepicker":
            state = {
                "type": kind,
                "selected_time": changes.get(block_id, element.get("initial_time")),
            }
        else:
            initial = element.get("initial_value")
            value = changes.get(block_id, None if initial is None else str(initial))
            state = {"type": kind, "value": value or None}
        values[block_id] = {element["action_id"]: state}
    return {"values": values}


def view_submission_body(view: dict[str, Any], changes: dict[str, str], user: str) -> bytes:
    submitted = {**view, "state": form_state(view, changes)}
    payload = _payload("view_submission", submitted, user) | {"response_urls": []}
    return urlencode({"payload": json.dumps(payload)}).encode()


@asynccontextmanager
async def config_bot(
    engine: AsyncEngine, path: Path | None, *, text: str = CONFIG
) -> AsyncIterator[ConfigBot]:
    """The bot with Slack on and ``ONCALL_CONFIG=path`` (None: no file), the configuration in
    ``text`` applied a day before T0."""
    source = path if path is not None else None
    if source is None:
        from integrations.config_repo.loader import validate_text

        config = validate_text(text, "oncall.yaml").result.config
        assert config is not None
    else:
        config = load_configuration(source)
    await apply_configuration(
        SqlUnitOfWork(session_factory(engine)),
        config,
        actor="test",
        source=str(source or "t"),
        now=at("2026-03-01 00:00"),
    )
    async with FakeSlack(token=TOKEN) as fake:
        clock = FrozenClock(T0)
        settings = {
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake.api_url,
        }
        if path is not None:
            settings["ONCALL_CONFIG"] = str(path)
        async with running_app(engine, clock, **settings) as url, aiohttp.ClientSession() as http:
            yield ConfigBot(url, engine, fake, clock, path, http)
