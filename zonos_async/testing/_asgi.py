"""The fake as a hand-written ASGI 3 app: read the body, ask the fake, apply faults, answer.

Mount :attr:`FakeZonos.asgi_app` in any ASGI server, or let ``python -m zonos_async.testing
serve`` / :meth:`FakeZonos.serve` run it under uvicorn. A hang ends early
when the client disconnects. ASGI gives an app no way to close a connection before the status
line, so a dropped connection is simulated by starting the response and never finishing it:
servers such as uvicorn then close the connection and the client sees a protocol error.
(``httpx.ASGITransport`` reports that as an ``AssertionError``; use
:meth:`FakeZonos.transport` for in-memory tests.)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

import anyio

from ._faults import FaultDecision

if TYPE_CHECKING:
    from ._fake import FakeZonos

__all__ = ["ASGIApp", "make_asgi_app"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
"""An ASGI 3 application callable."""

_NO_FAULT = FaultDecision()


def make_asgi_app(fake: FakeZonos) -> ASGIApp:
    """An ASGI 3 app serving ``fake`` (faults applied)."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            raise RuntimeError(f"fake Zonos only speaks HTTP, not {scope['type']!r}")

        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope.get("headers", ()):
            name = raw_name.decode("latin-1").lower()
            value = raw_value.decode("latin-1")
            headers[name] = f"{headers[name]}, {value}" if name in headers else value

        path: str = scope["path"]
        faults = fake.faults
        decision = faults.decide(fake.endpoint_of(path)) if faults is not None else _NO_FAULT
        hang = decision.hang_seconds if decision.kind == "hang" else 0.0
        before = decision.latency + (0.0 if decision.after else hang)
        if not await _wait_unless_gone(receive, before):
            return
        answer = fake.respond(scope["method"], path, headers, b"".join(chunks), decision)
        if decision.after and hang and not await _wait_unless_gone(receive, hang):
            return

        if answer is None:
            # Dropped: start an answer and abandon it; the server closes the connection.
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"application/json;charset=UTF-8")],
                }
            )
            return
        response_headers = [
            (name.encode("latin-1"), value.encode("latin-1"))
            for name, value in answer.headers.items()
        ]
        response_headers.append((b"content-length", str(len(answer.body)).encode()))
        await send(
            {"type": "http.response.start", "status": answer.status, "headers": response_headers}
        )
        await send({"type": "http.response.body", "body": answer.body, "more_body": False})

    return app


async def _wait_unless_gone(receive: Receive, seconds: float) -> bool:
    """Sleep ``seconds``; ``False`` if the client disconnected meanwhile."""
    if seconds <= 0:
        return True
    with anyio.move_on_after(seconds):
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return False
    return True


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
