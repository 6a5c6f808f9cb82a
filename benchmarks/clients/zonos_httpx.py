"""The session on its httpx transport: ``transport=`` httpx's own, with the session's limits.

That is the pool the session builds for itself when the environment names a proxy (or
respx is active), so this row is what those users get; compare it with hand-written httpx.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Final

import httpx

import zonos_async
from benchmarks._common import SECRET, STORE, AsyncCall

__all__ = ["BACKENDS", "LABEL", "open_client"]

LABEL: Final = "zonos_async `Session(transport=httpx.AsyncHTTPTransport(...))`"
BACKENDS: Final = ("asyncio", "trio")


@asynccontextmanager
async def open_client(base_url: str, limit: int) -> AsyncIterator[AsyncCall]:
    transport = httpx.AsyncHTTPTransport(limits=zonos_async.DEFAULT_LIMITS)
    async with zonos_async.Session(
        store=STORE, secret=SECRET, base_url=base_url, transport=transport
    ) as session:
        yield session.order_detail
