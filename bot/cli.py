"""The ``oncall`` command line: the Typer root, every command registered on it, ``main``.

Each command group lives in its own module (``bot/cli_*.py``). It must start fast: those
modules import only typer at the top, and each command imports what it uses inside its
function (no Slack or Teams SDK, no SQLAlchemy for everyday commands). Errors are one line
on stderr with a non-zero exit: 1 when the work failed (an invalid file, a database out of
reach), 2 when the command was used wrongly (:mod:`bot.cli_common`).
"""

from __future__ import annotations

import typer

from bot import (
    cli_changes,
    cli_config,
    cli_history,
    cli_ical,
    cli_incidents,
    cli_maintenance,
    cli_report,
    cli_schedule,
    cli_serve,
    cli_teams,
    cli_who,
)

app = typer.Typer(
    name="oncall",
    help="On-call schedules, alert routing and escalations for SRE teams.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# The order here is the order of `oncall --help`.
for command in (
    cli_serve.serve,
    cli_serve.worker,
    cli_who.who,
    cli_schedule.schedule,
    cli_schedule.gaps,
    cli_changes.override,
    cli_changes.timeoff,
    cli_incidents.incidents,
    cli_incidents.ack,
    cli_incidents.resolve,
    cli_history.history,
    cli_maintenance.maintenance,
    cli_report.report,
):
    app.command()(command)
app.add_typer(cli_config.config_app, name="config")
app.add_typer(cli_config.db_app, name="db")
app.add_typer(cli_incidents.alert_app, name="alert")
app.add_typer(cli_ical.ical_app, name="ical")
app.add_typer(cli_teams.teams_app, name="teams")


def main() -> None:
    """Entry point of the ``oncall`` console script."""
    app()


if __name__ == "__main__":
    main()
