"""Proof: chat faults (issue 13). ``oncall serve`` (and its worker) on PostgreSQL with Slack,
Teams and GitHub Issues all on, against the fakes; 40 incidents are opened through the alert
endpoint and half of them acknowledged or resolved while, for one minute, the fake Slack
answers 30% of calls with 429 (Retry-After 1-2 s) or 500 and the fake Teams connector 30%
with 429 or 502; the tracker answers 503 to everything until the chat is quiet again.

Then: every page arrived exactly once per platform (counted from the fakes' logs, by incident
and person: a card in the person's chat, plus any "You are paged" repeat), every channel card
once, every card copy's last version shows the incident's final status, and after the
tracker is back every incident has exactly one issue with one comment per acknowledgement
and resolution (and resolved ones closed).

The outbox backs off exponentially (2 s doubling to 10 min) and a real worker process has no
setting to shorten it: by the time the tracker is back its tickets wait up to a minute or two
for their next attempt. Waiting that out would blow the scenario's two minutes, so once the
tracker is up the test brings the pending ticket rows' ``next_attempt_at`` forward to now (as
if that time had passed) and records how long the natural wait would have been.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import update

from storage.chat_tables import CardCopyRow
from storage.incident_tables import OutboxRow
from tests.fake_identity import FakeIdentity
from tests.fake_trackers import TOKEN as GITHUB_TOKEN
from tests.fake_trackers import FakeTrackers
from tests.integration.test_escalation_durability import (
    TOKEN,
    Tables,
    assert_no_traceback,
    start_server,
    stop_server,
)
from tests.proof.faulty_fakes import (
    FaultWindow,
    FaultyConnector,
    FaultySlack,
    tracker_down,
    tracker_refusals,
    tracker_up,
)
from tests.proof.report import record
from tests.teams_activities import installation_update, post_activity

pytestmark = pytest.mark.proof

INCIDENTS = 40
GROUPS = 5  # people, teams, channels and services: 8 incidents each (a person's come in digests)
FAULT_SECONDS = 60.0
RATIO = 0.3
CHAT_WAIT = 100.0  # seconds at most for the chat to go quiet after the faults
BOT_TOKEN = "xoxb-chat-faults"
SECRET = "chat-faults-signing-secret"
TEAM = "19:ops-team@thread.tacv2"
STATUS = re.compile(r"\(#(\d+), (triggered|acknowledged|resolved)\)")
MARKER = re.compile(r"oncall-incident-(\d+)\b")
DIGEST_LINE = re.compile(r"_(triggered|acknowledged|resolved)_ · #(\d+)")  # a storm digest's


def person(i: int) -> str:
    return f"p{i}"


def slack_user(i: int) -> str:
    return f"U0P{i}"


def teams_channel(i: int) -> str:
    return f"19:t{i}@thread.tacv2"


def personal_chat(i: int) -> str:
    return f"a:chat-p{i}"


def write_config(folder: Path) -> Path:
    lines = ["version: 1", "people:"]
    for i in range(GROUPS):
        lines.append(
            f"  - {{id: {person(i)}, name: P{i}, slack: {slack_user(i)}, teams: aad-p{i}, "
            f"github: p{i}-gh}}"
        )
    lines.append("teams:")
    for i in range(GROUPS):
        lines.append(
            f"  - {{id: t{i}, managers: [{person(i)}], slack_channel: C0T{i}, "
            f'teams_channel: "{teams_channel(i)}"}}'
        )
    lines.append("escalation_policies:")
    for i in range(GROUPS):
        lines += [
            f"  - id: e{i}",
            "    tiers:",
            f"      - {{targets: [person:{person(i)}], escalate_after: 1h}}",
        ]
    lines.append("services:")
    for i in range(GROUPS):
        lines.append(
            f"  - {{id: s{i}, name: S{i}, team: t{i}, importance: critical, "
            f"escalation_policy: e{i}, match: {{service: s{i}}}}}"
        )
    path = folder / "oncall.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def alert(n: int) -> dict[str, Any]:
    """Alertmanager's webhook (version 4): one critical alert ``A<n>`` of service ``s<n%5>``."""
    service = f"s{n % GROUPS}"
    labels = {"alertname": f"A{n:02d}", "service": service, "severity": "critical"}
    return {
        "version": "4",
        "groupKey": f'{{}}:{{alertname="A{n:02d}"}}',
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "oncall",
        "groupLabels": {"alertname": f"A{n:02d}"},
        "commonLabels": labels,
        "commonAnnotations": {"summary": f"A{n:02d} on {service}"},
        "externalURL": "http://alertmanager.test:9093",
        "alerts": [
            {
                "status": "firing",
                "labels": labels,
                "annotations": {"summary": f"A{n:02d} on {service}"},
                "startsAt": "2026-03-04T10:58:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus.test:9090/graph",
                "fingerprint": f"fp-{n}",
            }
        ],
    }


