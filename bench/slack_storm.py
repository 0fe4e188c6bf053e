"""Part 3 of :mod:`bench.slack`: a storm of new incidents into one team channel.

``STORM`` new incidents of one service (team channel ``C0STORM``, Sam paged) are sent as
fast as the server takes them; the bench polls the SQLite database every 100 ms for when
every incident is in the channel (its own card, or a line in a digest: a ``card_copies`` row
for the channel) and in Sam's DM. Meanwhile ``BYSTANDERS`` pages of other services (one a
second, each to another person with nothing else to receive) show whether the storm holds up
pages that have nothing to do with it.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from bench.alerts import line, payload
from bench.slack_setup import (
    BYSTANDERS,
    STORM_CHANNEL,
    TimedFake,
    flood,
    groups_in,
    paced,
    seconds,
    slack_serve,
    storm_config,
    top_posts,
    wait_dms,
)

STORM = 500
TARGET_STORM_S = 15
WITHIN = 120.0  # seconds: how long the bench waits for the storm to be shown


async def storm(folder: Path) -> None:
    from sqlalchemy import func, select

    from storage.chat_tables import CardCopyRow
    from storage.engine import create_engine
    from storage.incident_tables import IncidentRow

    copies = CardCopyRow.__table__  # type: ignore[attr-defined]
    incidents = IncidentRow.__table__  # type: ignore[attr-defined]
    shown = select(copies.c.channel, func.count(func.distinct(copies.c.incident_id))).group_by(
        copies.c.channel
    )
    made_query = select(func.count()).where(incidents.c.service_id == "api")
    kinds_query = (
        select(copies.c.kind, func.count(func.distinct(copies.c.message_id)))
        .where(copies.c.channel == STORM_CHANNEL)
        .group_by(copies.c.kind)
    )
    storm_bodies = [payload(f"g-storm-{i}", service="api") for i in range(STORM)]
    calm_bodies = [
        (f"g-calm-{i}", payload(f"g-calm-{i}", service=f"calm{i}")) for i in range(BYSTANDERS)
    ]
    async with TimedFake() as fake:
        with slack_serve(folder, storm_config(folder), fake, "slack-storm") as (base, url):
            dm = fake.dm_channel("U0SAM0001")
            engine = create_engine(url)
            start = time.monotonic()
            sending = asyncio.create_task(flood(base, storm_bodies))
            calm = asyncio.create_task(delayed(0.5, paced(base, calm_bodies, 1.0)))
            made_at = channel_at = dm_at = None
            at_target = 0
            try:
                while time.monotonic() - start < WITHIN and not (channel_at and dm_at):
                    await asyncio.sleep(0.1)
                    async with engine.connect() as conn:
                        made = (await conn.execute(made_query)).scalar_one()
                        counts = dict((await conn.execute(shown)).all())
                    now = time.monotonic() - start
                    if made >= STORM and made_at is None:
                        made_at = now
                    if now <= TARGET_STORM_S:
                        at_target = counts.get(STORM_CHANNEL, 0)
                    if counts.get(STORM_CHANNEL, 0) >= STORM and channel_at is None:
                        channel_at = now
                    if counts.get(dm, 0) >= STORM and dm_at is None:
                        dm_at = now
                run = await sending
                _calm_run, calm_due = await calm
                calm_seen = await wait_dms(fake, list(calm_due), 30)
                await asyncio.sleep(2.0)  # room for a late post or 429
                async with engine.connect() as conn:
                    kinds = dict((await conn.execute(kinds_query)).all())
                    counts = dict((await conn.execute(shown)).all())
            finally:
                await engine.dispose()
    print(line("sent as fast as taken", run))
    print(f"  {'all accepted':<24} {run.elapsed:5.2f} s after the first delivery")
    print(f"  {'incidents made':<24} {when(made_at, made)}")
    posts = top_posts(fake, STORM_CHANNEL)
    updates = [c for c in fake.calls("chat.update") if c.params.get("channel") == STORM_CHANNEL]
    print(
        f"  {'all in #' + STORM_CHANNEL:<24} {when(channel_at, counts.get(STORM_CHANNEL, 0))}"
        f"   (target {TARGET_STORM_S} s; {at_target} of {STORM} by then): {len(posts)} posts "
        f"({kinds.get('channel', 0)} cards, {kinds.get('digest', 0)} digests), "
        f"{len(updates)} chat.update"
    )
    dm_posts = top_posts(fake, dm)
    print(
        f"  {'all in the DM':<24} {when(dm_at, counts.get(dm, 0))}   {len(dm_posts)} posts "
        f"({sum(1 for c in dm_posts if len(groups_in(c)) > 1)} digests)"
    )
    delays = [calm_seen[g] - due for g, due in calm_due.items() if g in calm_seen]
    print(
        f"  {'bystander alert to DM':<24} {seconds(delays)}   ({len(delays)} of {BYSTANDERS} "
        f"pages of other services, one a second during the storm)"
    )
    print(f"  fake Slack: rate_limited {fake.rate_limited} (429s, any channel)")


async def delayed(wait: float, job):  # type: ignore[no-untyped-def]
    await asyncio.sleep(wait)
    return await job


def when(at: float | None, got: int) -> str:
    if at is not None:
        return f"{at:5.2f} s after the first delivery"
    return f"not within {WITHIN:.0f} s ({got} of {STORM})"
