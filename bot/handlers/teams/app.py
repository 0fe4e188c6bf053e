"""The Teams bot on our aiohttp server: ``POST /api/messages``.

botbuilder's ``CloudAdapter`` with ``ConfigurationBotFrameworkAuthentication``
(:mod:`bot.handlers.teams.auth`) and a ``TeamsActivityHandler``
(:mod:`bot.handlers.teams.handler`). The request is taken apart in this order, and the first
failure answers without running anything:

1. the body is at most the server's size cap (aiohttp answers 413), arrives within
   ``integrations.json_body.BODY_READ_SECONDS`` (else 408), and is JSON
   (``application/json``, else 415), decoded with :func:`integrations.json_body.decode_json`
   (nested too deep, NaN, huge numbers: 400);
2. it is an activity (an object with a ``type`` and a ``conversation.id``; else 400);
3. its ``Authorization`` token is checked by botbuilder against the Bot Framework's OpenID
   keys, issuer, our app id as audience and the activity's ``serviceUrl`` (401 for anything
   wrong: missing, signed by another key, expired, for another audience);
4. only then does the activity handler run. An invoke (a card's ``Action.Execute``) is
   answered with its invoke response, an invoke nobody handles (botbuilder's 501) with 400;
   any other activity with 200.

A failure inside the handler is logged (never with the token) and the user is told that
something went wrong; Teams gets a 200 so it does not resend the same message.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from bot.handlers.teams.auth import authenticate, teams_adapter
from bot.handlers.teams.conversations import Conversations
from bot.handlers.teams.deps import TeamsDeps
from bot.handlers.teams.handler import OncallTeamsBot
from bot.handlers.teams.people import TeamsPeople
from bot.settings import Settings
from core.incidents.ports import AlertBatch
from core.ports import Clock, UnitOfWork
from integrations.json_body import BadJSON, decode_json, read_body

log = logging.getLogger("oncall.teams")
SORRY = "Something went wrong on my side; nothing was changed. Please try again in a minute."


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


class TeamsSurface:
    """The Teams adapter, the activity handler and their HTTP route."""

    def __init__(
        self,
        settings: Settings,
        *,
        new_unit: Callable[[], UnitOfWork],
        read_unit: Callable[[], UnitOfWork],
        clock: Clock,
        open_alert: Callable[[AlertBatch], Awaitable[int]],
    ) -> None:
        self.adapter = teams_adapter(settings)
        self.adapter.on_turn_error = self._on_turn_error
        deps = TeamsDeps(
            people=TeamsPeople(new_unit, read_unit, clock),
            conversations=Conversations(new_unit, clock),
            new_unit=new_unit,
            read_unit=read_unit,
            clock=clock,
            base_url=settings.base_url,
            open_alert=open_alert,
        )
        self.bot = OncallTeamsBot(deps)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/api/messages", self.handle)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if "application/json" not in request.headers.get("Content-Type", ""):
            return _error(415, "a Bot Framework activity is sent as application/json")
        body = await read_body(request)  # 408 when it dribbles in too slowly
        try:
            data = decode_json(body)
        except BadJSON as exc:
            return _error(400, f"the body is not JSON: {exc}")
        if not isinstance(data, dict) or not isinstance(data.get("type"), str):
            return _error(400, "the body is not a Bot Framework activity")
        conversation = data.get("conversation")
        if not isinstance(conversation, dict) or not isinstance(conversation.get("id"), str):
            # Every activity the Bot Framework sends names its conversation; without one a
            # reply fails inside botbuilder (a traceback, and the user never told).
            return _error(400, "the activity names no conversation (conversation.id)")
        try:
            activity = Activity().deserialize(data)
        except Exception:  # msrest's many deserialization errors: all a bad activity
            return _error(400, "the body is not a Bot Framework activity")
        try:
            result = await authenticate(
                self.adapter, activity, request.headers.get("Authorization", "")
            )
        except Exception:  # the OpenID keys could not be fetched: ours to fix, Teams retries
            return _error(503, "the Bot Framework's signing keys cannot be fetched just now")
        if result is None:
            return _error(401, "missing or invalid Bot Framework token")
        response = await self.adapter.process_activity(result, activity, self.bot.on_turn)
        if response is not None and response.status == 501:
            # botbuilder's answer to an invoke no handler takes (no name, a task module, a
            # message extension): the sender asked for what this bot does not offer, a 4xx.
            return _error(400, f"the invoke {activity.name!r} is not supported by this bot")
        if response is not None:
            return web.json_response(response.body, status=response.status)
        return web.Response(status=200)

    @staticmethod
    async def _on_turn_error(turn_context: TurnContext, error: Exception) -> None:
        log.exception("Teams: the %s activity failed", turn_context.activity.type, exc_info=error)
        if turn_context.activity.type == "message":
            try:
                await turn_context.send_activity(SORRY)
            except Exception:  # the connector may be what failed
                log.warning("Teams: could not tell the user that the turn failed")
