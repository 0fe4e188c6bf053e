"""Socket Mode for the fake Slack: ``apps.connections.open`` with the app-level token gives a
``ws://`` URL on the fake; the bot connects there, is greeted with ``hello``, and the test
pushes envelopes (a slash command, a button click) and reads the bot's acknowledgements, as
Slack's Socket Mode does (docs.slack.dev/apis/events-api/using-socket-mode)."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from aiohttp import WSMsgType, web


class SocketMode:
    """Mixed into FakeSlack: needs ``base_url``, ``app_id`` and ``_closing``."""

    app_token: str | None
    base_url: str
    app_id: str

    def _socket_init(self) -> None:
        self.app_token = None
        self.sockets: list[web.WebSocketResponse] = []
        self.socket_acks: list[dict[str, Any]] = []
        self._connected = asyncio.Event()

    def _connections_open(self) -> dict[str, Any]:
        ws = self.base_url.replace("http://", "ws://", 1)
        return {"ok": True, "url": f"{ws}/socket?ticket={uuid.uuid4().hex}"}

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.sockets.append(ws)
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": len(self.sockets),
                "debug_info": {"host": "fake-slack", "approximate_connection_time": 3600},
                "connection_info": {"app_id": self.app_id},
            }
        )
        self._connected.set()
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                self.socket_acks.append(json.loads(message.data))
            elif message.type in (WSMsgType.CLOSE, WSMsgType.ERROR):
                break
        self.sockets.remove(ws)
        return ws

    async def socket_connected(self, within: float = 10.0) -> None:
        """Wait until the bot holds a Socket Mode connection."""
        await asyncio.wait_for(self._connected.wait(), within)

    async def socket_send(self, kind: str, payload: dict[str, Any]) -> str:
        """Push an envelope (``slash_commands``, ``interactive``, ``events_api``) to the bot;
        returns its envelope id."""
        envelope_id = uuid.uuid4().hex
        await self.sockets[-1].send_json(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": kind != "events_api",
                "retry_attempt": 0,
                "retry_reason": "",
            }
        )
        return envelope_id

    async def socket_ack(self, envelope_id: str, within: float = 10.0) -> dict[str, Any]:
        """The bot's acknowledgement of the envelope."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while loop.time() < deadline:
            for ack in self.socket_acks:
                if ack.get("envelope_id") == envelope_id:
                    return ack
            await asyncio.sleep(0.02)
        raise AssertionError(f"no ack of {envelope_id}; acks: {self.socket_acks}")

    async def _close_sockets(self) -> None:
        for ws in list(self.sockets):
            await ws.close()
