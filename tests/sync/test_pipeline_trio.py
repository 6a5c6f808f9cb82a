"""The importer under asyncio and trio (anyio's pytest plugin; no pytest-asyncio mark here)."""

from __future__ import annotations

import pytest
from sync_support import SINCE, make_fake, session_for

from zonos_async._sync._pipeline import import_orders


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"], indirect=True)
async def test_import_and_early_exit_under_both_backends(anyio_backend: str) -> None:
    fake = make_fake(orders=60)
    async with session_for(fake) as session:
        async with import_orders(session, since=SINCE, concurrency=8, ordered=True) as orders:
            ids = [order.id async for order in orders]
        assert ids == fake.order_ids()
        async with import_orders(session, since=SINCE, concurrency=8) as orders:
            async for _ in orders:
                break
        assert (await session.order_detail(ids[0])).id == ids[0]
