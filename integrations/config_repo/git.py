"""Commit a configuration file that lives in a git work tree (the ``git`` command line).

Only the one file is committed (``git commit -- FILE``), so whatever else is staged in the work
tree stays staged and out of the commit. The author is the manager who made the change; the
committer is the work tree's configured identity, or ``oncall bot`` when it has none (a
server's checkout often has no ``user.email``).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

BOT_NAME = "oncall bot"
BOT_EMAIL = "oncall-bot@localhost"
TIMEOUT = 30.0


class GitError(Exception):
    """A git command failed; ``str()`` says which and git's own message."""


@dataclass(frozen=True)
class Author:
    name: str
    email: str

    def header(self) -> str:
        """``Name <email>`` as ``--author`` takes it (angle brackets dropped from the parts)."""
        clean = "".join(ch for ch in self.name if ch not in "<>\n") or "unknown"
        email = "".join(ch for ch in self.email if ch not in "<> \n")
        return f"{clean} <{email}>"


async def _git(cwd: Path, *args: str) -> tuple[int, str, str]:
    try:
        process = await asyncio.create_subprocess_exec(
            "git",
            *args,
            cwd=cwd,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
    except OSError as exc:
        raise GitError(f"cannot run git: {exc.strerror or exc}") from None
    try:
        out, err = await asyncio.wait_for(process.communicate(), TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise GitError(f"git {args[0]} took longer than {TIMEOUT:.0f} s") from None
    code = process.returncode if process.returncode is not None else -1
    return code, out.decode(errors="replace").strip(), err.decode(errors="replace").strip()


async def work_tree(path: Path) -> Path | None:
    """The top of the git work tree holding ``path``; None when there is none (or no git), or
    when git ignores the file."""
    try:
        code, top, _ = await _git(path.parent, "rev-parse", "--show-toplevel")
        if code != 0 or not top:
            return None
        ignored, _, _ = await _git(path.parent, "check-ignore", "-q", "--", path.name)
    except GitError:
        return None
    return None if ignored == 0 else Path(top)


async def commit_file(path: Path, author: Author, message: str) -> str:
    """Commit ``path`` alone with ``author`` and ``message``; returns the new commit's id.

    :class:`GitError` when git refuses (a hook, a locked index, nothing to commit).
    """
    cwd, name = path.parent, path.name
    identity: list[str] = []
    code, email, _ = await _git(cwd, "config", "user.email")
    if code != 0 or not email:
        identity = ["-c", f"user.name={BOT_NAME}", "-c", f"user.email={BOT_EMAIL}"]
    for args in (
        ("add", "--", name),
        (*identity, "commit", "--quiet", "--author", author.header(), "-m", message, "--", name),
    ):
        code, out, err = await _git(cwd, *args)
        if code != 0:
            verb = "add" if args[0] == "add" else "commit"
            raise GitError(f"git {verb} failed: {err or out or f'exit status {code}'}")
    code, sha, err = await _git(cwd, "rev-parse", "HEAD")
    if code != 0:
        raise GitError(f"git rev-parse failed: {err}")
    return sha
