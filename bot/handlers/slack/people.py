"""The person behind a Slack user: the configuration, remembered lookups, else their email."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from core.chat import identity
from core.ports import Clock, UnitOfWork

log = logging.getLogger("oncall.slack")
PLATFORM = "slack"


class SlackPeople:
    """Finds people for Slack user ids; a profile is fetched only when nothing is known."""

    def __init__(
        self,
        client: AsyncWebClient,
        new_unit: Callable[[], UnitOfWork],
        read_unit: Callable[[], UnitOfWork],
        clock: Clock,
    ) -> None:
        self._client = client
        self._new_unit = new_unit
        self._read_unit = read_unit
        self._clock = clock

    async def person_of(self, user_id: str) -> str | None:
        """The person id of Slack user ``user_id``; None when they map to nobody."""
        async with self._read_unit() as uow:
            found = await identity.person_of_chat_user(uow, PLATFORM, user_id)
        if found is not None:
            return found
        try:
            info = await self._client.users_info(user=user_id)
        except SlackApiError as exc:
            log.warning("users.info %s failed: %s", user_id, exc.response.get("error"))
            return None
        email = ((info.get("user") or {}).get("profile") or {}).get("email")
        async with self._new_unit() as uow:
            found = await identity.person_by_email(uow, PLATFORM, user_id, email, self._clock.now())
            await uow.commit()
        return found
