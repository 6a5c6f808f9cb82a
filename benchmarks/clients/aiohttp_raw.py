"""Hand-written aiohttp: ``ClientSession.post`` + ``json.loads``."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Final

import aiohttp

from benchmarks._common import HEADERS, ORDER_DETAIL_PATH, AsyncCall, detail_body

__all__ = ["BACKENDS", "LABEL", "open_client"]

LABEL: Final = "hand-written aiohttp (`ClientSession.post` + `json.loads`)"
BACKENDS: Final = ("asyncio",)


@asynccontextmanager
async def open_client(base_url: str, limit: int) -> AsyncIterator[AsyncCall]:
    url = base_url + ORDER_DETAIL_PATH
    connector = aiohttp.TCPConnector(limit=limit)
    timeout = aiohttp.ClientTimeout(total=30.0)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def call(order_id: str) -> Any:
            async with session.post(url, data=detail_body(order_id), headers=HEADERS) as response:
                response.raise_for_status()
                return json.loads(await response.read())

        yield call
