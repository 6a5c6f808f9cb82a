"""``zonos_async.Session.order_detail`` as a user calls it: default settings, typed ``Order``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Final

import zonos_async
from benchmarks._common import SECRET, STORE, AsyncCall

__all__ = ["BACKENDS", "LABEL", "open_client"]

LABEL: Final = "zonos_async `Session.order_detail` → `Order`"
BACKENDS: Final = ("asyncio", "trio")


@asynccontextmanager
async def open_client(base_url: str, limit: int) -> AsyncIterator[AsyncCall]:
    # ``limit`` is not passed: the session's default pool (100 connections) is what users get.
    async with zonos_async.Session(store=STORE, secret=SECRET, base_url=base_url) as session:
        yield session.order_detail
