"""Save a prepared layer edit: write the file, apply it as a new revision, commit it, audit it.

The order keeps the file and the database together: the file is replaced atomically (a
temporary file in the same folder, then a rename), then applied through
:func:`core.config.apply.apply_configuration` (the use case behind ``oncall config apply``, so
the revision starts now and only the future changes; a later ``config apply`` of the file is a
no-op). If applying fails the old file is put back. A git commit that fails (a hook refused
it, say) leaves the change saved and applied and is reported, not undone. An edit that cannot
be written (:attr:`Prepared.writable` false) applies nothing: it is audited as a diff shown.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from core.config.apply import apply_configuration
from core.config.layer_record import commit_message, record_layer_edit
from core.ports import UnitOfWork
from integrations.config_repo.editor import EditRefused, Prepared, digest_of
from integrations.config_repo.git import Author, GitError, commit_file, work_tree

_locks: dict[Path, asyncio.Lock] = {}


@dataclass(frozen=True)
class Saved:
    """How a save ended: written and applied (``revision``), committed (``commit``) or not."""

    prepared: Prepared
    written: bool
    revision: int | None = None
    commit: str | None = None
    commit_error: str | None = None


async def save_edit(
    prepared: Prepared,
    *,
    actor: str,
    author: Author,
    via: str,
    new_unit: Callable[[], UnitOfWork],
    now: datetime,
) -> Saved:
    """Carry out ``prepared`` for ``actor`` (a person id; ``author`` names them for git).

    :class:`EditRefused` when the file changed since it was read (checked again under a lock
    held until the commit, so two saves in this process never interleave).
    """
    source = prepared.source
    if not prepared.writable or source.path is None or prepared.new_text is None:
        await _audit(prepared, new_unit, actor, now, "diff")
        return Saved(prepared, written=False)
    path = source.path
    lock = _locks.setdefault(path.resolve(), asyncio.Lock())
    async with lock:
        current = await asyncio.to_thread(path.read_bytes)
        if digest_of(current) != source.digest:
            raise EditRefused(
                f"{path} was changed by someone else a moment ago. Nothing was saved: open "
                "/oncall config again to edit the current version."
            )
        await asyncio.to_thread(write_atomically, path, prepared.new_text.encode())
        try:
            outcome = await apply_configuration(
                new_unit(), prepared.config, actor=actor, source=str(path), now=now
            )
        except BaseException:
            await asyncio.to_thread(write_atomically, path, current)
            raise
        sha, problem = None, None
        if await work_tree(path) is not None:
            message = commit_message(
                prepared.schedule_id, prepared.layer_id, prepared.changes, author.name, via
            )
            try:
                sha = await commit_file(path, author, message)
            except GitError as exc:
                problem = str(exc)
    await _audit(prepared, new_unit, actor, now, "applied", outcome.revision, sha)
    return Saved(prepared, True, outcome.revision, sha, problem)


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` at once (readers see the old or the new file, never half),
    keeping its permission bits."""
    mode = path.stat().st_mode & 0o7777
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


async def _audit(
    prepared: Prepared,
    new_unit: Callable[[], UnitOfWork],
    actor: str,
    now: datetime,
    outcome: str,
    revision: int | None = None,
    commit: str | None = None,
) -> None:
    await record_layer_edit(
        new_unit(),
        actor=actor,
        now=now,
        schedule_id=prepared.schedule_id,
        layer_id=prepared.layer_id,
        changes=prepared.changes,
        outcome="applied" if outcome == "applied" else "diff",
        file=str(prepared.source.path) if prepared.source.path else None,
        revision=revision,
        commit=commit,
    )
