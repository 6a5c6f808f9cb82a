"""Hand-written httpx: ``AsyncClient.post`` + ``json.loads``, one client, keep-alive for all."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from types import ModuleType
from typing import Any, Final

import httpx

from benchmarks._common import HEADERS, ORDER_DETAIL_PATH, AsyncCall, detail_body

__all__ = ["BACKENDS", "LABEL", "client_of", "open_client"]

LABEL: Final = "hand-written httpx (`AsyncClient.post` + `json.loads`)"
BACKENDS: Final = ("asyncio", "trio")

OpenClient = Callable[[str, int], AbstractAsyncContextManager[AsyncCall]]


def client_of(library: ModuleType) -> OpenClient:
    """The hand-written client on ``library``: httpx, or a fork with the same API (httpx2)."""

    @asynccontextmanager
    async def open_client(base_url: str, limit: int) -> AsyncIterator[AsyncCall]:
        limits = library.Limits(max_connections=limit, max_keepalive_connections=limit)
        url = base_url + ORDER_DETAIL_PATH
        async with library.AsyncClient(limits=limits, timeout=30.0) as client:

            async def call(order_id: str) -> Any:
                response = await client.post(url, content=detail_body(order_id), headers=HEADERS)
                response.raise_for_status()
                return json.loads(response.content)

            yield call

    return open_client


open_client: Final = client_of(httpx)
