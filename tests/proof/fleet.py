"""The pieces of the scale-out scenario (:mod:`tests.proof.test_scale_out`): a configuration of
many small teams, one Alertmanager delivery per incident, and the counts read back from the
database and from the fake Slack.

Many teams, not one: Slack takes about one post a second per channel, so a thousand incidents
in one channel (or paging one person) would be shown as storm digests; spread over
:data:`TEAMS` teams each channel and each person gets a handful, and every incident gets its
own card. The counts accept a digest line as the channel's copy all the same.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from storage.chat_tables import CardCopyRow
from tests.fake_slack import FakeSlack
from tests.integration.test_escalation_durability import Server, Tables, delivered_keys

TEAMS = 100
ROTA_CHANNEL = "C0ROTA"  # the team whose schedule hands over during the run; no services
INCOMING = "U0ROTB"  # who takes over at the hand-over


def pager(team: int, tier: int) -> str:
    """The person paged at ``tier`` (1 or 2) for team ``team``."""
    return f"p{team:03d}{'ab'[tier - 1]}"


def slack_id(person: str) -> str:
    return "U0" + person.upper()


def channel(team: int) -> str:
    return f"C0T{team:03d}"


def write_config(folder: Path, handover_at: datetime, *, after: str = "3s") -> Path:
    """:data:`TEAMS` teams, each with its channel, its service ``sNNN`` and a policy paging
    ``pNNNa``, then after ``after`` ``pNNNb``, exhausted ``after`` later (no repeat); and team
    ``rota`` whose hourly rotation (``rota_a`` then ``rota_b``) hands over at
    ``handover_at`` (UTC, on a minute)."""
    first_turn = (handover_at - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")
    people = ["  - {id: boss, name: Boss, slack: U0BOSS}"]
    people += ["  - {id: rota_a, name: Rota A, slack: U0ROTA}"]
    people += [f"  - {{id: rota_b, name: Rota B, slack: {INCOMING}}}"]
    teams = [f"  - {{id: rota, name: Rota, managers: [boss], slack_channel: {ROTA_CHANNEL}}}"]
    policies, services = [], []
    for t in range(TEAMS):
        a, b = pager(t, 1), pager(t, 2)
        people += [f"  - {{id: {p}, name: {p}, slack: {slack_id(p)}}}" for p in (a, b)]
        teams.append(f"  - {{id: t{t:03d}, managers: [boss], slack_channel: {channel(t)}}}")
        policies += [
            f"  - id: e{t:03d}",
            "    tiers:",
            f"      - {{targets: [person:{a}], escalate_after: {after}}}",
            f"      - {{targets: [person:{b}], escalate_after: {after}}}",
        ]
        services.append(
            f"  - {{id: s{t:03d}, team: t{t:03d}, importance: critical, "
            f"escalation_policy: e{t:03d}, match: {{service: s{t:03d}}}}}"
        )
    lines = [
        "version: 1",
        "timezone: UTC",
        "people:",
        *people,
        "teams:",
        *teams,
        "escalation_policies:",
        *policies,
        "services:",
        *services,
        "schedules:",
        "  - id: rota",
        "    name: Rota",
        "    team: rota",
        "    layers:",
        f'      - {{id: hourly, members: [rota_a, rota_b], rotation: hourly, start: "{first_turn}"}}',
    ]
    path = folder / "oncall.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def delivery(i: int) -> dict[str, Any]:
    """Alertmanager's webhook body for incident ``i`` alone (its own group), of team i % TEAMS."""
    service = f"s{i % TEAMS:03d}"
    group = f"Scale{i:04d}"
    labels = {"alertname": group, "service": service, "severity": "critical"}
    return {
        "version": "4",
        "groupKey": f'{{}}:{{alertname="{group}"}}',
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "oncall",
        "groupLabels": {"alertname": group},
        "commonLabels": labels,
        "commonAnnotations": {"summary": f"{group} on {service}"},
        "externalURL": "http://alertmanager.test:9093",
        "alerts": [
            {
                "status": "firing",
                "labels": labels | {"instance": "a"},
                "annotations": {"summary": f"{group} on {service}"},
                "startsAt": "2026-03-04T10:58:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus.test:9090/graph",
                "fingerprint": f"{group}-a",
            }
        ],
    }


async def card_copies(db: Tables) -> list[dict[str, Any]]:
    async with db.engine.connect() as conn:
        result = await conn.execute(select(CardCopyRow.__table__))  # type: ignore[attr-defined]
        return [dict(row) for row in result.mappings()]


def top_level_posts(fake: FakeSlack) -> Counter[str]:
    """Successful ``chat.postMessage`` calls outside threads, by channel (a DM by its id)."""
    found: Counter[str] = Counter()
    for call in fake.calls("chat.postMessage"):
        if call.ok and "thread_ts" not in call.params:
            found[call.answer["channel"]] += 1  # type: ignore[index]
    return found


def log_lines(servers: list[Server]) -> Counter[str]:
    """How often each outbox key was delivered to the log outbox, over all servers."""
    return delivered_keys(*servers)


@dataclass
class Tally:
    """What each incident got, and what arrived twice."""

    delivered: int = 0
    missing: list[str] | None = None

    def add(self, what: str, count: int) -> None:
        """``what`` arrived ``count`` times (duplicates are counted by the callers)."""
        if count >= 1:
            self.delivered += 1
        if count == 0:
            self.missing = [*(self.missing or []), what]


