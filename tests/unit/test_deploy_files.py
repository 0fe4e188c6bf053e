"""The deployment files (docs/deploy.md) say what the guide says, and name only real settings.

Fast: the files are read and parsed, nothing is built or started. What these tests cannot see
(an image actually building, systemd accepting the unit, Alertmanager loading the receiver) is
checked by hand with `docker build`, `systemd-analyze verify` and `amtool check-config`, as
docs/deploy.md says.
"""

from __future__ import annotations

import configparser
import fnmatch
import json
import re
import shlex
import typing
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml
from pydantic import SecretStr

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
UNIT = ROOT / "deploy" / "oncall.service"
ENV_EXAMPLE = ROOT / "deploy" / "oncall.env.example"
RECEIVER = ROOT / "deploy" / "alertmanager-receiver.yml"
GUIDE = ROOT / "docs" / "deploy.md"

SETTING_NAMES = frozenset(
    field.alias for field in Settings.model_fields.values() if field.alias is not None
)


def _is_secret(annotation: object) -> bool:
    return annotation is SecretStr or SecretStr in typing.get_args(annotation)


SECRET_NAMES = frozenset(
    field.alias
    for field in Settings.model_fields.values()
    if field.alias is not None and _is_secret(field.annotation)
)


# --- Dockerfile --------------------------------------------------------------------------


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order: comments dropped, continuation lines joined."""
    result: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue  # a comment inside a continued instruction
        if line.endswith("\\"):
            pending += line[:-1].rstrip() + " "
            continue
        whole = (pending + line).strip()
        pending = ""
        keyword, _, args = whole.partition(" ")
        result.append((keyword.upper(), args.strip()))
    assert not pending, "the Dockerfile ends in a continuation line"
    return result


def final_stage(steps: list[tuple[str, str]]) -> list[tuple[str, str]]:
    starts = [i for i, (keyword, _) in enumerate(steps) if keyword == "FROM"]
    assert starts, "no FROM"
    return steps[starts[-1] :]


def env_names(keyword: str, args: str) -> list[str]:
    """The variable names an ENV or ARG instruction sets (``a=1 b=2``, ``a 1``, ``NAME``)."""
    words = shlex.split(args)
    if keyword == "ENV" and words and "=" not in words[0]:
        return [words[0]]  # the legacy form: ENV NAME value
    return [word.split("=", 1)[0] for word in words]


STEPS = instructions(DOCKERFILE.read_text())
FINAL = final_stage(STEPS)


def test_dockerfile_parses_into_the_expected_instructions() -> None:
    assert instructions('FROM a\n# c\nRUN x \\\n  # inner\n  && y\nENV A=1 B="2 3"\n') == [
        ("FROM", "a"),
        ("RUN", "x && y"),
        ("ENV", 'A=1 B="2 3"'),
    ]
    assert env_names("ENV", 'A=1 B="2 3"') == ["A", "B"]
    assert env_names("ENV", "A some value") == ["A"]
    assert env_names("ARG", "VERSION") == ["VERSION"]


def test_every_stage_is_python_311() -> None:
    images = [args.split()[0] for keyword, args in STEPS if keyword == "FROM"]
    assert images
    for image in images:
        assert re.fullmatch(r"python:3\.11(\.\d+)?(-slim[\w.-]*)?(@sha256:[0-9a-f]{64})?", image), (
            image
        )


def test_the_final_stage_runs_as_a_fixed_non_root_uid() -> None:
    users = [args for keyword, args in FINAL if keyword == "USER"]
    assert users, "the final stage has no USER"
    match = re.fullmatch(r"(\d+)(?::(\d+))?", users[-1])
    assert match, f"USER {users[-1]!r} is not a numeric uid[:gid]"
    assert int(match.group(1)) != 0
    assert match.group(2) is None or int(match.group(2)) != 0
    keywords = [keyword for keyword, _ in FINAL]
    last_user = max(i for i, keyword in enumerate(keywords) if keyword == "USER")
    assert "RUN" not in keywords[last_user:], "RUN after USER would run as the bot's user anyway"


def test_no_secret_setting_is_baked_in() -> None:
    assert {"ONCALL_DASHBOARD_TOKEN", "ONCALL_ALERT_TOKEN", "SLACK_BOT_TOKEN"} <= SECRET_NAMES
    for keyword, args in STEPS:
        if keyword in ("ENV", "ARG"):
            names = set(env_names(keyword, args))
            assert not names & SECRET_NAMES, f"{keyword} {args}"
            assert not {n for n in names if re.search(r"TOKEN|SECRET|PASSWORD", n)}, args


def test_the_image_installs_the_project_non_editable() -> None:
    runs = " ".join(args for keyword, args in STEPS if keyword == "RUN")
    assert re.search(r"pip install \.(\s|$)", runs), runs
    assert not re.search(r"pip install[^&]*(-e|--editable)\b", runs)


def test_cmd_is_oncall_serve_listening_outside_the_container() -> None:
    cmds = [args for keyword, args in FINAL if keyword == "CMD"]
    assert cmds and json.loads(cmds[-1]) == ["oncall", "serve"]
    env = " ".join(args for keyword, args in FINAL if keyword == "ENV")
    assert "ONCALL_HOST=0.0.0.0" in env.split()


def test_healthcheck_asks_healthz_without_curl() -> None:
    checks = [args for keyword, args in FINAL if keyword == "HEALTHCHECK"]
    assert len(checks) == 1
    assert "/healthz" in checks[0]
    options, _, command = checks[0].partition("CMD ")
    assert "--interval=" in options and "--timeout=" in options
    argv = json.loads(command)  # the exec form: no shell in between
    assert argv[:2] == ["python", "-c"] and "urllib" in argv[2]
    compile(argv[2], "HEALTHCHECK", "exec")
    assert not re.search(r"\b(curl|wget)\b", checks[0])


def ignored(patterns: list[str], path: str) -> bool:
    """Docker's rule, enough for our file: the last pattern matching the path or one of its
    parent folders wins; ``!`` re-includes; ``**/`` matches any depth."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    result = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        body = pattern[1:] if negate else pattern
        candidates = prefixes
        if body.startswith("**/"):
            body = body[3:]
            candidates = [p for prefix in prefixes for p in _suffixes(prefix)]
        if any(fnmatch.fnmatchcase(candidate, body) for candidate in candidates):
            result = not negate
    return result


