"""The configuration repository over SQL: rows to a ``Configuration`` and back.

``load`` rebuilds the canonical document from the rows and validates it with the same models
the file goes through, so a stored configuration and the file it came from compare equal.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from core.config.model import Configuration
from core.config.timefmt import format_duration
from storage.tables import (
    ConfigRevisionRow,
    EscalationPolicyRow,
    EscalationTierRow,
    LayerRow,
    PersonRow,
    RouteRow,
    ScheduleRow,
    ServiceRow,
    SeverityRow,
    TeamRow,
)

CONFIG_CACHE: dict[str, Configuration] = {}


def remember(digest: str, config: Configuration) -> None:
    """Keep a parsed configuration by digest (a few dozen at most)."""
    if len(CONFIG_CACHE) >= 64:
        CONFIG_CACHE.pop(next(iter(CONFIG_CACHE)))
    CONFIG_CACHE[digest] = config


def _clean(mapping: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if v is not None}


def document_digest(document: dict[str, Any]) -> str:
    """A stable SHA-256 of a canonical document."""
    encoded = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()


class SqlConfigRepository:
    """Implements :class:`core.ports.ConfigRepository` on one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def load(self) -> Configuration | None:
        """The stored configuration, or None when nothing was ever applied.

        Cached by the latest revision's digest (content-addressed, so safe across databases):
        the alert path loads the configuration for every delivery.
        """
        head = (
            await self._session.execute(
                select(ConfigRevisionRow.id, ConfigRevisionRow.digest)
                .order_by(ConfigRevisionRow.id.desc())  # type: ignore[union-attr]
                .limit(1)
            )
        ).first()
        if head is None:
            return None
        cached = CONFIG_CACHE.get(head.digest)
        if cached is not None:
            return cached
        latest = await self._latest_revision()
        assert latest is not None
        rows = await self._all_rows()
        document: dict[str, Any] = {
            "version": 1,
            "timezone": latest.document.get("timezone", "UTC"),
            "people": [_person_doc(r) for r in rows[PersonRow]],
            "teams": [_team_doc(r) for r in rows[TeamRow]],
            "schedules": _schedule_docs(rows[ScheduleRow], rows[LayerRow]),
            "services": [_service_doc(r) for r in rows[ServiceRow]],
            "escalation_policies": _policy_docs(rows[EscalationPolicyRow], rows[EscalationTierRow]),
            "severities": {r.name: _severity_doc(r) for r in rows[SeverityRow]},
            "routes": [{"match": r.match, "service": r.service_id} for r in rows[RouteRow]],
        }
        _overlay(document, latest.document)
        config = Configuration.model_validate(document)
        remember(head.digest, config)
        return config

    async def save(self, config: Configuration, *, at: datetime, actor: str, source: str) -> int:
        """Make the rows equal ``config`` and record a revision; returns the revision id.

        Top-level entities are upserted and the missing ones deleted; layers, tiers,
        severities and routes, which have no identity of their own, are replaced whole.
        """
        session = self._session
        for table in (LayerRow, EscalationTierRow, SeverityRow, RouteRow):
            await session.execute(delete(table))
        await self._replace(PersonRow, [_person_row(p) for p in config.people])
        await self._replace(TeamRow, [_team_row(t) for t in config.teams])
        await self._replace(ScheduleRow, [_schedule_row(s) for s in config.schedules])
        await self._replace(ServiceRow, [_service_row(s) for s in config.services])
        await self._replace(
            EscalationPolicyRow, [_policy_row(p) for p in config.escalation_policies]
        )
        await session.flush()
        for schedule in config.schedules:
            for position, layer in enumerate(schedule.layers):
                session.add(_layer_row(schedule.id, position, layer))
        for policy in config.escalation_policies:
            for position, tier in enumerate(policy.tiers):
                session.add(
                    EscalationTierRow(
                        policy_id=policy.id,
                        position=position,
                        targets=list(tier.targets),
                        escalate_after_seconds=int(tier.escalate_after.total_seconds()),
                    )
                )
        for name, rule in config.severities.items():
            session.add(
                SeverityRow(
                    name=name,
                    page=rule.page,
                    notify=list(rule.notify),
                    ticket=rule.ticket,
                    escalation_policy_id=rule.escalation_policy,
                    start_tier=rule.start_tier,
                )
            )
        for position, route in enumerate(config.routes):
            session.add(
                RouteRow(position=position, match=dict(route.match), service_id=route.service)
            )
        document = config.to_document()
        revision = ConfigRevisionRow(
            applied_at=at,
            actor=actor,
            source=source,
            digest=document_digest(document),
            document=document,
        )
        session.add(revision)
        await session.flush()
        assert revision.id is not None
        return revision.id

    async def revision_count(self) -> int:
        """How many configurations were ever applied."""
        result = await self._session.execute(select(func.count()).select_from(ConfigRevisionRow))
        return int(result.scalar_one())

    async def _latest_revision(self) -> ConfigRevisionRow | None:
        query = select(ConfigRevisionRow).order_by(ConfigRevisionRow.id.desc()).limit(1)  # type: ignore[union-attr]
        return (await self._session.execute(query)).scalars().first()

    async def _all_rows(self) -> dict[type[SQLModel], list[Any]]:
        order = {
            PersonRow: PersonRow.position,
            TeamRow: TeamRow.position,
            ScheduleRow: ScheduleRow.position,
            LayerRow: LayerRow.position,
            ServiceRow: ServiceRow.position,
            EscalationPolicyRow: EscalationPolicyRow.position,
            EscalationTierRow: EscalationTierRow.position,
            SeverityRow: SeverityRow.name,
            RouteRow: RouteRow.position,
        }
        out: dict[type[SQLModel], list[Any]] = {}
        for table, column in order.items():
            out[table] = list(
                (await self._session.execute(select(table).order_by(column))).scalars()
            )
        return out

    async def _replace(self, table: Any, rows: list[Any]) -> None:
        """Upsert ``rows`` (numbering them in order) and delete the table's other rows."""
        await self._session.execute(delete(table).where(table.id.not_in([r.id for r in rows])))
        for position, row in enumerate(rows):
            row.position = position
            await self._session.merge(row)