def plan(n: int) -> tuple[bool, bool]:
    """(acknowledge, resolve) for the ``n``-th incident: a quarter stay triggered, a quarter
    are acknowledged, a quarter resolved outright, a quarter acknowledged then resolved."""
    return n % 4 in (1, 3), n % 4 in (2, 3)


async def wait_until(
    what: str, check: Callable[[], Awaitable[str | None]], within: float, *, fail: bool = True
) -> tuple[float, str | None]:
    """Poll ``check`` (None: done, else what is still missing) until done; after ``within``
    seconds fail naming what was missing (``fail=False``: return it). Returns the seconds it
    took and what was missing (None when done)."""
    start = time.monotonic()
    missing: str | None = "not checked"
    while time.monotonic() - start < within:
        missing = await check()
        if missing is None:
            return time.monotonic() - start, None
        await asyncio.sleep(0.5)
    if fail:
        pytest.fail(f"timed out after {within:.0f} s waiting for {what}: {missing}")
    return time.monotonic() - start, f"timed out after {within:.0f} s waiting for {what}: {missing}"


# Reading the fakes -------------------------------------------------------------------------


def slack_copies(fake: FaultySlack) -> dict[tuple[str, str], int]:
    """Every incident card posted (not a thread reply): (channel, ts) -> incident."""
    found = {}
    for c in fake.calls("chat.postMessage"):
        if c.ok and "thread_ts" not in c.params and c.answer:
            match = STATUS.search(str(c.params.get("text") or ""))
            if match:
                found[(c.answer["channel"], c.answer["ts"])] = int(match.group(1))
    return found


def slack_digests(fake: FaultySlack) -> dict[tuple[str, str], list[int]]:
    """Every storm digest posted: (channel, ts) -> the incidents it showed when posted."""
    found = {}
    for c in fake.calls("chat.postMessage"):
        text = str(c.params.get("text") or "")
        if c.ok and "thread_ts" not in c.params and c.answer and "storm digest" in text:
            lines = DIGEST_LINE.findall(str(c.params.get("blocks")))
            found[(c.answer["channel"], c.answer["ts"])] = [int(n) for _, n in lines]
    return found


def slack_pages(fake: FaultySlack) -> Counter[tuple[int, str]]:
    """Pages seen in each person's DM: the card or a line of a digest (each new message, so
    Slack notifies of it), and any "You are paged" repeat under a card."""
    dms = {fake.dm_channel(slack_user(i)): person(i) for i in range(GROUPS)}
    copies = slack_copies(fake)
    seen: Counter[tuple[int, str]] = Counter()
    for (channel, _), incident in copies.items():
        if channel in dms:
            seen[(incident, dms[channel])] += 1
    for (channel, _), incidents in slack_digests(fake).items():
        for incident in incidents if channel in dms else ():
            seen[(incident, dms[channel])] += 1
    for c in fake.calls("chat.postMessage"):
        if c.ok and "thread_ts" in c.params and "You are paged" in str(c.params.get("text")):
            channel = c.answer["channel"] if c.answer else ""
            parent = copies.get((channel, str(c.params["thread_ts"])), 0)
            seen[(parent, dms.get(channel, "?"))] += 1
    return seen


def slack_channel_cards(fake: FaultySlack) -> Counter[int]:
    return Counter(i for (channel, _), i in slack_copies(fake).items() if channel.startswith("C"))


