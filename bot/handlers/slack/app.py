"""The Slack app: Bolt's ``AsyncApp`` on our aiohttp server, or over Socket Mode.

Over HTTP, ``POST /slack/events`` is the one Request URL for slash commands, interactivity
and events. The signature is checked (slack_sdk's ``SignatureVerifier``: HMAC-SHA256 of
``v0:timestamp:body``, a five-minute window, constant-time compare) before the body is read
as anything; a bad or old one gets 401 and nothing runs. Bolt checks it again in its own
middleware. The body is then decoded as Bolt will decode it, but safely
(:mod:`bot.handlers.slack.request_body`): JSON nested too deep, not UTF-8 or not an object gets
400 before Bolt sees it (Bolt's own ``json.loads`` would raise, a 500). Event retries
(``X-Slack-Retry-Num``) of an event already seen are answered 200 and dropped. With
``SLACK_APP_TOKEN`` the same listeners run over Socket Mode instead.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.handlers.slack.client import web_client
from bot.handlers.slack.config_modal import register_config
from bot.handlers.slack.deps import SlackDeps
from bot.handlers.slack.home import register_home
from bot.handlers.slack.listeners import register
from bot.handlers.slack.modals import register_modals
from bot.handlers.slack.people import SlackPeople
from bot.handlers.slack.request_body import slack_json
from bot.handlers.slack.review import register_reviews
from bot.handlers.slack.swaps import register_swaps
from bot.settings import Settings
from core.incidents.ports import AlertBatch
from core.ports import Clock, UnitOfWork
from integrations.json_body import BadJSON, read_body

log = logging.getLogger("oncall.slack")
SEEN_EVENTS = 2000


class _ClientGiven(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN itself and warns that our client (which has the token from
    the Settings) makes it unused: true, and not worth a line at every start."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


logging.getLogger("slack_bolt.AsyncApp").addFilter(_ClientGiven())


def _refused(message: str) -> web.Response:
    """400 for a signed body Bolt cannot read; one warning line, no traceback."""
    log.warning("Slack: a signed request refused: %s", message)
    return web.json_response({"error": message}, status=400)


class SlackSurface:
    """The Bolt app and its HTTP route (or Socket Mode connection)."""

    def __init__(
        self,
        settings: Settings,
        *,
        new_unit: Callable[[], UnitOfWork],
        read_unit: Callable[[], UnitOfWork],
        clock: Clock,
        open_alert: Callable[[AlertBatch], Awaitable[int]],
    ) -> None:
        secret = settings.slack_signing_secret
        self._verifier = SignatureVerifier(secret.get_secret_value()) if secret else None
        self.client = web_client(settings)
        self.bolt = AsyncApp(
            client=self.client,
            signing_secret=secret.get_secret_value() if secret else None,
            request_verification_enabled=secret is not None,
            raise_error_for_unhandled_request=False,
        )
        self.people = SlackPeople(self.client, new_unit, read_unit, clock)
        deps = SlackDeps(
            self.client,
            self.people,
            new_unit,
            read_unit,
            clock,
            settings.base_url,
            open_alert,
            config_path=settings.config_path,
        )
        registrars = [
            register_home,  # the Home tab and its cards' clicks (home.py; before register)
            register,  # /oncall, the incident buttons (listeners.py)
            register_swaps,  # swaps: Accept, Decline, Withdraw and the swap modal (swaps.py)
            register_modals,  # modals: time off, override (modals.py)
            register_config,  # config: the managers' rotation modal (config_modal.py)
            register_reviews,  # post-incident reviews: the button and the modal (review.py)
        ]
        for registrar in registrars:
            registrar(self.bolt, deps)
        self._app_token = settings.slack_app_token
        self._socket: Any = None
        self._seen: OrderedDict[str, None] = OrderedDict()

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/slack/events", self.handle)

    def _verified(self, body: bytes, request: web.Request) -> bool:
        """The signature checks out. slack_sdk raises, rather than answer False, on a body that
        is not UTF-8 (it signs text), a timestamp that is not a number, a signature that is not
        ASCII: each is simply not a request Slack signed."""
        if self._verifier is None:
            return False
        try:
            return self._verifier.is_valid_request(body, request.headers)
        except (ValueError, TypeError):
            return False

    def _repeat(self, request: web.Request, body: bytes, parsed: dict[str, Any] | None) -> bool:
        """An event retry (``X-Slack-Retry-Num``) of an event id seen before."""
        if parsed is None or not body.startswith(b"{"):
            return False
        event_id = parsed.get("event_id")
        if not isinstance(event_id, str):
            return False
        if event_id in self._seen:
            return "X-Slack-Retry-Num" in request.headers
        self._seen[event_id] = None
        while len(self._seen) > SEEN_EVENTS:
            self._seen.popitem(last=False)
        return False

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await read_body(request)  # 408 when it dribbles in too slowly
        if not self._verified(body, request):
            return web.json_response({"error": "invalid or expired Slack signature"}, status=401)
        try:
            parsed = slack_json(body, request.headers.get("Content-Type"))
        except BadJSON as exc:
            return _refused(f"the body is not JSON Bolt can read: {exc}")
        if self._repeat(request, body, parsed):
            return web.Response(status=200)
        try:
            bolt_request = AsyncBoltRequest(
                body=body.decode("utf-8", errors="replace"),
                query=request.query_string,
                headers=request.headers,  # type: ignore[arg-type]
            )
        except (ValueError, TypeError, AttributeError, KeyError, IndexError) as exc:
            # Well-formed JSON of a shape Slack never sends (``{"team": 5}``): Bolt's context
            # extraction fails on it.
            return _refused(f"the body is not a Slack payload Bolt can read ({type(exc).__name__})")
        answer = await self.bolt.async_dispatch(bolt_request)
        if answer.status == 404 and body.startswith(b"{"):
            # An event nobody listens to: acknowledged, so Slack neither retries it nor turns
            # the subscription off.
            return web.Response(status=200)
        return await to_aiohttp_response(answer)

    async def start_socket_mode(self) -> None:
        """Connect over Socket Mode when ``SLACK_APP_TOKEN`` is set (no public URL needed)."""
        if self._app_token is None:
            return
        from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

        self._socket = AsyncSocketModeHandler(self.bolt, self._app_token.get_secret_value())
        await self._socket.connect_async()
        log.info("Slack: connected over Socket Mode")

    async def close(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()
