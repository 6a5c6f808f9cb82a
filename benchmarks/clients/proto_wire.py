"""Prototype W: the session's steps over the floor's raw asyncio protocol (no aiohttp).

What became the fast transport (``zonos_async._fast``): order id check, ``encode``, a deadline
scope like the session's, the floor's keep-alive connections, ``decode`` and ``parse_order``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Final

import anyio

from benchmarks._common import SECRET, STORE, AsyncCall
from benchmarks.clients.floor import raw_poster
from zonos_async import protocol
from zonos_async._models import Order

__all__ = ["BACKENDS", "LABEL", "open_client"]

LABEL: Final = "prototype W: session steps over a raw asyncio protocol"
BACKENDS: Final = ("asyncio",)


@asynccontextmanager
async def open_client(base_url: str, limit: int) -> AsyncIterator[AsyncCall]:
    credentials = protocol.Credentials.of(STORE, SECRET)
    endpoint = protocol.ORDER_DETAIL
    async with raw_poster(base_url, limit) as post:

        async def call(order_id: str) -> Order:
            fields = protocol.order_detail_fields(credentials.store, order_id, None)
            with anyio.fail_after(60):
                status, content = await post(protocol.encode(credentials, fields))
            data = protocol.decode(endpoint, status, {}, content, credentials.redact)
            return protocol.parse_order(data, credentials.redact)

        yield call