def slack_last(fake: FaultySlack) -> dict[tuple[str, ...], tuple[int, str]]:
    """Each copy's current text: (channel, ts) -> (incident, status shown); each line of a
    digest: (channel, ts, incident) -> (incident, status shown)."""
    shown: dict[tuple[str, ...], tuple[int, str]] = {}
    for key, incident in slack_copies(fake).items():
        match = STATUS.search(str(fake.messages.get(key, {}).get("text") or ""))
        shown[key] = (incident, match.group(2) if match else "gone")
    for key, incidents in slack_digests(fake).items():
        now = {int(n): status for status, n in DIGEST_LINE.findall(str(fake.messages.get(key)))}
        for incident in incidents:
            shown[(*key, str(incident))] = (incident, now.get(incident, "gone"))
    return shown


def teams_copies(connector: FaultyConnector) -> dict[tuple[str, str], int]:
    """Every incident card posted: (conversation, activity) -> incident."""
    found = {}
    for r in connector.sent():
        if r.path.endswith("/activities") and r.body and r.body.get("attachments"):
            match = STATUS.search(json.dumps(r.body))
            if match and r.conversation_id and r.activity_id:
                found[(r.conversation_id, r.activity_id)] = int(match.group(1))
    return found


def teams_pages(connector: FaultyConnector) -> Counter[tuple[int, str]]:
    chats = {personal_chat(i): person(i) for i in range(GROUPS)}
    seen: Counter[tuple[int, str]] = Counter()
    for (conversation, _), incident in teams_copies(connector).items():
        if conversation in chats:
            seen[(incident, chats[conversation])] += 1
    for r in connector.sent():
        if r.conversation_id in chats and "You are paged" in json.dumps(r.body):
            seen[(0, chats[r.conversation_id])] += 1  # a repeat: which one does not matter
    return seen


def teams_channel_cards(connector: FaultyConnector) -> Counter[int]:
    channels = {teams_channel(i) for i in range(GROUPS)}
    return Counter(
        i for (c, _), i in teams_copies(connector).items() if c.split(";")[0] in channels
    )


def teams_last(connector: FaultyConnector) -> dict[tuple[str, str], tuple[int, str]]:
    shown = {}
    with connector._lock:
        current = dict(connector.messages)
    for key, incident in teams_copies(connector).items():
        match = STATUS.search(json.dumps(current.get(key, {})))
        shown[key] = (incident, match.group(2) if match else "gone")
    return shown


def wrong_cards(shown: dict[Any, tuple[int, str]], final: dict[int, str]) -> list[Any]:
    return [
        (key, status, final.get(i)) for key, (i, status) in shown.items() if status != final.get(i)
    ]


def doubled(seen: Counter[Any]) -> int:
    return sum(n - 1 for n in seen.values() if n > 1)


# The scenario ------------------------------------------------------------------------------


async def test_chat_faults_lose_and_double_nothing(postgres_url: str, tmp_path: Path) -> None:
    began = time.monotonic()
    config = write_config(tmp_path)
    slack_faults, teams_faults = FaultWindow(RATIO, seed=13), FaultWindow(RATIO, seed=31)
    users = {f"p{i}@example.com": slack_user(i) for i in range(GROUPS)}
    db = Tables(postgres_url)
    with (
        FakeIdentity() as identity,
        FaultyConnector(teams_faults, identity) as connector,
        FakeTrackers() as github,
    ):
        github.collaborators |= {f"p{i}-gh" for i in range(GROUPS)}
        connector.channels[TEAM] = [{"id": TEAM, "name": "General"}] + [
            {"id": teams_channel(i), "name": f"t{i}"} for i in range(GROUPS)
        ]
        async with FaultySlack(slack_faults, token=BOT_TOKEN, users_by_email=users) as slack:
            env = {
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": slack.api_url,
                "ONCALL_TICKETING": "github",
                "GITHUB_TOKEN": GITHUB_TOKEN,
                "GITHUB_REPO": "acme/shop",
                "GITHUB_API_URL": github.url,
                **identity.env(),
            }
            server = await asyncio.to_thread(
                start_server, postgres_url, config, tmp_path, "serve", extra_env=env
            )
            try:
                await run(server.base, slack, connector, github, identity, db, began, tmp_path)
                assert_no_traceback(server)
            finally:
                await asyncio.to_thread(stop_server, server)
                await db.close()


