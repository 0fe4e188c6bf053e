"""Log lines of every ``oncall`` process: plain lines on stderr."""

from __future__ import annotations

import logging
import sys


def configure_logging(level: str) -> None:
    """Plain lines on stderr: time, level, logger, message."""
    logging.basicConfig(
        level=level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    # APScheduler warns at every skipped tick; a skipped tick loses nothing (scheduling.loop).
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
