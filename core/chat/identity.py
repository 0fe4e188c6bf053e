"""Who is who on a chat platform: a person's chat id, and the person behind a chat user.

A person's id comes from the configuration (``slack:`` / ``teams:``) first; else from what an
email lookup found earlier (remembered, and forgotten once the person's email in the
configuration changes); else the surface looks the email up (``users.lookupByEmail``) and
calls :func:`remember`. The other way round, a chat user is the person whose configured id it
is, else whose remembered identity it is (with the email still current), else the person whose
configured email equals the chat profile's email (compared without case). Nobody: ``None``,
and the surface tells the user politely; nothing is changed.

The lookups themselves are network calls the surfaces make between two short units of work, so
no transaction waits on a chat platform.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.chat.ports import ChatIdentity
from core.config.model import Configuration, Person
from core.ports import UnitOfWork

PLATFORMS = ("slack", "teams")


@dataclass(frozen=True)
class Known:
    """What is known of a person's chat id without asking the platform.

    ``external_id`` None: look ``email`` up (None too: the person cannot be reached there).
    """

    person_id: str
    external_id: str | None
    email: str | None


def _configured(person: Person, platform: str) -> str | None:
    return person.slack if platform == "slack" else person.teams


def _same_email(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a.casefold() == b.casefold()


async def known_chat_id(uow: UnitOfWork, platform: str, person_id: str) -> Known | None:
    """The person's chat id as far as the configuration and the remembered lookups know.

    None for a person the configuration does not have. A remembered id whose email is no
    longer the person's is ignored (the caller looks the new email up and remembers it).
    """
    config = await uow.config.load() or Configuration()
    person = config.person(person_id)
    if person is None:
        return None
    configured = _configured(person, platform)
    if configured:
        return Known(person_id, configured, person.email)
    remembered = await uow.identities.by_person(platform, person_id)
    if remembered is not None and _same_email(remembered.email, person.email):
        return Known(person_id, remembered.external_id, person.email)
    return Known(person_id, None, person.email)


async def remember(
    uow: UnitOfWork, platform: str, person_id: str, external_id: str, email: str, now: datetime
) -> None:
    """Remember what a lookup of ``email`` found (replacing an older finding)."""
    await uow.identities.remember(ChatIdentity(platform, person_id, external_id, email, now))


async def person_of_chat_user(uow: UnitOfWork, platform: str, external_id: str) -> str | None:
    """The person behind a chat user, without asking the platform; None when unknown."""
    config = await uow.config.load() or Configuration()
    for person in config.people:
        if _configured(person, platform) == external_id:
            return person.id
    for identity in await uow.identities.by_external(platform, external_id):
        found = config.person(identity.person_id)
        if (
            found is not None
            and not _configured(found, platform)
            and _same_email(identity.email, found.email)
        ):
            return found.id
    return None


async def person_by_email(
    uow: UnitOfWork, platform: str, external_id: str, email: str | None, now: datetime
) -> str | None:
    """The person whose configured email is the chat profile's ``email``; remembered.

    A person with a configured chat id of another user is not matched by email (the file
    wins). None when no person has the email, or ``email`` is None.
    """
    if not email:
        return None
    config = await uow.config.load() or Configuration()
    for person in config.people:
        if _same_email(person.email, email):
            configured = _configured(person, platform)
            if configured and configured != external_id:
                return None
            if not configured:
                await remember(uow, platform, person.id, external_id, person.email or email, now)
            return person.id
    return None


def is_manager(config: Configuration, person_id: str, team_id: str | None = None) -> bool:
    """Whether the person manages ``team_id`` (any team when None)."""
    return any(person_id in t.managers for t in config.teams if team_id is None or t.id == team_id)
