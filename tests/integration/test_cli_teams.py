"""``oncall teams manifest`` as users run it: the app package from the settings, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

from tests.support import ROOT, oncall_env, run_oncall
from tests.unit.teams.test_manifest import read_png, schema_problems

APP_ID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
MEMBERS = ["manifest.json", "color.png", "outline.png"]


def env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return oncall_env(f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}", **extra)


def read_package(path: Path) -> tuple[list[str], dict[str, Any], dict[str, bytes]]:
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
        return names, manifest, {n: archive.read(n) for n in names if n.endswith(".png")}


def test_the_package_carries_the_app_id_from_the_settings(tmp_path: Path) -> None:
    settings = env(tmp_path, MICROSOFT_APP_ID=APP_ID, ONCALL_PUBLIC_URL="https://oncall.acme.test/")
    result = run_oncall("teams", "manifest", env=settings, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    written = tmp_path / "oncall-teams-app.zip"
    assert f"wrote {written.name} " in result.stdout
    assert "Upload a custom app" in result.stdout and "Teams admin center" in result.stdout
    names, manifest, icons = read_package(written)
    assert names == MEMBERS
    assert schema_problems(manifest) == []
    assert manifest["id"] == manifest["bots"][0]["botId"] == APP_ID
    assert manifest["manifestVersion"] == "1.17"
    assert manifest["developer"]["websiteUrl"] == "https://oncall.acme.test"
    assert manifest["validDomains"] == ["oncall.acme.test"]
    assert manifest["version"] == "0.1.0"  # pyproject.toml's
    color, outline = read_png(icons["color.png"]), read_png(icons["outline.png"])
    assert (color.width, color.height, outline.width, outline.height) == (192, 192, 32, 32)
    assert outline.color_type == 6
    assert {p for p in outline.pixels if p[3]} == {(255, 255, 255, 255)}


def test_out_and_name(tmp_path: Path) -> None:
    settings = env(tmp_path, MICROSOFT_APP_ID=APP_ID, ONCALL_PUBLIC_URL="https://oncall.acme.test")
    target = tmp_path / "pkg" / "acme.zip"
    target.parent.mkdir()
    result = run_oncall(
        "teams", "manifest", "--out", str(target), "--name", "Acme pager", env=settings
    )
    assert result.returncode == 0, result.stderr
    assert f"wrote {target} " in result.stdout
    assert read_package(target)[1]["name"]["short"] == "Acme pager"
    into_folder = run_oncall("teams", "manifest", "--out", str(target.parent), env=settings)
    assert into_folder.returncode == 0, into_folder.stderr
    assert sorted(p.name for p in target.parent.iterdir()) == ["acme.zip", "oncall-teams-app.zip"]


def test_the_app_id_from_dot_env(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"MICROSOFT_APP_ID={APP_ID}\n")
    result = run_oncall("teams", "manifest", env=env(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert read_package(tmp_path / "oncall-teams-app.zip")[1]["id"] == APP_ID


def test_an_http_public_url_gets_a_placeholder_and_a_warning(tmp_path: Path) -> None:
    settings = env(tmp_path, MICROSOFT_APP_ID=APP_ID, ONCALL_PUBLIC_URL="http://oncall.lan:8080")
    result = run_oncall("teams", "manifest", env=settings, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith("warning: http://oncall.lan:8080 is not https")
    assert "https://oncall.example.com" in result.stderr
    manifest = read_package(tmp_path / "oncall-teams-app.zip")[1]
    assert schema_problems(manifest) == []
    assert manifest["developer"]["privacyUrl"] == "https://oncall.example.com"


def test_no_app_id_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    for settings in (env(tmp_path), env(tmp_path, MICROSOFT_APP_ID="")):
        result = run_oncall("teams", "manifest", env=settings, cwd=tmp_path)
        assert result.returncode == 2
        assert result.stderr.startswith("error: MICROSOFT_APP_ID is not set")
        assert "Traceback" not in result.stderr and result.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_malformed_app_id_or_name_exits_2(tmp_path: Path) -> None:
    bad_id = run_oncall(
        "teams", "manifest", env=env(tmp_path, MICROSOFT_APP_ID="oncall"), cwd=tmp_path
    )
    assert (bad_id.returncode, bad_id.stderr.split(":")[0]) == (2, "error")
    assert "is not a GUID" in bad_id.stderr
    long_name = run_oncall(
        "teams", "manifest", "--name", "x" * 31, env=env(tmp_path, MICROSOFT_APP_ID=APP_ID),
        cwd=tmp_path,
    )  # fmt: skip
    assert long_name.returncode == 2 and "--name must be 1 to 30" in long_name.stderr
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_place_exits_1(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "app.zip"
    settings = env(tmp_path, MICROSOFT_APP_ID=APP_ID)
    result = run_oncall("teams", "manifest", "--out", str(target), env=settings)
    assert result.returncode == 1
    assert result.stderr.strip().endswith(
        f"error: cannot write {target}: No such file or directory"
    )


def test_the_command_loads_no_botbuilder() -> None:
    probe = (
        "import sys\n"
        "from bot.cli import app\n"
        "from bot.handlers.teams import manifest\n"
        "manifest.package(manifest.build_manifest("
        f"{APP_ID!r}, manifest.links(None, 'https://x.test'), '0.1.0'))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'botbuilder'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
