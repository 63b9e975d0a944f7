"""HTTP-level guards: slow or idle connections are closed, bodies are bounded in size and
time, and ``serve`` runs uvicorn with them and a bounded shutdown.

- ``GuardedH11``: uvicorn's h11 protocol with a header deadline. A connection must finish
  a request's headers within ``HEADER_TIMEOUT`` seconds of opening (or of its previous
  response): a client that connects and sends nothing, or trickles its headers a byte at a
  time, is disconnected. (uvicorn's own keep-alive timer covers idle time between requests
  only, and is cancelled by the first byte of the next request.)
- ``BodyGuard``: ASGI middleware. A declared or streamed body over ``limit`` bytes gets
  413; a body not received within ``body_timeout`` seconds of the request's start gets 408,
  and the connection is closed.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger(__name__)

HEADER_TIMEOUT = 10.0
BODY_TIMEOUT = 20.0
DRAIN = 3.0  # seconds in-flight work gets after SIGTERM; then it is answered 503
GRACEFUL_SHUTDOWN = 6  # uvicorn's own backstop (it cancels what is left: 500)


class GuardedH11(H11Protocol):
    header_timeout = HEADER_TIMEOUT

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._header_timer: asyncio.TimerHandle | None = None
        self._arm()

    def _arm(self) -> None:
        self._disarm()
        self._header_timer = self.loop.call_later(self.header_timeout, self._too_slow)

    def _disarm(self) -> None:
        timer = getattr(self, "_header_timer", None)
        if timer is not None:
            timer.cancel()
            self._header_timer = None

    def _too_slow(self) -> None:
        self._header_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            log.info("closing a connection that sent no complete request headers in %g s", self.header_timeout)
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)


# BaseException: the framework turns any Exception raised while it reads a body into 400
class _TooLarge(BaseException):
    pass


class _TooSlow(BaseException):
    pass


async def send_json(
    send: Any,
    status: int,
    body: dict[str, Any],
    *,
    close: bool = False,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    data = json.dumps(body).encode()
    hdrs = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()), *(headers or [])]
    if close:
        hdrs.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": hdrs})
    await send({"type": "http.response.body", "body": data})


class BodyGuard:
    """ASGI middleware: 413 over ``limit`` bytes, 408 when the body is slower than
    ``body_timeout`` seconds."""

    def __init__(self, app: Any, limit: int, body_timeout: float = BODY_TIMEOUT) -> None:
        self.app, self.limit, self.body_timeout = app, limit, body_timeout

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for k, v in scope.get("headers", []):
            if k == b"content-length":
                try:
                    too_big = int(v) > self.limit
                except ValueError:
                    too_big = True
                if too_big:
                    await send_json(send, 413, {"detail": f"the body is over the {self.limit}-byte limit"}, close=True)
                    return
        seen = 0
        more = True
        deadline = asyncio.get_running_loop().time() + self.body_timeout
        started = False

        async def guarded() -> dict:
            nonlocal seen, more
            if not more:
                return await receive()  # the body is complete: only a disconnect can come
            left = deadline - asyncio.get_running_loop().time()
            try:
                msg = await asyncio.wait_for(receive(), max(left, 0.001))
            except TimeoutError:
                raise _TooSlow from None
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                more = bool(msg.get("more_body"))
                if seen > self.limit:
                    raise _TooLarge
            return msg

        async def tracked_send(message: dict) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, guarded, tracked_send)
        except _TooLarge:
            if not started:
                await send_json(send, 413, {"detail": f"the body is over the {self.limit}-byte limit"}, close=True)
        except _TooSlow:
            if not started:
                await send_json(
                    send, 408, {"detail": f"the request body did not arrive within {self.body_timeout:g} s"}, close=True
                )


def guarded_server(config: Any, on_exit: Any = None) -> Any:
    """A uvicorn server that calls ``on_exit()`` on SIGTERM/SIGINT (e.g. to stop the
    validator's workers after a short drain)."""
    import uvicorn

    class _Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: Any) -> None:
            if on_exit is not None and not self.should_exit:
                on_exit()
            super().handle_exit(sig, frame)

    return _Server(config)


def server_config(
    app: Any, host: str, port: int, *, log_level: str = "info", header_timeout: float = HEADER_TIMEOUT
) -> Any:
    """A uvicorn config with the guards: header deadline, keep-alive, bounded shutdown."""
    import uvicorn

    protocol = type("GuardedH11", (GuardedH11,), {"header_timeout": header_timeout})
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        http=protocol,
        timeout_keep_alive=5,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN,
        limit_concurrency=1000,
        lifespan="on",
    )
