"""The session's bytes through an ``httpx.AsyncClient``: the caller's own, or one it made.

This is the transport of everything httpx offers a caller (``client=``,
``transport=``, respx, ``httpx.MockTransport``, ``FakeZonos.transport()``,
proxies from the environment) and of trio. Bodies are read raw and decoded by
:class:`~zonos_async._transport.BodyReader`, so the size limit holds here too
(httpx would decompress a whole network read at once).
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from ._transport import BodyReader, RawResponse, TransportFailure, remember_connection

__all__ = ["HttpxTransport"]

_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


class HttpxTransport:
    """Posts through an ``httpx.AsyncClient``; closes it only if it made it."""

    def __init__(self, client: httpx.AsyncClient, *, owned: bool, max_response_bytes: int) -> None:
        self.client = client
        self._owned = owned
        self._limit = max_response_bytes

    @classmethod
    def of(
        cls,
        transport: httpx.AsyncBaseTransport | None,
        *,
        base_url: str,
        timeout: httpx.Timeout,
        limits: httpx.Limits,
        max_response_bytes: int,
    ) -> HttpxTransport:
        """A client of the session's own, on ``transport`` or on httpx's default one.

        Proxies come from the environment for ``https`` only: a plain ``http``
        base URL is loopback, and a proxy there would read the secret in clear.
        """
        client = httpx.AsyncClient(
            timeout=timeout,
            limits=limits,
            transport=transport,
            trust_env=base_url.startswith("https:"),
        )
        return cls(client, owned=True, max_response_bytes=max_response_bytes)

    async def post(
        self, url: str, content: bytes, headers: Mapping[str, str], timeout: httpx.Timeout
    ) -> RawResponse:
        client = self.client
        request = client.build_request(
            "POST", url, content=content, headers={**headers, "Accept-Encoding": "gzip"},
            timeout=timeout,
        )  # fmt: skip
        failure: TransportFailure | None = None
        try:
            response = await client.send(request, stream=True)
            try:
                answer = await self._read(response)
            finally:
                await response.aclose()
        except TransportFailure as exc:
            failure = exc
        except httpx.TransportError as exc:  # its .request holds the body: keep only its text
            failure = TransportFailure(
                timed_out=isinstance(exc, httpx.TimeoutException),
                kind=type(exc).__name__,
                detail=str(exc),
                sent=not isinstance(exc, _NOT_SENT),
            )
        if failure is not None:
            raise failure.with_traceback(None)
        remember_connection(_dropper(response.extensions))
        return answer

    async def _read(self, response: httpx.Response) -> RawResponse:
        headers = response.headers
        if response.is_stream_consumed:  # a mock's answer, built from bytes and decoded already
            reader = BodyReader(response.status_code, None, self._limit, headers)
            reader.feed(response.content)
        else:
            reader = BodyReader(
                response.status_code, headers.get("content-encoding"), self._limit, headers
            )
            length = headers.get("content-length")
            reader.announce(int(length) if length is not None and length.isdigit() else None)
            async for piece in response.aiter_raw():
                reader.feed(piece)
        return RawResponse(response.status_code, headers, reader.content())

    async def aclose(self) -> None:
        if self._owned:
            await self.client.aclose()


def _dropper(extensions: Mapping[str, Any]) -> Callable[[], None] | None:
    """Shut the answer's socket down, so httpcore finds it dead and never reuses it."""
    stream = extensions.get("network_stream")
    if stream is None:  # a mock's answer: no connection
        return None

    def drop() -> None:  # looked up only when needed: most answers are never dropped
        sock = stream.get_extra_info("socket")
        if hasattr(sock, "shutdown"):  # a socket: asyncio's or trio's
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    return drop
