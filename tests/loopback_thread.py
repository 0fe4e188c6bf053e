"""An aiohttp application served on 127.0.0.1 from its own thread and its own event loop.

The Teams fakes need this: botbuilder fetches OpenID metadata with synchronous ``requests`` and
msal fetches tokens synchronously, both from inside the bot's event loop, so a fake served on
the test's own loop would never answer (a deadlock). A thread of its own answers at once.

Each server binds a free port (port 0), so each instance has URLs of its own.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
import weakref
from collections.abc import Awaitable, Callable

from aiohttp import web

__all__ = ["LoopbackThread"]

_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class LoopbackThread:
    """Serves ``make_app()`` until ``stop()``. ``start()`` returns once the port is bound."""

    def __init__(
        self, make_app: Callable[[], web.Application], ssl_context: ssl.SSLContext | None = None
    ) -> None:
        self._make_app = make_app
        self._ssl = ssl_context
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._transports: weakref.WeakSet[asyncio.Transport] = weakref.WeakSet()
        self.port = 0

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        """Starts the thread and waits (at most 10 s) for the listening socket."""
        if self._thread is not None:
            return
        self._ready.clear()
        self._thread = threading.Thread(target=self._run, name="loopback-fake", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the loopback server did not start within 10 s")
        if self._error is not None:
            self._thread.join()
            self._thread = None
            raise RuntimeError("the loopback server failed to start") from self._error

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._serve())
        except BaseException as error:  # reported to start()
            self._error = error
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            # Abort the kept-alive connections: a TLS close would wait for the client's
            # close_notify (clients such as msal's requests session never send it).
            for transport in list(self._transports):
                transport.abort()
            if self._runner is not None:
                loop.run_until_complete(self._runner.cleanup())
            # Closed transports finish on the next turns of the loop: let them, then close.
            loop.run_until_complete(asyncio.sleep(0.02))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _serve(self) -> None:
        app = self._make_app()
        app.middlewares.append(self._track)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=self._ssl)
        await site.start()
        self._runner = runner
        self.port = int(runner.addresses[0][1])

    @web.middleware
    async def _track(self, request: web.Request, handler: _Handler) -> web.StreamResponse:
        if request.transport is not None:
            self._transports.add(request.transport)
        return await handler(request)

    def stop(self) -> None:
        """Closes the server and joins the thread. Idempotent."""
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        self._thread = None
        self._loop = None