OVERLAID = ("people", "teams", "services")


def _overlay(document: dict[str, Any], revision: dict[str, Any]) -> None:
    """Fill in what the rows do not hold from the revision the rows were written with.

    Fields added after the tables (a person's ``github``, a team's ``rest_after_night_pages``,
    a service's ``jira_component``) and whole sections without tables (``heartbeats``,
    ``maintenance``) live only in the revision's document. Every write of the rows records a
    revision in the same transaction, so the latest revision always describes them.
    """
    for section in OVERLAID:
        by_id = {e.get("id"): e for e in revision.get(section) or () if isinstance(e, dict)}
        for entry in document[section]:
            for key, value in by_id.get(entry["id"], {}).items():
                entry.setdefault(key, value)
    layers = {  # layer fields added after the table (until, skip, shift, turn): issue 15
        (schedule["id"], layer["id"]): layer
        for schedule in revision.get("schedules") or ()
        for layer in schedule.get("layers") or ()
    }
    for schedule in document["schedules"]:
        for layer in schedule.get("layers", ()):
            for key, value in layers.get((schedule["id"], layer["id"]), {}).items():
                layer.setdefault(key, value)
    for key, value in revision.items():
        document.setdefault(key, value)


def _person_row(p: Any) -> PersonRow:
    doc = p.model_dump(mode="json")
    return PersonRow(
        id=p.id,
        name=p.name,
        email=p.email,
        slack_id=p.slack,
        teams_id=p.teams,
        timezone=p.timezone,
        available=doc.get("available"),
    )


