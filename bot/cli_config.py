"""``oncall config validate|apply`` and ``oncall db upgrade``: the configuration and the schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from bot.cli_common import EXIT_USAGE, CliError, friendly, load_settings, run, user

config_app = typer.Typer(
    help="Validate and apply the configuration repository.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)

ConfigFile = Annotated[Path | None, typer.Argument(help="YAML file; default $ONCALL_CONFIG")]


@config_app.command("validate")
@friendly
def config_validate(file: ConfigFile = None) -> None:
    """Check a configuration file; every error is printed as FILE:LINE: field: message."""
    from integrations.config_repo.loader import load_configuration

    path = _config_file(file)
    config = load_configuration(path)
    typer.echo(
        f"{path}: valid ({len(config.people)} people, {len(config.teams)} teams, "
        f"{len(config.schedules)} schedules, {len(config.services)} services, "
        f"{len(config.escalation_policies)} escalation policies)"
    )


@config_app.command("apply")
@friendly
def config_apply(
    file: ConfigFile = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the changes, write nothing")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the changes as JSON")] = False,
) -> None:
    """Make the database match a configuration file and print what changed."""
    from bot.config_apply import apply_file

    settings = load_settings()
    path = _config_file(file, settings.config_path)
    outcome = run(apply_file(settings, path, dry_run=dry_run, actor=f"cli:{user()}"))
    if as_json:
        payload = {"file": str(path), "dry_run": dry_run, "written": outcome.written}
        typer.echo(json.dumps({**payload, **outcome.diff.as_dict()}, indent=2))
        return
    from bot.config_apply import describe

    for line in describe(outcome, str(path), dry_run=dry_run):
        typer.echo(line)


@db_app.command("upgrade")
@friendly
def db_upgrade() -> None:
    """Apply the database migrations (safe to run at every release)."""
    from bot.config_apply import upgrade_database

    settings = load_settings()
    before, after = run(upgrade_database(settings))
    if before == after:
        typer.echo(f"database is up to date (revision {after})")
    else:
        typer.echo(f"database upgraded from {before or 'empty'} to {after}")


def _config_file(file: Path | None, default: str | None = None) -> Path:
    if file is None and default is None:
        default = load_settings().config_path
    path = file if file is not None else (Path(default) if default else None)
    if path is None:
        raise CliError("no configuration file: pass FILE or set ONCALL_CONFIG", EXIT_USAGE)
    return path