def _suffixes(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[i:]) for i in range(len(parts))]


def test_dockerignore_keeps_secrets_and_clutter_out_of_the_build_context() -> None:
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    for path in (
        ".env",
        ".git/config",
        ".venv/bin/python",
        "oncall.db",
        "oncall.db-wal",
        "tests/unit/test_x.py",
        "bot/__pycache__/cli.cpython-311.pyc",
        "bot/.env",
    ):
        assert ignored(patterns, path), path
    sources = [
        word
        for keyword, args in STEPS
        if keyword == "COPY" and "--from" not in args
        for word in args.split()[:-1]
    ]
    assert sources
    for source in sources:
        assert not ignored(patterns, source), source
        assert not ignored(patterns, f"{source}/__init__.py") or "." in source, source
    assert not ignored(patterns, "web/templates/base.html")
    assert not ignored(patterns, "storage/migrations/versions/0001_initial.py")


# --- systemd unit ------------------------------------------------------------------------


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read_string(UNIT.read_text())
    return parser


def test_the_unit_parses_and_runs_oncall_serve_as_its_own_user() -> None:
    parsed = unit()
    assert {"Unit", "Service", "Install"} <= set(parsed.sections())
    service = parsed["Service"]
    assert service.get("User") and service["User"] != "root"
    assert service.get("Restart") == "always"
    assert service.get("EnvironmentFile", "").lstrip("-").startswith("/")
    command = shlex.split(service["ExecStart"])
    assert command[0].startswith("/") and command[0].endswith("/oncall")
    assert command[1:] == ["serve"]
    assert parsed["Install"].get("WantedBy") == "multi-user.target"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("PrivateTmp", "yes"),
        ("ProtectHome", "yes"),
        ("KillMode", "mixed"),
    ],
)
def test_the_unit_is_hardened(key: str, value: str) -> None:
    assert unit()["Service"].get(key) == value


