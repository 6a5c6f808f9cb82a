"""Prototype A: what ``Session.order_detail`` does, moved over aiohttp directly (no httpx).

Exactly the session's steps, from the public sans-I/O core: ``order_detail_fields`` checks the
id, ``encode`` builds the body, one ``aiohttp.ClientSession`` with a 100-connection connector
(the session's ``DEFAULT_LIMITS``) POSTs it, ``decode`` turns ``(status, headers, bytes)`` into
JSON or a typed error and ``parse_order`` structures the ``Order``. The candidate for the default
path when neither ``client=`` nor ``transport=`` is given.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Final

import aiohttp

from benchmarks._common import HEADERS, SECRET, STORE, AsyncCall
from zonos_async import protocol
from zonos_async._models import Order

__all__ = ["BACKENDS", "LABEL", "open_client"]

LABEL: Final = "prototype A: session steps over aiohttp directly"
BACKENDS: Final = ("asyncio",)


@asynccontextmanager
async def open_client(base_url: str, limit: int) -> AsyncIterator[AsyncCall]:
    credentials = protocol.Credentials.of(STORE, SECRET)
    endpoint = protocol.ORDER_DETAIL
    url = base_url + endpoint.path
    headers = {**HEADERS, "User-Agent": "zonos-async/bench aiohttp"}
    connector = aiohttp.TCPConnector(limit=100, keepalive_timeout=30.0)
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=10.0, sock_read=30.0)
    async with aiohttp.ClientSession(
        connector=connector, timeout=timeout, auto_decompress=True
    ) as session:

        async def call(order_id: str) -> Order:
            fields = protocol.order_detail_fields(credentials.store, order_id, None)
            body = protocol.encode(credentials, fields)
            async with session.post(url, data=body, headers=headers) as response:
                content = await response.read()
                data = protocol.decode(
                    endpoint, response.status, response.headers, content, credentials.redact
                )
            return protocol.parse_order(data, credentials.redact)

        yield call