async def diagnose(
    db: Tables,
    slack: FaultySlack,
    connector: FaultyConnector,
    final: dict[int, str],
    folder: Path,
) -> str:
    """For each incident with a card not showing its final status: its outbox rows, its card
    copies and every request the fakes saw for those copies, in order (also written to
    ``folder/diagnosis.json``). Empty when every card is right."""
    wrong = wrong_cards(slack_last(slack), final) + wrong_cards(teams_last(connector), final)
    if not wrong:
        return ""
    copies = {**slack_copies(slack), **teams_copies(connector)}
    incidents = {copies[key] for key, _, _ in wrong}
    cards = await db.rows(CardCopyRow)
    report: dict[str, Any] = {}
    for n in sorted(incidents):
        keys = {(c["channel"], c["message_id"]) for c in cards if c["incident_id"] == n}
        keys |= {key for key, i in copies.items() if i == n}
        report[str(n)] = {
            "final": final.get(n),
            "outbox": [
                {
                    k: str(r[k])
                    for k in (
                        "id",
                        "destination",
                        "kind",
                        "status",
                        "attempts",
                        "created_at",
                        "sent_at",
                        "last_error",
                    )
                }
                for r in await db.outbox()
                if r["incident_id"] == n
            ],
            "copies": [{k: str(v) for k, v in c.items()} for c in cards if c["incident_id"] == n],
            "teams": [
                (r.method, r.path, r.status, STATUS.findall(json.dumps(r.body)))
                for r in list(connector.records)
                if any(cid and cid in r.path for cid, _ in keys)
            ],
            "slack": [
                (
                    c.method,
                    c.status,
                    c.params.get("channel"),
                    c.params.get("ts"),
                    STATUS.findall(str(c.params.get("text"))),
                )
                for c in slack.received
                if (c.params.get("channel"), c.params.get("ts")) in keys
                or (c.answer or {}).get("ts") in {ts for _, ts in keys}
            ],
        }
    text = json.dumps(report, indent=1, default=str)
    (folder / "diagnosis.json").write_text(text)
    return text[:20000]


