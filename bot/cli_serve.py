"""``oncall serve`` and ``oncall worker``: the long-running processes."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from bot.cli_common import friendly, load_settings, run


@friendly
def serve() -> None:
    """Run the bot: the HTTP endpoints here, the background work in a worker process.

    The worker (oncall worker) works off the alert inbox and runs the scheduling loop:
    escalations, the outbox, hand-overs, gap warnings. serve restarts it if it dies.
    """
    from bot.server import serve as serve_forever

    settings = load_settings()
    sys.exit(run(serve_forever(settings)))


@friendly
def worker(
    controlled: Annotated[
        bool, typer.Option("--controlled", hidden=True, help="started by oncall serve")
    ] = False,
) -> None:
    """Run the background work alone: the alert inbox, escalations, the outbox, hand-overs.

    oncall serve starts one itself; run more (on PostgreSQL) to share the work.
    """
    from bot.worker import run_worker

    sys.exit(run(run_worker(load_settings(), controlled=controlled)))
