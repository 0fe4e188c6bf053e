"""The use case behind ``oncall config apply`` and every other way the configuration changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.config.diff import ConfigDiff, diff_configurations
from core.config.model import Configuration
from core.ports import AuditEntry, UnitOfWork


@dataclass(frozen=True)
class ApplyOutcome:
    """What applying did: the diff, whether it was written, and the new revision's id."""

    diff: ConfigDiff
    written: bool
    revision: int | None


async def apply_configuration(
    uow: UnitOfWork,
    config: Configuration,
    *,
    actor: str,
    source: str,
    now: datetime,
    dry_run: bool = False,
) -> ApplyOutcome:
    """Make the database hold ``config``, in one transaction, with an audit entry.

    Idempotent: when the stored configuration already equals ``config`` nothing is written,
    not even an audit entry. ``dry_run`` computes the same diff and writes nothing. Overrides,
    swaps and time off are not part of the configuration and are never touched.
    """
    async with uow:
        current = await uow.config.load()
        diff = diff_configurations(current, config)
        if diff.empty or dry_run:
            return ApplyOutcome(diff=diff, written=False, revision=None)
        revision = await uow.config.save(config, at=now, actor=actor, source=source)
        detail = {"revision": revision, **diff.as_dict()}
        await uow.audit.append(
            AuditEntry(at=now, actor=actor, action="config.apply", subject=source, detail=detail)
        )
        await uow.commit()
    return ApplyOutcome(diff=diff, written=True, revision=revision)
