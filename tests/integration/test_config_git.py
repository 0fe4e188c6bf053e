"""Committing the configuration file with the real ``git``: the file alone, the manager as
author, a committer even where the work tree has no identity, and git's refusals reported."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from integrations.config_repo.git import BOT_EMAIL, Author, GitError, commit_file, work_tree


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.fixture
def no_identity(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """git sees no global or system configuration, so no user.name nor user.email."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "no-gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in (
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL",
    ):
        monkeypatch.delenv(name, raising=False)


def repository(root: Path) -> Path:
    repo = root / "repo"
    (repo / "conf").mkdir(parents=True)
    git(repo, "init", "--quiet")
    return repo


async def test_the_file_alone_is_committed_by_the_manager_and_the_bot(
    no_identity: None, tmp_path: Path
) -> None:
    repo = repository(tmp_path)
    path = repo / "conf" / "oncall.yaml"
    path.write_text("version: 1\n")
    (repo / "other.txt").write_text("staged by someone\n")
    git(repo, "add", "other.txt")
    assert await work_tree(path) == repo.resolve()

    sha = await commit_file(path, Author("Dana <Fischer>", "dana@example.com"), "subject\n\nbody\n")
    assert git(repo, "rev-parse", "HEAD") == sha
    shown = git(repo, "log", "-1", "--format=%an|%ae|%cn|%ce|%s")
    assert shown == f"Dana Fischer|dana@example.com|oncall bot|{BOT_EMAIL}|subject"
    assert git(repo, "show", "--name-only", "--format=", "HEAD") == "conf/oncall.yaml"
    assert git(repo, "diff", "--cached", "--name-only") == "other.txt"  # still staged, not ours


async def test_the_work_trees_identity_commits_when_it_has_one(tmp_path: Path) -> None:
    repo = repository(tmp_path)
    git(repo, "config", "user.name", "Config Keeper")
    git(repo, "config", "user.email", "keeper@example.com")
    path = repo / "oncall.yaml"
    path.write_text("version: 1\n")
    await commit_file(path, Author("Dana", "dana@example.com"), "change")
    assert git(repo, "log", "-1", "--format=%an|%cn") == "Dana|Config Keeper"


async def test_no_work_tree_an_ignored_file_and_a_refusing_hook(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "oncall.yaml").write_text("version: 1\n")
    assert await work_tree(plain / "oncall.yaml") is None

    repo = repository(tmp_path)
    git(repo, "config", "user.email", "keeper@example.com")
    (repo / ".gitignore").write_text("secret.yaml\n")
    (repo / "secret.yaml").write_text("version: 1\n")
    assert await work_tree(repo / "secret.yaml") is None

    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'no commits on Fridays' >&2\nexit 1\n")
    hook.chmod(0o755)
    path = repo / "oncall.yaml"
    path.write_text("version: 1\n")
    with pytest.raises(GitError, match="git commit failed: no commits on Fridays"):
        await commit_file(path, Author("Dana", "dana@example.com"), "change")