async def progress(db: Tables) -> dict[str, Any]:
    """Cheap counts for the waits (no payloads read): deliveries done, incidents, incidents
    exhausted, outbox rows pending."""
    from sqlalchemy import func

    from storage.incident_tables import InboxRow, IncidentRow, OutboxRow

    async with db.engine.connect() as conn:
        done = await conn.scalar(
            select(func.count()).select_from(InboxRow).where(InboxRow.status == "done")
        )
        opened = await conn.scalar(select(func.count()).select_from(IncidentRow))
        exhausted = await conn.scalar(
            select(func.count()).select_from(IncidentRow).where(IncidentRow.exhausted.is_(True))
        )
        pending = await conn.scalar(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.status == "pending")
        )
        handovers = await conn.scalar(
            select(func.count())
            .select_from(OutboxRow)
            .where(OutboxRow.kind == "handover", OutboxRow.status == "sent")
        )
        last = []
        if pending and pending <= 3:  # the stragglers, to say what the end waits for
            rows = await conn.execute(
                select(
                    OutboxRow.kind,
                    OutboxRow.attempts,
                    OutboxRow.next_attempt_at,
                    OutboxRow.last_error,
                ).where(OutboxRow.status == "pending")
            )
            last = [
                f"{r.kind} (attempts {r.attempts}, next {r.next_attempt_at:%H:%M:%S}: {r.last_error})"
                for r in rows
            ]
    return {
        "last": last,
        "done": int(done or 0),
        "opened": int(opened or 0),
        "exhausted": int(exhausted or 0),
        "pending": int(pending or 0),
        "handovers": int(handovers or 0),
    }


def team_of(incident: dict[str, Any]) -> int:
    """The team of an incident, from its title ``ScaleNNNN on sTTT``."""
    return int(str(incident["title"]).rsplit(" s", 1)[1])


def log_tally(
    lines: Counter[str], incidents: list[dict[str, Any]], outbox: list[dict[str, Any]]
) -> tuple[Tally, int, int]:
    """From the log outbox's ``would send`` lines: each incident's tier-1 page, card
    (``incident.triggered``) and tier-2 page sent once, and the hand-over. Returns the tally,
    how many lines repeated a key already sent (any message), and the hand-overs sent."""
    keys: dict[tuple[int, str], str] = {}
    for row in outbox:
        if row["kind"] == "page":
            keys[(row["incident_id"], f"page {row['payload']['incident']['tier']}")] = row["key"]
        elif row["kind"] == "incident.triggered":
            keys[(row["incident_id"], "card")] = row["key"]
    tally = Tally()
    for incident in incidents:
        for what in ("page 1", "card", "page 2"):
            key = keys.get((incident["id"], what))
            tally.add(f"{incident['dedup_key']} {what}", lines[key] if key else 0)
    handover_keys = [r["key"] for r in outbox if r["kind"] == "handover"]
    handovers = sum(lines[k] for k in handover_keys)
    tally.add("the hand-over", handovers)
    repeated = sum(n - 1 for n in lines.values() if n > 1)
    return tally, repeated, handovers


@dataclass
class SlackTally:
    tally: Tally
    duplicated: int
    handovers: int


def slack_tally(
    fake: FakeSlack, incidents: list[dict[str, Any]], copies: list[dict[str, Any]]
) -> SlackTally:
    """From the card copies and the fake Slack's posts: each incident's copy in its tier-1
    pager's DM, its team channel (a card, or a line of a storm digest) and its tier-2 pager's
    DM; the top-level posts of each of those channels exactly the copies' messages (one more
    is a duplicate); the hand-over posted once in its channel and once to the incoming DM."""
    tally = Tally()
    copy_of = {(c["incident_id"], c["channel"]) for c in copies}
    for incident in incidents:
        team = team_of(incident)
        for where in (
            fake.dm_channel(slack_id(pager(team, 1))),
            channel(team),
            fake.dm_channel(slack_id(pager(team, 2))),
        ):
            tally.add(
                f"{incident['dedup_key']} in {where}", int((incident["id"], where) in copy_of)
            )
    posts = top_level_posts(fake)
    ts_by_channel: dict[str, set[str]] = {}
    for c in copies:
        ts_by_channel.setdefault(c["channel"], set()).add(c["message_id"])
    extra = sum(max(posts[w] - len(ts), 0) for w, ts in ts_by_channel.items())
    posted = {
        (call.answer["channel"], call.answer["ts"])  # type: ignore[index]
        for call in fake.calls("chat.postMessage")
        if call.ok
    }
    unposted = [c for c in copies if (c["channel"], c["message_id"]) not in posted]
    assert unposted == [], f"card copies Slack never got: {unposted[:3]}"
    in_channel = [
        c
        for c in fake.calls("chat.postMessage")
        if c.ok
        and c.params.get("channel") == ROTA_CHANNEL
        and "hand-over:" in str(c.params.get("text"))  # its fallback text
    ]
    tally.add("the hand-over in its channel", len(in_channel))
    dm = posts[fake.dm_channel(INCOMING)]
    tally.add("the hand-over to the incoming person", dm)
    extra += max(len(in_channel) - 1, 0) + max(dm - 1, 0)
    return SlackTally(tally, extra, len(in_channel))