# --- environment example -----------------------------------------------------------------

ASSIGNMENT = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=(.*)$")


def example_settings() -> dict[str, str]:
    found: dict[str, str] = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = ASSIGNMENT.match(line.strip())
        if match:
            found[match.group(1)] = match.group(2)
    return found


def test_the_env_example_names_only_known_settings() -> None:
    names = example_settings()
    assert names, "no settings in the example"
    assert set(names) <= SETTING_NAMES, sorted(set(names) - SETTING_NAMES)
    assert {"ONCALL_DATABASE_URL", "ONCALL_DASHBOARD_TOKEN", "ONCALL_ALERT_TOKEN"} <= set(names)


def test_the_env_example_is_accepted_by_settings() -> None:
    """Its uncommented lines, as the bot reads them: valid, and a non-loopback listener."""
    assigned = {
        match.group(1): match.group(2)
        for line in ENV_EXAMPLE.read_text().splitlines()
        if (match := ASSIGNMENT.match(line.strip())) and not line.startswith("#")
    }
    settings = Settings.model_validate(assigned)
    assert not settings.loopback
    assert settings.dashboard_token is None  # so serve refuses to start until it is filled in
    assert settings.database_url.startswith("postgresql+asyncpg://")


def test_the_env_example_holds_no_secret_value() -> None:
    for name, value in example_settings().items():
        if name in SECRET_NAMES:
            assert value == "", f"{name} has a value in the example"


# --- Alertmanager receiver ---------------------------------------------------------------


def test_the_receiver_posts_to_the_alert_endpoint_with_the_token() -> None:
    document = yaml.safe_load(RECEIVER.read_text())
    receivers = {r["name"]: r for r in document["receivers"]}
    assert document["route"]["receiver"] in receivers
    hooks = [hook for r in receivers.values() for hook in r.get("webhook_configs", [])]
    assert hooks
    for hook in hooks:
        assert urlparse(hook["url"]).path == "/alerts/alertmanager"
        authorization = hook["http_config"]["authorization"]
        assert authorization.get("type", "Bearer") == "Bearer"
        assert authorization.get("credentials") or authorization.get("credentials_file")
        assert hook["send_resolved"] is True
        assert hook["max_alerts"] == 0


# --- the guide ---------------------------------------------------------------------------


def test_the_guide_names_only_known_settings() -> None:
    text = GUIDE.read_text()
    named = set(re.findall(r"\b((?:ONCALL|SLACK|MICROSOFT|JIRA|GITHUB)_[A-Z0-9_]+)\b", text))
    named |= {"PORT"} if re.search(r"\bPORT=", text) else set()
    test_only = {n for n in named if n.startswith("ONCALL_TEST_")}
    assert named - test_only <= SETTING_NAMES, sorted(named - test_only - SETTING_NAMES)


def test_the_guide_uses_only_real_commands() -> None:
    from bot.cli import app

    commands = {
        info.name or (info.callback.__name__.replace("_", "-") if info.callback else "")
        for info in app.registered_commands
    }
    commands |= {info.name for info in app.registered_groups if info.name}
    used = set(re.findall(r"\boncall ([a-z][a-z-]*)", GUIDE.read_text()))
    used.discard("oncall")  # `createdb --owner oncall oncall`: the role and the database
    assert used, "the guide shows no oncall command"
    assert used <= commands, sorted(used - commands)
