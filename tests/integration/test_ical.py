"""iCalendar feeds over real HTTP on loopback: content, secrecy, rotation, on both databases."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import TYPE_CHECKING

import aiohttp
import pytest
from icalendar import Calendar
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config.apply import apply_configuration
from core.oncall.actions import add_override
from storage.uow import SqlUnitOfWork, session_factory
from tests.fakes import FrozenClock
from tests.support import oncall_env, oncall_in_process, run_oncall, running_app
from tests.unit.oncall.common import at, config

if TYPE_CHECKING:
    from click.testing import Result

NOW = at("2026-03-02 08:00")


def unit(engine: AsyncEngine) -> SqlUnitOfWork:
    return SqlUnitOfWork(session_factory(engine))


@pytest.fixture
async def base_url(engine: AsyncEngine) -> AsyncIterator[str]:
    clock = FrozenClock(NOW)
    await apply_configuration(
        unit(engine), config(), actor="t", source="t", now=at("2026-02-01 00:00")
    )
    await add_override(
        unit(engine),
        schedule_id="office",
        person_id="ann",
        start=at("2026-03-03 09:00"),
        end=at("2026-03-03 17:00"),
        actor="t",
        now=NOW,
    )
    async with running_app(engine, clock) as url:
        yield url


async def token(engine: AsyncEngine, kind: str, subject: str, rotate: bool = False) -> str:
    async with unit(engine) as uow:
        value = await uow.feeds.token_for(kind, subject, now=NOW, rotate=rotate)
        await uow.commit()
    return value


async def fetch(url: str) -> tuple[int, str, bytes]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, response.headers.get("Content-Type", ""), await response.read()


def events(body: bytes) -> list[tuple[str, str, object, object]]:
    cal = Calendar.from_ical(body)
    assert cal["VERSION"] == "2.0" and "PRODID" in cal
    out = []
    uids = set()
    for event in cal.walk("VEVENT"):
        assert "DTSTAMP" in event
        uids.add(str(event["UID"]))
        out.append(
            (
                str(event["UID"]),
                str(event["SUMMARY"]),
                event.decoded("DTSTART"),
                event.decoded("DTEND"),
            )
        )
    assert len(uids) == len(out), "UIDs must be unique"
    return sorted(out, key=lambda e: e[2])


async def test_schedule_feed(engine: AsyncEngine, base_url: str) -> None:
    secret = await token(engine, "schedule", "primary")
    status, content_type, body = await fetch(f"{base_url}/ical/schedule/primary.ics?token={secret}")
    assert status == 200 and content_type == "text/calendar; charset=utf-8"
    found = events(body)
    # A month back: the layer starts 2026-03-02 09:00, so the feed opens with a gap.
    assert found[0][1] == "Nobody on call (primary)"
    assert (found[0][2], found[0][3]) == (NOW - timedelta(days=31), at("2026-03-02 09:00"))
    assert [(e[1], e[2], e[3]) for e in found[1:3]] == [
        ("ann on call (primary)", at("2026-03-02 09:00"), at("2026-03-03 09:00")),
        ("bob on call (primary)", at("2026-03-03 09:00"), at("2026-03-04 09:00")),
    ]
    assert found[-1][3] == NOW + timedelta(days=92)  # three months ahead, clipped


async def test_person_feed_spans_schedules_and_includes_overrides(
    engine: AsyncEngine, base_url: str
) -> None:
    secret = await token(engine, "person", "ann")
    status, _, body = await fetch(f"{base_url}/ical/person/ann.ics?token={secret}")
    assert status == 200
    found = events(body)
    assert ("On call: office", at("2026-03-03 09:00"), at("2026-03-03 17:00")) in [
        (e[1], e[2], e[3]) for e in found
    ]
    assert all(e[1] in ("On call: primary", "On call: office") for e in found)
    # ann holds every other daily turn of primary from 2026-03-02 09:00.
    primary = [e for e in found if e[1] == "On call: primary"]
    assert [e[2] for e in primary[:2]] == [at("2026-03-02 09:00"), at("2026-03-04 09:00")]


async def test_wrong_missing_or_borrowed_token_is_404(engine: AsyncEngine, base_url: str) -> None:
    schedule_token = await token(engine, "schedule", "primary")
    person_token = await token(engine, "person", "ann")
    for path in (
        "/ical/schedule/primary.ics",
        "/ical/schedule/primary.ics?token=",
        "/ical/schedule/primary.ics?token=not-a-token",
        f"/ical/schedule/office.ics?token={schedule_token}",  # another feed's token
        f"/ical/schedule/ann.ics?token={person_token}",
        f"/ical/person/bob.ics?token={person_token}",
        f"/ical/calendar/primary.ics?token={schedule_token}",
    ):
        status, _, body = await fetch(base_url + path)
        assert status == 404, path
        assert b"BEGIN:VCALENDAR" not in body


async def test_rotating_revokes_the_old_url(engine: AsyncEngine, base_url: str) -> None:
    old = await token(engine, "schedule", "primary")
    assert await token(engine, "schedule", "primary") == old  # stable until rotated
    new = await token(engine, "schedule", "primary", rotate=True)
    assert new != old
    assert (await fetch(f"{base_url}/ical/schedule/primary.ics?token={old}"))[0] == 404
    assert (await fetch(f"{base_url}/ical/schedule/primary.ics?token={new}"))[0] == 200


async def test_feed_tokens_are_a_repository_of_the_unit_of_work(engine: AsyncEngine) -> None:
    async with unit(engine) as uow:
        kept = await uow.feeds.token_for("person", "ann", now=NOW)
        await uow.commit()
    async with unit(engine) as uow:
        dropped = await uow.feeds.token_for("person", "bob", now=NOW)  # left without a commit
    async with unit(engine) as uow:
        assert await uow.feeds.feed_of(kept) == ("person", "ann")
        assert await uow.feeds.feed_of(dropped) is None  # rolled back with its unit
        assert await uow.feeds.token_for("person", "ann", now=NOW) == kept
        with pytest.raises(ValueError, match="unknown feed kind"):
            await uow.feeds.token_for("calendar", "ann", now=NOW)


async def test_oncall_ical_url_prints_a_working_url_and_rotates_it(
    engine: AsyncEngine, base_url: str, database_url: str
) -> None:
    env = oncall_env(database_url, ONCALL_PUBLIC_URL=base_url)
    first = run_oncall("ical", "url", "--schedule", "primary", env=env)
    assert first.returncode == 0, first.stderr
    url = first.stdout.strip()
    assert url.startswith(f"{base_url}/ical/schedule/primary.ics?token=")

    async def oncall(*args: str) -> Result:
        """The rest in this process (in a thread: the command calls asyncio.run)."""
        return await asyncio.to_thread(oncall_in_process, *args, env=env)

    again = await oncall("ical", "url", "--schedule", "primary")
    assert again.exit_code == 0 and again.stdout.strip() == url
    assert (await fetch(url))[0] == 200
    rotated = await oncall("ical", "url", "--schedule", "primary", "--rotate")
    assert rotated.exit_code == 0 and rotated.stdout.strip() != url
    assert (await fetch(url))[0] == 404
    assert (await fetch(rotated.stdout.strip()))[0] == 200
    unknown = await oncall("ical", "url", "--person", "zed")
    assert (unknown.exit_code, unknown.stderr.strip()) == (2, "error: unknown person 'zed'")
