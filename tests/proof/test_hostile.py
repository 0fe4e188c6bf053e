"""Issue 13, hostile input: ``oncall serve`` on PostgreSQL with Slack, Teams, a ticket tracker,
the alert and dashboard tokens on, fed what an attacker or a broken sender would send.

- hypothesis fuzzing of every inbound endpoint (alerts, heartbeats, signed Slack commands,
  interactivity and events, Teams activities with a valid token), the JSON API through its
  own OpenAPI document (schemathesis), and the configuration loader (``oncall config
  validate`` in process on mutated YAML documents): no 5xx, no traceback;
- replayed, forged and tampered Slack signatures, forged, expired, wrong-audience and
  wrong-issuer Teams tokens, wrong bearer tokens: all 401, not one row changed;
- bodies just over the 1 MiB cap (413), and 20 clients that send headers then a byte a second
  while normal alerts keep getting 202; the slow ones are answered 408 and cut off;
- Slack mrkdwn and HTML in an alert's labels and annotations: escaped on the card sent to
  Slack (no ``<!channel>`` ping) and on the dashboard's incident page;
- no configured secret in any line serve (or its worker) logged.

At the end the same server process answers ``/healthz`` 200. One row per part.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import strategies as st

from bot.commands.actions import Action
from integrations.alerts.endpoints import MAX_BODY_BYTES
from tests.fake_identity import FakeIdentity
from tests.fake_slack import FakeSlack
from tests.fake_teams import FakeConnector
from tests.fake_trackers import TOKEN as TRACKER_TOKEN
from tests.fake_trackers import FakeTrackers
from tests.integration.test_escalation_durability import (
    Tables,
    start_server,
    stop_server,
    until,
)
from tests.proof import hostile_inputs as h
from tests.proof.report import record
from tests.slack_requests import block_actions_body, signed_headers, slash_command_body
from tests.support import EXAMPLE_CONFIG, oncall_env, oncall_in_process
from tests.teams_activities import card_action, personal_message

ALERT_TOKEN = "alert-Zq81-hostile-secret"
DASHBOARD_TOKEN = "dash-Kp27-hostile-secret"
SIGNING_SECRET = "signing-Wx53-hostile-secret"
BOT_TOKEN = "xoxb-Bt64-hostile-secret"
APP_PASSWORD = "msapp-Pw90-hostile-secret"
TICKET_TOKEN = TRACKER_TOKEN  # the fake GitHub accepts only this one
SECRETS = [ALERT_TOKEN, DASHBOARD_TOKEN, SIGNING_SECRET, BOT_TOKEN, APP_PASSWORD, TICKET_TOKEN]
INJECTION = "<!channel> <@U123> <https://evil|click> *bold* <script>alert(1)</script>"
ESCAPED_FOR_SLACK = ["&lt;!channel&gt;", "&lt;@U123&gt;", "&lt;https://evil|click&gt;"]
RAW = ["<!channel>", "<@U123>", "<https://evil|click>", "<script>"]
EXAMPLES = {"alertmanager": 60, "generic": 50, "heartbeat": 30, "slack": 70, "teams": 50}
API_EXAMPLES = 4  # per operation and generation mode
CONFIG_EXAMPLES = 40
SLOW_CLIENTS = 20


async def _http(method: str, url: str, **kwargs: Any) -> requests.Response:
    """A blocking request in a thread, so the fake Slack on this loop keeps answering."""
    kwargs.setdefault("timeout", 30)
    return await asyncio.to_thread(requests.request, method, url, **kwargs)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


# The configuration loader (in process, before anything starts) ----------------------------


def _fuzz_config(folder: Path) -> h.Tally:
    tally = h.Tally()
    lines = EXAMPLE_CONFIG.read_text().splitlines()
    env = oncall_env(f"sqlite+aiosqlite:///{folder / 'unused.db'}")
    junk = st.sampled_from(["[", "{", ":", "- ", "&a ", "*a", "!!python/object:os.system", "\t"])
    edits = st.lists(
        st.tuples(
            st.sampled_from(["drop", "dup", "insert", "replace"]),
            st.integers(0, len(lines) - 1),
            junk | h.texts,
        ),
        min_size=1,
        max_size=4,
    )
    documents = st.one_of(
        edits.map(lambda e: _edited(lines, e)),
        h.json_values.map(lambda v: json.dumps(v)),
        st.text(max_size=200),
    )
    path = folder / "fuzzed.yaml"

    def send(document: str) -> None:
        path.write_text(document, encoding="utf-8", errors="surrogatepass")
        result = oncall_in_process("config", "validate", str(path), env=env)
        out = result.stderr + result.stdout
        if result.exit_code == 0:
            tally.answer(200, document)
        elif result.exit_code == 1 and re.search(rf"{re.escape(str(path))}:\d+:", out):
            tally.answer(400, document)
        else:  # a traceback raises out of oncall_in_process; a bad exit or no FILE:LINE here
            tally.answer(500, f"exit {result.exit_code}: {out[-300:]} for {document[:200]}")

    h.fuzz(documents, CONFIG_EXAMPLES, send)
    return tally


def _edited(lines: list[str], edits: list[tuple[str, int, str]]) -> str:
    out = list(lines)
    for kind, at, value in edits:
        at = min(at, len(out) - 1)
        if kind == "drop" and out:
            del out[at]
        elif kind == "dup":
            out.insert(at, out[at])
        elif kind == "insert":
            out.insert(at, value)
        else:
            out[at] = out[at][: len(out[at]) // 2] + value
    return "\n".join(out) + "\n"


# The server's endpoints ----------------------------------------------------------------------


def _fuzz_server(base: str, connector_url: str, teams_token: str, slack_reply: str) -> dict:
    tallies = {name: h.Tally() for name in [*EXAMPLES, "api"]}
    http = requests.Session()

    def post(name: str, path: str, body: bytes, headers: dict[str, str]) -> None:
        answer = http.post(base + path, data=body, headers=headers, timeout=30)
        tallies[name].answer(answer.status_code, f"{path} {body[:300]!r}")

    h.fuzz(
        h.alertmanager_bodies,
        EXAMPLES["alertmanager"],
        lambda b: post("alertmanager", "/alerts/alertmanager", b, _bearer(ALERT_TOKEN)),
    )
    h.fuzz(
        h.generic_bodies,
        EXAMPLES["generic"],
        lambda b: post("generic", "/alerts/generic", b, _bearer(ALERT_TOKEN)),
    )
    h.fuzz(
        st.tuples(h.heartbeat_names, h.heartbeat_bodies),
        EXAMPLES["heartbeat"],
        lambda nb: post("heartbeat", h.heartbeat_path(nb[0]), nb[1], _bearer(ALERT_TOKEN)),
    )

    commands = st.builds(
        lambda t, user: slash_command_body(t, user, response_url=slack_reply),
        h.texts | st.sampled_from(["who", "ack 1", "resolve 1", "page shop x", "help"]),
        st.sampled_from(["U0ALICE", "U0NOBODY"]) | h.texts,
    )
    clicks = st.builds(
        lambda a, v, user: block_actions_body(
            a, v, user, channel_id=h.CHANNEL, message_ts="1.000001", response_url=slack_reply
        ),
        h.actions,
        h.texts | st.sampled_from(["1", "2", '{"incident": 1}']),
        st.sampled_from(["U0ALICE", "U0NOBODY"]),
    )
    payloads = h.json_values.map(lambda v: h.form({"payload": json.dumps(v)}))
    envelopes = st.dictionaries(h.texts, h.json_values, max_size=4).map(
        lambda d: json.dumps({"type": "event_callback", **d}).encode()
    )
    fields = st.dictionaries(h.texts, h.texts, max_size=6).map(h.form)
    slack_bodies = st.one_of(commands, clicks, payloads, envelopes, fields, st.binary(max_size=200))
    h.fuzz(
        slack_bodies,
        EXAMPLES["slack"],
        lambda b: post("slack", "/slack/events", b, h.signed(SIGNING_SECRET, b)),
    )

    user = {"user_id": "29:alice", "aad_object_id": "aad-alice", "service_url": connector_url}
    messages = h.texts.map(lambda t: personal_message(t, conversation_id=h.CHAT, **user))
    actions = st.builds(
        lambda verb, data: card_action(verb, data, conversation_id=h.CHAT, **user),
        h.actions,
        st.dictionaries(h.texts | st.just("incident"), h.json_values, max_size=3),
    )
    anything = st.dictionaries(h.texts, h.json_values, max_size=5).flatmap(
        lambda d: st.sampled_from(["message", "invoke", "conversationUpdate"]).map(
            lambda kind: {**d, "type": kind, "serviceUrl": connector_url}
        )
    )
    teams_bodies = st.one_of(messages, actions, anything).map(lambda a: json.dumps(a).encode())
    h.fuzz(
        teams_bodies,
        EXAMPLES["teams"],
        lambda b: post("teams", "/api/messages", b, _bearer(teams_token)),
    )

    document = http.get(f"{base}/api/v1/openapi.json", headers=_bearer(DASHBOARD_TOKEN)).json()
    schema = schemathesis.openapi.from_dict(document)
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):

            def call(case: Any) -> None:
                answer = case.call(base_url=base, headers=_bearer(DASHBOARD_TOKEN))
                tallies["api"].answer(answer.status_code, f"{case.method} {case.formatted_path}")

            h.fuzz(operation.as_strategy(generation_mode=mode), API_EXAMPLES, call)
    return tallies


# The test ----------------------------------------------------------------------------------


@pytest.mark.proof
async def test_hostile_input(postgres_url: str, tmp_path: Path) -> None:
    started = time.monotonic()
    config_tally = _fuzz_config(tmp_path)
    config_tally.seconds = time.monotonic() - started

    config = h.write_config(tmp_path)
    db = Tables(postgres_url)
    counts = h.Counts(postgres_url)
    with (
        FakeTrackers() as tracker,
        FakeIdentity(app_password=APP_PASSWORD) as identity,
        FakeConnector(identity) as connector,
    ):
        async with FakeSlack(token=BOT_TOKEN) as slack:
            env = {
                **identity.env(),
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": slack.api_url,
                "ONCALL_DASHBOARD_TOKEN": DASHBOARD_TOKEN,
                "ONCALL_TICKETING": "github",
                "GITHUB_TOKEN": TICKET_TOKEN,
                "GITHUB_REPO": "acme/shop",
                "GITHUB_API_URL": tracker.url,
            }
            server = start_server(
                postgres_url, config, tmp_path, "hostile", token=ALERT_TOKEN, extra_env=env
            )
            pid = server.pid
            try:
                await _scenario(server.base, slack, connector, identity, db, counts, config_tally)
                assert server.proc.poll() is None and server.pid == pid, "serve exited"
                status = (await _http("GET", f"{server.base}/healthz", timeout=10)).status_code
                assert status == 200, f"/healthz answered {status} at the end"
            finally:
                stop_server(server)
                await db.close()
                await counts.close()
            logged = server.stderr() + (server.log.parent / "stdout.log").read_text(
                errors="replace"
            )
    leaked = [s for s in SECRETS if s in logged]
    tracebacks = logged.count("Traceback")
    record(
        "hostile input: secrets in logs",
        f"grep serve's and its worker's stdout+stderr ({len(logged.splitlines())} lines) for "
        f"each of the {len(SECRETS)} configured secrets; tracebacks counted",
        expected=len(SECRETS),
        delivered=len(SECRETS) - len(leaked),
        leaked=len(leaked),
        tracebacks=tracebacks,
        wall_s=time.monotonic() - started,
    )
    assert not leaked, f"secrets found in serve's log: {[s[:6] + '...' for s in leaked]}"
    assert tracebacks == 0, "serve logged a traceback:\n" + logged[-4000:]


async def _scenario(
    base: str,
    slack: FakeSlack,
    connector: FakeConnector,
    identity: FakeIdentity,
    db: Tables,
    counts: h.Counts,
    config_tally: h.Tally,
) -> None:
    await _injection(base, slack, db)
    teams_token = identity.token(service_url=connector.url)
    fuzz_started = time.monotonic()
    tallies = await asyncio.to_thread(
        _fuzz_server, base, connector.url, teams_token, slack.response_url("fuzz")
    )
    tallies["config"] = config_tally
    sent = sum(t.sent for t in tallies.values())
    errors = sum(t.server_errors for t in tallies.values())
    record(
        "hostile input: fuzzing",
        "hypothesis bodies to /alerts/alertmanager, /alerts/generic, /alerts/heartbeat/<name>, "
        "signed /slack/events, token-bearing /api/messages, the JSON API (schemathesis) and "
        "`oncall config validate` (requests answered without 5xx; config: exit 0, or 1 with "
        "FILE:LINE)",
        expected=sent,
        delivered=sent - errors,
        lost=errors,
        answered_2xx=sum(n for t in tallies.values() for s, n in t.statuses.items() if s < 300),
        answered_4xx=sum(n for t in tallies.values() for s, n in t.statuses.items() if s >= 400),
        **{f"{name}_sent": t.sent for name, t in tallies.items()},
        fuzz_s=time.monotonic() - fuzz_started,
        config_s=config_tally.seconds,
    )
    failures = [f for t in tallies.values() for f in t.failures]
    assert not failures, "5xx or bad exits while fuzzing:\n" + "\n".join(failures[:20])

    await _signatures(base, connector, identity, db, counts)
    await _oversized_and_slow(base, connector, identity, db, counts)


async def _injection(base: str, slack: FakeSlack, db: Tables) -> None:
    alert = {
        "title": f"Injected {INJECTION}",
        "dedup_key": "injection",
        "service": "shop",
        "severity": "critical",
        "labels": {"note": INJECTION, "team": "<!here>"},
        "description": f"desc {INJECTION}",
    }
    answer = await _http(
        "POST", f"{base}/alerts/generic", json=alert, headers=_bearer(ALERT_TOKEN), timeout=30
    )
    assert answer.status_code == 202, answer.text

    def card() -> list[Any]:
        return [
            c
            for c in slack.calls("chat.postMessage")
            if c.ok and c.params.get("channel") == h.CHANNEL and "Injected" in json.dumps(c.params)
        ]

    async def posted() -> bool:
        return bool(card())

    await until(posted, "the injected alert's card in the team's Slack channel", within=60)
    sent = json.dumps([c.params for c in slack.received if c.method.startswith("chat.")])
    raw_in_slack = [r for r in [*RAW, "<!here>"] if r in sent]
    escaped_in_slack = [e for e in ESCAPED_FOR_SLACK if e in sent]
    (incident,) = [i for i in await db.incidents() if "Injected" in str(i["title"])]
    page = await _http(
        "GET", f"{base}/incidents/{incident['id']}", headers=_bearer(DASHBOARD_TOKEN), timeout=30
    )
    assert page.status_code == 200, page.status_code
    raw_on_page = "<script>alert(1)" in page.text or "<!channel>" in page.text
    escaped_on_page = "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    checks = 2
    good = int(not raw_in_slack and len(escaped_in_slack) == 3) + int(
        not raw_on_page and escaped_on_page
    )
    record(
        "hostile input: injection",
        "an alert with <!channel>, <@U123>, <https://evil|click>, *bold* and <script> in its "
        "title, labels and description: the Slack card and the dashboard page (checks that held)",
        expected=checks,
        delivered=good,
        raw_in_slack=len(raw_in_slack),
        escaped_in_slack=len(escaped_in_slack),
        bold_left_as_written=int("*bold*" in sent),
        raw_on_page=int(raw_on_page),
    )
    assert not raw_in_slack, f"unescaped in what was sent to Slack: {raw_in_slack}"
    assert len(escaped_in_slack) == 3, f"escaped forms missing in Slack: {sent[:2000]}"
    assert not raw_on_page and escaped_on_page, "the incident page does not escape the alert"


async def _quiet(counts: h.Counts, what: str) -> dict[str, int]:
    """Counts once nothing waits in the outbox and two reads a second apart agree (the worker
    works off what came before: a card waiting for its channel's next slot would add its copy
    later)."""
    last: dict[str, int] = {}
    box: dict[str, dict[str, int]] = {}

    async def steady() -> bool:
        nonlocal last
        await asyncio.sleep(1.0)
        now = await counts.now()
        box["now"], same, last = now, now == last, now
        return same and await counts.outbox_pending() == 0

    await until(steady, f"the tables to settle before {what}", within=90)
    return box["now"]


def _changed(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple[int, int]]:
    return {k: (before.get(k, 0), v) for k, v in after.items() if before.get(k, 0) != v}


async def _signatures(
    base: str, connector: FakeConnector, identity: FakeIdentity, db: Tables, counts: h.Counts
) -> None:
    answer = await _http(
        "POST",
        f"{base}/alerts/generic",
        json={"title": "Signature target", "dedup_key": "sig", "service": "shop"},
        headers=_bearer(ALERT_TOKEN),
        timeout=30,
    )
    assert answer.status_code == 202, answer.text

    async def opened() -> bool:
        return any(i["title"] == "Signature target" for i in await db.incidents())

    await until(opened, "the signature target incident")
    (target,) = [i for i in await db.incidents() if i["title"] == "Signature target"]
    number = str(target["id"])
    before = await _quiet(counts, "the forged requests")

    click = block_actions_body(
        Action.ACKNOWLEDGE.value,
        number,
        "U0ALICE",
        channel_id=h.CHANNEL,
        message_ts="1.000001",
        response_url="http://127.0.0.1:9/never",
    )
    command = slash_command_body(f"ack {number}", "U0ALICE")
    old = int(time.time()) - 6 * 60
    tampered = click.replace(b"U0ALICE", b"U0ALICF")
    slack_cases = [
        (
            "replayed click (6 min old, signed right)",
            click,
            signed_headers(SIGNING_SECRET, click, old),
        ),
        ("replayed command", command, signed_headers(SIGNING_SECRET, command, old)),
        ("from the future", click, signed_headers(SIGNING_SECRET, click, old + 12 * 60)),
        ("forged (wrong secret)", click, signed_headers("not-the-secret", click)),
        ("tampered body", tampered, signed_headers(SIGNING_SECRET, click)),
        ("no signature", click, {"Content-Type": "application/x-www-form-urlencoded"}),
    ]
    user = {"user_id": "29:alice", "aad_object_id": "aad-alice", "service_url": connector.url}
    activity = json.dumps(
        card_action(
            Action.ACKNOWLEDGE.value, {"incident": int(number)}, conversation_id=h.CHAT, **user
        )
    ).encode()
    url = connector.url
    teams_cases = [
        ("expired token", identity.token(service_url=url, expires_in=-900)),
        ("wrong audience", identity.token(service_url=url, audience="another-app")),
        ("forged (other key)", identity.token(service_url=url, other_key=True)),
        ("wrong issuer", identity.token(service_url=url, issuer="https://evil.example")),
        ("other service URL", identity.token(service_url="https://evil.example/")),
        ("garbage", "not.a.jwt"),
    ]
    outcomes: list[tuple[str, int]] = []
    for what, body, headers in slack_cases:
        status = await _http("POST", f"{base}/slack/events", data=body, headers=headers, timeout=30)
        outcomes.append((f"slack {what}", status.status_code))
    for what, token in teams_cases:
        status = await _http(
            "POST", f"{base}/api/messages", data=activity, headers=_bearer(token), timeout=30
        )
        outcomes.append((f"teams {what}", status.status_code))
    no_token = await _http(
        "POST", f"{base}/api/messages", data=activity, headers={"Content-Type": "application/json"}
    )
    outcomes.append(("teams no token", no_token.status_code))
    for what, token in [("wrong alert token", "nope"), ("dashboard token", DASHBOARD_TOKEN)]:
        status = await _http(
            "POST",
            f"{base}/alerts/generic",
            json={"title": "x"},
            headers=_bearer(token),
            timeout=30,
        )
        outcomes.append((what, status.status_code))
    api = await _http(
        "POST",
        f"{base}/api/v1/incidents/{number}/acknowledge",
        headers=_bearer(ALERT_TOKEN),
        timeout=30,
    )
    outcomes.append(("API with the alert token", api.status_code))

    await asyncio.sleep(2)  # a request that slipped through would be acted on by now
    after = await counts.now()
    changed = _changed(before, after)
    (now,) = [i for i in await db.incidents() if i["id"] == target["id"]]
    refused = [w for w, s in outcomes if s == 401]
    record(
        "hostile input: signatures and tokens",
        "replayed/future/forged/tampered/missing Slack signatures, expired/wrong-audience/forged/"
        "wrong-issuer/garbage/missing Teams tokens, wrong bearer tokens (requests refused 401 "
        "with nothing changed)",
        expected=len(outcomes),
        delivered=len(refused),
        tables_changed=len(changed),
        incident_status=str(now["status"]),
    )
    assert len(refused) == len(outcomes), f"not 401: {[o for o in outcomes if o[1] != 401]}"
    assert not changed, f"rows changed by refused requests: {changed}"
    assert now["status"] == target["status"], now["status"]


async def _oversized_and_slow(
    base: str, connector: FakeConnector, identity: FakeIdentity, db: Tables, counts: h.Counts
) -> None:
    before = await _quiet(counts, "the oversized bodies")
    big = b'{"title": "' + b"x" * MAX_BODY_BYTES + b'"}'
    teams_token = identity.token(service_url=connector.url)
    targets = [
        ("/alerts/alertmanager", _bearer(ALERT_TOKEN)),
        ("/alerts/generic", _bearer(ALERT_TOKEN)),
        ("/alerts/heartbeat/nightly", _bearer(ALERT_TOKEN)),
        ("/slack/events", signed_headers(SIGNING_SECRET, big)),
        ("/api/messages", _bearer(teams_token)),
    ]
    oversized: list[tuple[str, int | str]] = []
    for path, headers in targets:
        try:
            answer = await _http("POST", base + path, data=big, headers=headers, timeout=30)
            oversized.append((path, answer.status_code))
        except requests.ConnectionError as exc:  # cut off mid-upload: refused too, but say so
            oversized.append((path, f"connection closed: {type(exc).__name__}"))
    await asyncio.sleep(1)
    changed = _changed(before, await counts.now())

    slow_targets = (
        [("/alerts/alertmanager", _bearer(ALERT_TOKEN))] * 12
        + [("/slack/events", {"Content-Type": "application/json", "X-Slack-Signature": "v0=0"})] * 4
        + [("/api/messages", _bearer(teams_token))] * 4
    )
    inbox_before = len(await db.inbox())
    latencies: list[float] = []
    statuses: list[int] = []

    def normal_alerts() -> None:
        http = requests.Session()
        for n in range(10):
            time.sleep(0.5)
            t0 = time.monotonic()
            answer = http.post(
                f"{base}/alerts/generic",
                json={"title": f"normal {n}", "dedup_key": f"normal-{n}", "service": "shop"},
                headers=_bearer(ALERT_TOKEN),
                timeout=30,
            )
            latencies.append(time.monotonic() - t0)
            statuses.append(answer.status_code)

    with ThreadPoolExecutor(max_workers=SLOW_CLIENTS + 1) as pool:
        slow = [pool.submit(h.dribble, base, path, headers) for path, headers in slow_targets]
        await asyncio.sleep(1.0)
        normal = pool.submit(normal_alerts)
        await asyncio.wrap_future(normal)
        results = [await asyncio.wrap_future(f) for f in slow]
    cut = [r for r in results if r[0] == 408]
    held = max(r[1] for r in results)
    accepted = statuses.count(202)
    good = int(all(s == 413 for _, s in oversized) and not changed) + len(cut) + accepted
    record(
        "hostile input: slow and oversized bodies",
        f"{len(targets)} bodies 1 byte over 1 MiB (413, nothing stored); {SLOW_CLIENTS} clients "
        "sending a byte a second (408) while 10 normal alerts are posted (202): "
        "checks that held",
        expected=1 + SLOW_CLIENTS + 10,
        delivered=good,
        slow_cut_408=len(cut),
        slow_held_max_s=held,
        normal_202=accepted,
        normal_latency_max_s=max(latencies) if latencies else None,
        oversized=",".join(str(s) for _, s in oversized),
    )
    assert all(s == 413 for _, s in oversized), oversized
    assert not changed, f"rows changed by oversized bodies: {changed}"
    assert accepted == 10, f"normal alerts during the slow clients: {statuses}"
    assert len(cut) == SLOW_CLIENTS, f"slow clients not answered 408: {results}"

    async def stored() -> bool:
        return len(await db.inbox()) >= inbox_before + 10

    await until(stored, "the 10 normal alerts in the inbox")