def _person_doc(r: PersonRow) -> dict[str, Any]:
    return _clean(
        {
            "id": r.id,
            "name": r.name,
            "email": r.email,
            "slack": r.slack_id,
            "teams": r.teams_id,
            "timezone": r.timezone,
            "available": r.available,
        }
    )


def _team_row(t: Any) -> TeamRow:
    return TeamRow(
        id=t.id,
        name=t.name,
        managers=list(t.managers),
        slack_channel=t.slack_channel,
        slack_usergroup=t.slack_usergroup,
        teams_channel=t.teams_channel,
    )


def _team_doc(r: TeamRow) -> dict[str, Any]:
    return _clean(
        {
            "id": r.id,
            "name": r.name,
            "managers": r.managers,
            "slack_channel": r.slack_channel,
            "slack_usergroup": r.slack_usergroup,
            "teams_channel": r.teams_channel,
        }
    )


def _schedule_row(s: Any) -> ScheduleRow:
    return ScheduleRow(id=s.id, name=s.name, team_id=s.team, timezone=s.timezone)


def _layer_row(schedule_id: str, position: int, layer: Any) -> LayerRow:
    doc = layer.model_dump(mode="json", by_alias=True, exclude_none=True)
    return LayerRow(
        schedule_id=schedule_id,
        id=layer.id,
        position=position,
        members=doc["members"],
        rotation=doc["rotation"],
        every=doc["every"],
        start=doc["start"],
        active=doc.get("active"),
    )


def _schedule_docs(schedules: list[ScheduleRow], layers: list[LayerRow]) -> list[dict[str, Any]]:
    by_schedule: dict[str, list[dict[str, Any]]] = {}
    for row in layers:
        layer = {
            "id": row.id,
            "members": row.members,
            "rotation": row.rotation,
            "every": row.every,
            "start": row.start,
            "active": row.active,
        }
        by_schedule.setdefault(row.schedule_id, []).append(_clean(layer))
    return [
        _clean(
            {
                "id": s.id,
                "name": s.name,
                "team": s.team_id,
                "timezone": s.timezone,
                "layers": by_schedule.get(s.id, []),
            }
        )
        for s in schedules
    ]


def _service_row(s: Any) -> ServiceRow:
    return ServiceRow(
        id=s.id,
        name=s.name,
        team_id=s.team,
        importance=s.importance,
        escalation_policy_id=s.escalation_policy,
        match=dict(s.match),
        runbook=s.runbook,
        dashboard=s.dashboard,
        description=s.description,
    )


def _service_doc(r: ServiceRow) -> dict[str, Any]:
    return _clean(
        {
            "id": r.id,
            "name": r.name,
            "team": r.team_id,
            "importance": r.importance,
            "escalation_policy": r.escalation_policy_id,
            "match": r.match,
            "runbook": r.runbook,
            "dashboard": r.dashboard,
            "description": r.description,
        }
    )


def _policy_row(p: Any) -> EscalationPolicyRow:
    return EscalationPolicyRow(id=p.id, name=p.name, repeat=p.repeat)


def _policy_docs(
    policies: list[EscalationPolicyRow], tiers: list[EscalationTierRow]
) -> list[dict[str, Any]]:
    by_policy: dict[str, list[dict[str, Any]]] = {}
    for row in tiers:
        after = format_duration(timedelta(seconds=row.escalate_after_seconds))
        by_policy.setdefault(row.policy_id, []).append(
            {"targets": row.targets, "escalate_after": after}
        )
    return [
        _clean({"id": p.id, "name": p.name, "repeat": p.repeat, "tiers": by_policy.get(p.id, [])})
        for p in policies
    ]


def _severity_doc(r: SeverityRow) -> dict[str, Any]:
    return _clean(
        {
            "page": r.page,
            "notify": r.notify,
            "ticket": r.ticket,
            "escalation_policy": r.escalation_policy_id,
            "start_tier": r.start_tier,
        }
    )
