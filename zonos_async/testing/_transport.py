"""An httpx transport that answers from a :class:`FakeZonos` in memory, faults included.

Only anyio is used for waiting, so it runs under asyncio and trio alike. httpx does not enforce
timeouts for custom transports, so this one honours the request's ``read`` timeout itself: a
latency or hang longer than the timeout ends in :class:`httpx.ReadTimeout`, as it would on the
wire.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import anyio
import httpx

from ._faults import FaultDecision

if TYPE_CHECKING:
    from ._fake import FakeResponse, FakeZonos

__all__ = ["FakeTransport"]

_NO_FAULT = FaultDecision()


class FakeTransport(httpx.AsyncBaseTransport):
    """Routes httpx requests to :meth:`FakeZonos.respond`, applying the fake's faults."""

    def __init__(self, fake: FakeZonos) -> None:
        self._fake = fake

    def __repr__(self) -> str:
        return f"<FakeTransport {self._fake!r}>"

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        fake = self._fake
        path = request.url.path
        faults = fake.faults
        decision = faults.decide(fake.endpoint_of(path)) if faults is not None else _NO_FAULT
        timeouts = request.extensions.get("timeout") or {}
        read_timeout = timeouts.get("read")
        budget = math.inf if read_timeout is None else float(read_timeout)

        hang = decision.hang_seconds if decision.kind == "hang" else 0.0
        before = decision.latency + (0.0 if decision.after else hang)
        await _wait(before, budget, request)
        answer = fake.respond(request.method, path, dict(request.headers), body, decision)
        if decision.after and hang:
            await _wait(hang, budget - before, request)

        if answer is None:
            if decision.drop_error == "read":
                raise httpx.ReadError("[Errno 104] Connection reset by peer", request=request)
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            )
        return _to_httpx(answer, request)


async def _wait(seconds: float, budget: float, request: httpx.Request) -> None:
    """Sleep ``seconds``, or time out like httpx would once ``budget`` runs out."""
    if seconds <= 0:
        return
    if seconds >= budget:
        await anyio.sleep(max(budget, 0.0))
        raise httpx.ReadTimeout("timed out (fake Zonos did not answer)", request=request)
    await anyio.sleep(seconds)


def _to_httpx(answer: FakeResponse, request: httpx.Request) -> httpx.Response:
    headers = dict(answer.headers)
    headers["content-length"] = str(len(answer.body))
    return httpx.Response(answer.status, headers=headers, content=answer.body, request=request)
