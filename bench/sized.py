"""Run one of the benchmarks smaller, for ``make proof`` (tests/proof/test_load.py).

    .venv/bin/python -m bench.sized schedules|alerts|slack

The benchmarks have no options: this sets their sizes (module constants read at run time)
and runs their ``main``; what they print is unchanged, so the same parser reads a full run.
Smaller than ``make bench``: the alert bench sends 200 requests per closed loop (capped at
5 s), 2 s at each fixed rate, 200 escalations and only the 3 s burst (not the minute-long
spread); the Slack bench runs 2 s at each rate with 20 clicks, and keeps its storm of 500
incidents (its 15 s target is for 500). The schedule bench is fast and runs as it is.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path


def alerts() -> None:
    import bench.alerts as b

    b.REQUESTS, b.TIME_CAP, b.RATE_SECONDS, b.ESCALATIONS = 200, 5.0, 2, 200
    full = b.escalation_timeliness

    async def burst_only(folder: Path, spread: float) -> None:
        if spread > 10:
            print("  (skipped by bench.sized: only the burst runs)")
            return
        await full(folder, spread)

    b.escalation_timeliness = burst_only  # type: ignore[assignment]
    asyncio.run(b.main())


def slack() -> None:
    import bench.slack as b

    b.SECONDS, b.CLICKS = 2, 20
    asyncio.run(b.main())


def schedules() -> None:
    import bench.schedules as b

    b.main()


BENCHES = {"alerts": alerts, "slack": slack, "schedules": schedules}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in BENCHES:
        sys.exit(f"usage: python -m bench.sized {'|'.join(BENCHES)}")
    BENCHES[sys.argv[1]]()
