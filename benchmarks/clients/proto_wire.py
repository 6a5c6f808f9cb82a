"""Prototype W: the session's steps over the floor's raw asyncio protocol (no aiohttp)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Final
from urllib.parse import urlsplit

import anyio

from benchmarks._common import HEADERS, SECRET, STORE, AsyncCall
from benchmarks.clients.floor import _Connection
from zonos_async import _protocol as protocol
from zonos_async._models import Order

__all__ = ["BACKENDS", "LABEL", "open_client"]

LABEL: Final = "prototype W: session steps over a raw asyncio protocol"
BACKENDS: Final = ("asyncio",)


@asynccontextmanager
async def open_client(base_url: str, limit: int) -> AsyncIterator[AsyncCall]:
    credentials = protocol.Credentials.of(STORE, SECRET)
    endpoint = protocol.ORDER_DETAIL
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    loop = asyncio.get_running_loop()
    idle: list[_Connection] = []
    limiter = anyio.CapacityLimiter(limit)
    head = (
        f"POST {endpoint.path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        + "".join(f"{k}: {v}\r\n" for k, v in HEADERS.items())
    ).encode()

    async def call(order_id: str) -> Order:
        fields = protocol.order_detail_fields(credentials.store, order_id, None)
        body = protocol.encode(credentials, fields)
        with anyio.move_on_after(60):
            try:
                limiter.acquire_nowait()
            except anyio.WouldBlock:
                await limiter.acquire()
            try:
                while idle and idle[-1].transport is None:
                    idle.pop()
                if idle:
                    conn = idle.pop()
                else:
                    _, conn = await loop.create_connection(_Connection, host, port)
                assert conn.transport is not None
                conn.waiter = loop.create_future()
                conn.transport.write(head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
                try:
                    status, content = await conn.waiter
                except BaseException:
                    if conn.transport is not None:
                        conn.transport.close()
                    raise
                idle.append(conn)
            finally:
                limiter.release()
            data = protocol.decode(endpoint, status, {}, content, credentials.redact)
            return protocol.parse_order(data, credentials.redact)

    yield call
