"""The floor: a raw asyncio ``Protocol`` HTTP/1.1 keep-alive client + ``json.loads``.

Not a usable client (Content-Length answers only, no TLS, no timeouts): it shows what the event
loop and the kernel cost, so every other row can be read as "overhead above the floor".
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, Final
from urllib.parse import urlsplit

from benchmarks._common import HEADERS, ORDER_DETAIL_PATH, AsyncCall, detail_body

__all__ = ["BACKENDS", "LABEL", "open_client"]

LABEL: Final = "floor: raw asyncio protocol + `json.loads`"
BACKENDS: Final = ("asyncio",)

_LENGTH: Final = re.compile(rb"\r\ncontent-length:[ \t]*(\d+)", re.IGNORECASE)


class _Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self._buffer = bytearray()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc or ConnectionError("connection closed"))

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if self.waiter is None:
            return
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(self._buffer[:end])
        match = _LENGTH.search(head)
        total = end + 4 + (int(match.group(1)) if match else 0)
        if len(self._buffer) < total:
            return
        body = bytes(self._buffer[end + 4 : total])
        del self._buffer[:total]
        waiter, self.waiter = self.waiter, None
        if not waiter.done():
            waiter.set_result((int(head[9:12]), body))


RawPost = Callable[[bytes], Awaitable[tuple[int, bytes]]]
"""POST one ``orderDetail`` body; the answer's status and body."""


@asynccontextmanager
async def raw_poster(base_url: str, limit: int) -> AsyncIterator[RawPost]:
    """At most ``limit`` keep-alive connections; a call waits for one, then posts on it."""
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    loop = asyncio.get_running_loop()
    idle: list[_Connection] = []
    slots = asyncio.Semaphore(limit)
    head = (
        f"POST {ORDER_DETAIL_PATH} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        + "".join(f"{k}: {v}\r\n" for k, v in HEADERS.items())
    ).encode()

    async def post(body: bytes) -> tuple[int, bytes]:
        async with slots:
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
                answer = await conn.waiter
            except BaseException:
                if conn.transport is not None:
                    conn.transport.close()
                raise
            idle.append(conn)
            return answer

    try:
        yield post
    finally:
        for conn in idle:
            if conn.transport is not None:
                conn.transport.close()


@asynccontextmanager
async def open_client(base_url: str, limit: int) -> AsyncIterator[AsyncCall]:
    async with raw_poster(base_url, limit) as post:

        async def call(order_id: str) -> Any:
            status, content = await post(detail_body(order_id))
            if status != 200:
                raise RuntimeError(f"HTTP {status}")
            return json.loads(content)

        yield call
