"""Prototype B: the unchanged ``Session`` with ``transport=`` a thin httpx transport on aiohttp.

Keeps the whole httpx request/response path of the session (``build_request``, ``send``,
``httpx.Response``) and swaps only the wire: httpcore's pool is replaced by one
``aiohttp.ClientSession``. This is the shape of httpx-aiohttp, written out so it can be read.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Final

import aiohttp
import httpx

import zonos_async
from benchmarks._common import SECRET, STORE, AsyncCall

__all__ = ["BACKENDS", "LABEL", "AiohttpTransport", "open_client"]

LABEL: Final = "prototype B: `Session(transport=AiohttpTransport())`"
BACKENDS: Final = ("asyncio",)

_DROP: Final = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive"})


class AiohttpTransport(httpx.AsyncBaseTransport):
    """An httpx transport that sends through one lazily created ``aiohttp.ClientSession``."""

    def __init__(self, limit: int = 100, keepalive_expiry: float = 30.0) -> None:
        self._limit = limit
        self._keepalive_expiry = keepalive_expiry
        self._session: aiohttp.ClientSession | None = None
        self._timeouts: dict[tuple[Any, ...], aiohttp.ClientTimeout] = {}

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(
                limit=self._limit, keepalive_timeout=self._keepalive_expiry
            )
            # httpx decodes Content-Encoding itself, so aiohttp must hand over the raw bytes.
            self._session = aiohttp.ClientSession(connector=connector, auto_decompress=False)
        return self._session

    def _timeout(self, request: httpx.Request) -> aiohttp.ClientTimeout:
        spec = request.extensions.get("timeout") or {}
        key = (spec.get("connect"), spec.get("read"), spec.get("pool"))
        timeout = self._timeouts.get(key)
        if timeout is None:
            timeout = aiohttp.ClientTimeout(
                total=None, connect=spec.get("pool"), sock_connect=key[0], sock_read=key[1]
            )
            self._timeouts[key] = timeout
        return timeout

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        session = self._open()
        headers = [(k, v) for k, v in request.headers.multi_items() if k.lower() not in _DROP]
        content = request.content if hasattr(request, "_content") else await request.aread()
        try:
            async with session.request(
                request.method,
                str(request.url),
                data=content,
                headers=headers,
                timeout=self._timeout(request),
                allow_redirects=False,
            ) as response:
                body = await response.read()
                status = response.status
                raw_headers = response.raw_headers
        except asyncio.TimeoutError as exc:
            raise httpx.ReadTimeout(str(exc) or "timed out", request=request) from exc
        except aiohttp.ClientConnectorError as exc:
            raise httpx.ConnectError(str(exc), request=request) from exc
        except aiohttp.ClientError as exc:
            raise httpx.NetworkError(str(exc), request=request) from exc
        return httpx.Response(
            status,
            headers=list(raw_headers),
            content=body,
            request=request,
            extensions={"http_version": b"HTTP/1.1"},
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


@asynccontextmanager
async def open_client(base_url: str, limit: int) -> AsyncIterator[AsyncCall]:
    transport = AiohttpTransport()
    async with zonos_async.Session(
        store=STORE, secret=SECRET, base_url=base_url, transport=transport
    ) as session:
        yield session.order_detail
