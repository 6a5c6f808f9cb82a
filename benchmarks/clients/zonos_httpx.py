"""``Session(http_backend="httpx")``: the session forced onto its httpx path, where it has one.

For comparison with the default path; on a session without ``http_backend`` this client fails
and its cells stay empty.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Final

import zonos_async
from benchmarks._common import SECRET, STORE, AsyncCall

__all__ = ["BACKENDS", "LABEL", "open_client"]

LABEL: Final = 'zonos_async `Session(http_backend="httpx")`'
BACKENDS: Final = ("asyncio",)


@asynccontextmanager
async def open_client(base_url: str, limit: int) -> AsyncIterator[AsyncCall]:
    options: dict[str, Any] = {"http_backend": "httpx"}
    async with zonos_async.Session(
        store=STORE, secret=SECRET, base_url=base_url, **options
    ) as session:
        yield session.order_detail
