"""What a layer edit from chat leaves behind: the commit message and the audit entry.

The configuration itself changes through :func:`core.config.apply.apply_configuration` (its own
``config.apply`` entry); the entry written here says who edited which layer from where, how it
ended (applied, or a diff shown to commit by hand) and which commit holds it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from core.config.layer_edit import FieldChange
from core.ports import AuditEntry, UnitOfWork

Outcome = Literal["applied", "diff"]
"""``applied``: the file was written and applied; ``diff``: shown to commit by hand, nothing
applied."""


def change_summary(schedule_id: str, layer_id: str, changes: Sequence[FieldChange]) -> str:
    """``payments-primary layer weekly: members, start`` (the keys, in the form's order)."""
    keys = ", ".join(c.key for c in changes) or "no change"
    return f"{schedule_id} layer {layer_id}: {keys}"


def commit_message(
    schedule_id: str, layer_id: str, changes: Sequence[FieldChange], author: str, via: str
) -> str:
    """A git commit message naming the change: a subject line, then one line per key.

    Example::

        oncall config: payments-primary layer weekly: members

        members: anna, lukas, sofia -> anna, sofia, lukas

        Changed by Dana Fischer from Slack (/oncall config).
    """
    body = "\n".join(c.describe() for c in changes)
    subject = f"oncall config: {change_summary(schedule_id, layer_id, changes)}"
    return f"{subject}\n\n{body}\n\nChanged by {author} from {via} (/oncall config).\n"


async def record_layer_edit(
    uow: UnitOfWork,
    *,
    actor: str,
    now: datetime,
    schedule_id: str,
    layer_id: str,
    changes: Sequence[FieldChange],
    outcome: Outcome,
    file: str | None,
    revision: int | None = None,
    commit: str | None = None,
) -> None:
    """Append a ``config.edit`` audit entry, in its own transaction."""
    detail = {
        "layer": layer_id,
        "outcome": outcome,
        "file": file,
        "revision": revision,
        "commit": commit,
        "changes": [{"key": c.key, "from": c.before, "to": c.after} for c in changes],
    }
    async with uow:
        await uow.audit.append(
            AuditEntry(
                at=now,
                actor=actor,
                action="config.edit",
                subject=f"schedule:{schedule_id}",
                detail=detail,
            )
        )
        await uow.commit()