async def run(
    base: str,
    slack: FaultySlack,
    connector: FaultyConnector,
    github: FakeTrackers,
    identity: FakeIdentity,
    db: Tables,
    began: float,
    diagnostics: Path,
) -> None:
    # Teams: the bot in each person's personal chat and in the team (its channels).
    token = identity.token(service_url=connector.url)
    for i in range(GROUPS):
        activity = installation_update(
            "add",
            "personal",
            service_url=connector.url,
            user_id=f"29:p{i}",
            aad_object_id=f"aad-p{i}",
            conversation_id=personal_chat(i),
        )
        assert (await post_activity(f"{base}/api/messages", activity, token))[0] == 200
    team = installation_update("add", "team", service_url=connector.url, team_id=TEAM)
    assert (await post_activity(f"{base}/api/messages", team, token))[0] == 200

    tracker_down(github)
    slack.faults.open(FAULT_SECONDS)
    connector.faults.open(FAULT_SECONDS)
    fault_start = time.monotonic()
    headers = {"Authorization": f"Bearer {TOKEN}"}
    acted: dict[int, str] = {}
    async with aiohttp.ClientSession() as http:

        async def act(n: int) -> None:
            ack, resolve = plan(n)
            for verb, wanted in (("acknowledge", ack), ("resolve", resolve)):
                if wanted:
                    url = f"{base}/api/v1/incidents/{n}/{verb}"
                    async with http.post(url, json={"as": person(n % GROUPS)}) as resp:
                        assert resp.status == 200, f"{verb} #{n}: {resp.status} {await resp.text()}"
            acted[n] = "resolved" if resolve else "acknowledged" if ack else "triggered"

        async def opened(n: int) -> str | None:
            found = {r["id"] for r in await db.incidents()}
            return None if n in found else f"incident #{n} not opened (have {sorted(found)})"

        for n in range(1, INCIDENTS + 1):
            url = f"{base}/alerts/alertmanager"
            async with http.post(url, json=alert(n), headers=headers) as resp:
                assert resp.status == 202, await resp.text()
            if n > 4:  # act on an incident a few behind, its page likely still in flight
                await wait_until(f"incident #{n - 4}", lambda n=n: opened(n - 4), 30)
                await act(n - 4)
            await asyncio.sleep(0.5)
        for n in range(INCIDENTS - 3, INCIDENTS + 1):
            await wait_until(f"incident #{n}", lambda n=n: opened(n), 30)
            await act(n)
    acting_done = time.monotonic() - fault_start
    await asyncio.sleep(max(0.0, FAULT_SECONDS - (time.monotonic() - fault_start)))
    slack.faults.close()
    connector.faults.close()
    faults_over = time.monotonic()

    final = {r["id"]: r["status"] for r in await db.incidents()}
    assert len(final) == INCIDENTS and all(final[n] == acted[n] for n in acted), final
    chat = ("chat", "chat.slack", "chat.teams")

    async def chat_quiet() -> str | None:
        rows = [r for r in await db.outbox() if r["destination"] in chat]
        pending = [(r["id"], r["kind"], r["attempts"]) for r in rows if r["status"] == "pending"]
        if pending:
            return f"{len(pending)} chat messages pending: {pending[:10]}"
        wrong = wrong_cards(slack_last(slack), final) + wrong_cards(teams_last(connector), final)
        return f"cards not showing the final status: {wrong[:10]}" if wrong else None

    chat_recovery, chat_missing = await wait_until(
        "the chat outbox to go quiet", chat_quiet, CHAT_WAIT, fail=False
    )
    chat_rows = [r for r in await db.outbox() if r["destination"] in chat]
    diagnosis = await diagnose(db, slack, connector, final, diagnostics)
    failed_chat = [(r["kind"], r["last_error"]) for r in chat_rows if r["status"] == "failed"]

    # Who each incident pages, by its alert (A<n> of service s<n % 5>): the inbox works groups
    # at once on PostgreSQL, so incident numbers need not follow the order the alerts came in.
    alert_of = {r["id"]: int(r["labels"]["alertname"][1:]) for r in await db.incidents()}
    expected = {(i, person(n % GROUPS)) for i, n in alert_of.items()}
    results = {}
    for name, seen, channel_cards, last, faults in (
        ("Slack", slack_pages(slack), slack_channel_cards(slack), slack_last(slack), slack.faults),
        (
            "Teams",
            teams_pages(connector),
            teams_channel_cards(connector),
            teams_last(connector),
            connector.faults,
        ),
    ):
        delivered = len(expected & set(seen))
        duplicated = doubled(seen) + sum(n for k, n in seen.items() if k not in expected)
        wrong = wrong_cards(last, final)
        statuses = "429/500" if name == "Slack" else "429/502"
        results[name] = (delivered, duplicated, wrong, channel_cards)
        record(
            f"chat faults: {name} {RATIO:.0%} {statuses} for {FAULT_SECONDS:.0f} s",
            f"{INCIDENTS} incidents paged via oncall serve (Slack, Teams and GitHub on), "
            f"{sum(1 for s in final.values() if s != 'triggered')} acknowledged/resolved "
            "during the faults; pages counted in the fake's log by incident and person",
            expected=len(expected),
            delivered=delivered,
            duplicated=duplicated,
            **{f"{name.lower()}_faults": faults.injected},
            channel_cards=sum(1 for n in channel_cards if 1 <= n <= INCIDENTS),
            channel_cards_doubled=doubled(channel_cards),
            cards_wrong_at_end=len(wrong),
            copies_checked=len(last),
            chat_failed_rows=len(failed_chat),
            quiet_after_faults_s=chat_recovery,
        )

    # The tracker comes back; its tickets were waiting on the outbox's backoff.
    tracker_up(github)
    back = datetime.now(UTC)
    tickets_waiting = [
        r for r in await db.outbox() if r["destination"] == "ticket" and r["status"] == "pending"
    ]
    natural_wait = max(
        (
            (r["next_attempt_at"].replace(tzinfo=UTC) - back).total_seconds()
            for r in tickets_waiting
        ),
        default=0.0,
    )
    forwarded = 0

    async def tickets_done() -> str | None:
        nonlocal forwarded
        async with db.engine.begin() as conn:
            now = datetime.now(UTC)
            moved = await conn.execute(
                update(OutboxRow)
                .where(OutboxRow.destination == "ticket")
                .where(OutboxRow.status == "pending")
                .where(OutboxRow.next_attempt_at > now)
                .values(next_attempt_at=now)
            )
            forwarded += moved.rowcount or 0
        rows = [r for r in await db.outbox() if r["destination"] == "ticket"]
        pending = [(r["incident_id"], r["kind"]) for r in rows if r["status"] == "pending"]
        if pending:
            return f"{len(pending)} ticket messages pending: {pending[:10]}"
        return None

    ticket_recovery, ticket_missing = await wait_until(
        "the tickets after the tracker came back", tickets_done, 60, fail=False
    )
    # Each ticket recorded refreshes its incident's cards (they show the link): wait for those
    # too, so the run ends quiet (and the cards are checked once more).
    settled, chat_missing_after = await wait_until(
        "the cards' refresh after the tickets", chat_quiet, CHAT_WAIT, fail=False
    )
    ticket_rows = [r for r in await db.outbox() if r["destination"] == "ticket"]
    failed_tickets = [(r["kind"], r["last_error"]) for r in ticket_rows if r["status"] == "failed"]

    issues: Counter[int] = Counter()
    wrong_comments: list[Any] = []
    for issue in github.github_issues.values():
        match = MARKER.search(str(issue.get("body") or ""))
        n = int(match.group(1)) if match else 0
        issues[n] += 1
        comments = [str(c) for c in github.comments.get(f"#{issue['number']}", [])]
        ack, _ = plan(n)
        want = {"Acknowledged by": int(ack), "Resolved by": int(final.get(n) == "resolved")}
        got = {w: sum(1 for c in comments if w in c) for w in want}
        closed = issue["state"] == "closed"
        if got != want or closed != (final.get(n) == "resolved"):
            wrong_comments.append((n, got, want, issue["state"]))
    tickets_delivered = len(set(issues) & set(range(1, INCIDENTS + 1)))
    tickets_doubled = doubled(issues) + sum(v for k, v in issues.items() if not 1 <= k <= INCIDENTS)
    record(
        "chat faults: ticket tracker down (503) for the whole run",
        f"GitHub answered 503 to everything for {time.monotonic() - faults_over + FAULT_SECONDS:.0f} s "
        "(the chat faults and until chat was quiet), then came back; issues counted in the fake "
        "by the incident marker in their body, comments by kind",
        expected=INCIDENTS,
        delivered=tickets_delivered,
        duplicated=tickets_doubled,
        tracker_refusals=tracker_refusals(github),
        comments=sum(len(v) for v in github.comments.values()),
        tickets_wrong=len(wrong_comments),
        ticket_failed_rows=len(failed_tickets),
        natural_backoff_left_s=natural_wait,
        rows_fast_forwarded=forwarded,
        tickets_after_return_s=ticket_recovery,
        cards_refreshed_after_s=settled,
        scenario_wall_s=time.monotonic() - began,
        acting_s=acting_done,
    )

    assert chat_missing is None, f"{chat_missing}\n{diagnosis}"
    for name, (delivered, duplicated, wrong, channel_cards) in results.items():
        assert delivered == INCIDENTS, f"{name}: {INCIDENTS - delivered} pages lost"
        assert duplicated == 0, f"{name}: {duplicated} pages doubled"
        assert not wrong, f"{name}: cards not showing the final status: {wrong}"
        assert set(channel_cards) == set(range(1, INCIDENTS + 1)), f"{name}: {channel_cards}"
        assert doubled(channel_cards) == 0, f"{name}: channel cards doubled {channel_cards}"
    assert not failed_chat, f"chat messages given up: {failed_chat}"
    assert ticket_missing is None, ticket_missing
    assert chat_missing_after is None, chat_missing_after
    assert tickets_delivered == INCIDENTS and tickets_doubled == 0, issues
    assert not wrong_comments, f"tickets with wrong comments or state: {wrong_comments}"
    assert not failed_tickets, f"ticket messages given up: {failed_tickets}"
