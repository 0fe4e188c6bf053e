"""``oncall teams manifest``: the Microsoft Teams app package to upload."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli_common import EXIT_USAGE, CliError, friendly, load_settings

teams_app = typer.Typer(help="Microsoft Teams.", no_args_is_help=True)

NEXT_STEPS = """\
Next:
  1. Upload it: Teams admin center > Teams apps > Manage apps > Upload new app (for the whole
     organisation), or in Teams: Apps > Manage your apps > Upload an app > Upload a custom app.
  2. Add the app to each team whose teams_channel it posts in.
  3. Have every engineer open a personal chat with the bot, so it can page them directly
     (until then they are @mentioned in their team's channel)."""


@teams_app.command("manifest")
@friendly
def manifest(
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Zip file to write, or a folder to write it in"),
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="The app's name in Teams (up to 30 characters)")
    ] = None,
) -> None:
    """Write the Teams app package (manifest.json, color.png, outline.png) for MICROSOFT_APP_ID."""
    from bot.handlers.teams.manifest import (
        DEFAULT_NAME,
        PACKAGE_NAME,
        ManifestError,
        app_version,
        build_manifest,
        links,
        package,
    )

    settings = load_settings()
    site = links(settings.public_url, settings.base_url)
    try:
        document = build_manifest(
            settings.microsoft_app_id, site, app_version(_package_version()), name or DEFAULT_NAME
        )
    except ManifestError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    target = out if out is not None else Path(PACKAGE_NAME)
    if target.is_dir():
        target = target / PACKAGE_NAME
    _write(target, package(document))
    if site.placeholder:
        typer.echo(
            f"warning: {settings.base_url} is not https, and Teams takes only https links: "
            f"the manifest names {site.website} instead. Set ONCALL_PUBLIC_URL to the https "
            "URL of oncall serve (the Azure Bot's messaging endpoint must be https too) and "
            "run this again.",
            err=True,
        )
    typer.echo(
        f"wrote {target} (manifest.json, color.png, outline.png) for the bot "
        f"{document['id']}, version {document['version']}"
    )
    typer.echo(NEXT_STEPS)


def _package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("oncall-bot")
    except PackageNotFoundError:
        return "0.0.0"


def _write(target: Path, data: bytes) -> None:
    """Write through a temporary file beside ``target``, so a failure leaves no partial zip."""
    partial = target.with_name(target.name + ".partial")
    try:
        partial.write_bytes(data)
        partial.replace(target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise CliError(f"cannot write {target}: {exc.strerror or exc}") from None
