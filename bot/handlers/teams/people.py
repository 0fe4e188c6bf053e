"""The person behind a Teams user: the configuration, remembered lookups, else their email.

A Teams user has two ids: the Bot Framework user id (``29:…``, ``from.id``) and the Azure AD
object id (``from.aadObjectId``). A person's ``teams:`` in the configuration may be either;
both are tried. When neither is known, the member's profile is fetched once
(``TeamsInfo.get_member``: its ``email``, else its ``userPrincipalName``) and matched with the
configured emails; a match is remembered under the AAD object id (else the user id), so the
profile is not fetched again. A profile that cannot be fetched (a personal chat outside a
team, the connector down) is nobody: the person is told politely and nothing changes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo

from core.chat import identity
from core.ports import Clock, UnitOfWork

log = logging.getLogger("oncall.teams")
PLATFORM = "teams"


class TeamsPeople:
    """Finds people for Teams users; a profile is fetched only when nothing is known."""

    def __init__(
        self,
        new_unit: Callable[[], UnitOfWork],
        read_unit: Callable[[], UnitOfWork],
        clock: Clock,
    ) -> None:
        self._new_unit = new_unit
        self._read_unit = read_unit
        self._clock = clock

    async def known(self, *ids: str | None) -> str | None:
        """The person whose configured or remembered Teams id is one of ``ids``."""
        async with self._read_unit() as uow:
            for external in ids:
                if not external:
                    continue
                found = await identity.person_of_chat_user(uow, PLATFORM, external)
                if found is not None:
                    return found
        return None

    async def person_of(self, turn_context: TurnContext, user_id: str | None = None) -> str | None:
        """The person id of the activity's sender (or of ``user_id``, a mentioned user, in the
        same conversation); None when they map to nobody."""
        account = turn_context.activity.from_property
        aad = getattr(account, "aad_object_id", None) if user_id is None else None
        user = user_id if user_id is not None else getattr(account, "id", None)
        found = await self.known(aad, user)
        if found is not None or not user:
            return found
        try:
            member = await TeamsInfo.get_member(turn_context, user)
        except Exception as exc:  # the connector's errors are many; none may break the turn
            log.info("Teams profile of %s not available: %s", user, type(exc).__name__)
            return None
        email = getattr(member, "email", None) or getattr(member, "user_principal_name", None)
        aad = getattr(member, "aad_object_id", None) or aad
        found = await self.known(aad)
        if found is not None:
            return found
        async with self._new_unit() as uow:
            found = await identity.person_by_email(
                uow, PLATFORM, aad or user, email, self._clock.now()
            )
            await uow.commit()
        return found
