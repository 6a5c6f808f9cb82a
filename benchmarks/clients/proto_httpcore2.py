"""Prototype C: the unchanged ``Session`` with ``transport=`` an httpx transport on httpcore2.

httpcore2 is the connection pool of httpx2 (the maintained fork of httpx). This transport is
httpx's own ``AsyncHTTPTransport`` with ``httpcore`` swapped for ``httpcore2``: the session,
``client=``/``transport=``, respx and ``MockTransport`` keep the httpx API, while the pool is
the fork's. It runs on asyncio and on trio, so it is the candidate for the trio path.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Final

import httpcore2
import httpx

import zonos_async
from benchmarks._common import SECRET, STORE, AsyncCall

__all__ = ["BACKENDS", "LABEL", "Httpcore2Transport", "open_client"]

LABEL: Final = "prototype C: `Session(transport=Httpcore2Transport())`"
BACKENDS: Final = ("asyncio", "trio")

_ERRORS: Final = {
    "ConnectTimeout": httpx.ConnectTimeout,
    "ReadTimeout": httpx.ReadTimeout,
    "WriteTimeout": httpx.WriteTimeout,
    "PoolTimeout": httpx.PoolTimeout,
    "ConnectError": httpx.ConnectError,
    "ReadError": httpx.ReadError,
    "WriteError": httpx.WriteError,
    "RemoteProtocolError": httpx.RemoteProtocolError,
    "LocalProtocolError": httpx.LocalProtocolError,
}


@contextmanager
def _mapped(request: httpx.Request) -> Iterator[None]:
    try:
        yield
    except (httpcore2.TimeoutException, httpcore2.NetworkError, httpcore2.ProtocolError) as exc:
        mapped = _ERRORS.get(type(exc).__name__, httpx.TransportError)
        raise mapped(str(exc), request=request) from exc


class Httpcore2Transport(httpx.AsyncBaseTransport):
    """An httpx transport whose pool is ``httpcore2.AsyncConnectionPool``; reads whole bodies."""

    def __init__(self, limits: httpx.Limits | None = None) -> None:
        limits = limits or httpx.Limits(
            max_connections=100, max_keepalive_connections=100, keepalive_expiry=30.0
        )
        self._pool = httpcore2.AsyncConnectionPool(
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        core_request = httpcore2.Request(
            method=request.method,
            url=httpcore2.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            headers=request.headers.raw,
            content=request.content if hasattr(request, "_content") else request.stream,
            extensions=request.extensions,
        )
        with _mapped(request):
            response = await self._pool.handle_async_request(core_request)
            try:
                content = await response.aread()
            finally:
                await response.aclose()
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            content=content,
            request=request,
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._pool.aclose()


@asynccontextmanager
async def open_client(base_url: str, limit: int) -> AsyncIterator[AsyncCall]:
    async with zonos_async.Session(
        store=STORE, secret=SECRET, base_url=base_url, transport=Httpcore2Transport()
    ) as session:
        yield session.order_detail
