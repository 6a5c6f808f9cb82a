"""The fault suite: a flaky Zonos must cost retries, never an order or a double update.

Seeded faults against the fake, served over loopback HTTP so the session runs on its default
(fast) transport, as users' sessions do: 10% answered 5xx/429, 5% dropped connections, 5% hangs
past the read timeout, 2% truncated JSON. Run alone with ``pytest -m faults -s`` (the
figures print with ``-s``); ``ZONOS_FAULT_SEEDS=1,2,3`` picks the seeds.
"""

from __future__ import annotations

import os
from collections import Counter
from datetime import datetime, timedelta, timezone

import anyio
import httpx
import pytest

import zonos_async
from zonos_async import OrderStatus, RetryDetails, RetryPolicy, Session
from zonos_async.testing import FakeZonos, Faults

pytestmark = [pytest.mark.faults, pytest.mark.asyncio]

SEEDS = [int(s) for s in os.environ.get("ZONOS_FAULT_SEEDS", "11,23,37,41,53").split(",")]
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
ORDERS = 2000
UPDATES = 200

# Enough attempts that 22% failures in a row do not exhaust them (0.22**12 per call), short
# waits, and Retry-After capped low so the suite stays fast.
POLICY = RetryPolicy(
    attempts=12, deadline=60, wait_initial=0.005, wait_max=0.05, retry_after_max=0.05
)
TIMEOUT = httpx.Timeout(0.25, connect=1.0)


def faults(seed: int) -> Faults:
    return Faults(
        seed=seed,
        error_rate=0.10,
        drop_rate=0.05,
        hang_rate=0.05,
        truncate_rate=0.02,
        hang_seconds=30,
    )


@pytest.mark.parametrize("seed", SEEDS)
async def test_import_loses_nothing_and_updates_land_once(seed: int) -> None:
    fake = FakeZonos.seeded(orders=ORDERS, seed=seed, now=NOW, days=30)
    retries: list[RetryDetails] = []
    started = anyio.current_time()
    surfaced: list[BaseException] = []
    async with fake.serve() as base_url, Session(
        fake.store, fake.secret, base_url=base_url, retry=POLICY, timeout=TIMEOUT,
        on_retry=retries.append,
    ) as zonos:  # fmt: skip
        assert "via FastTransport" in repr(zonos)
        fake.faults = faults(seed)
        seen: list[str] = []
        try:
            async with zonos_async.import_orders(
                zonos, since=(NOW - timedelta(days=31)).date(), until=NOW.date(), concurrency=32
            ) as orders:
                async for order in orders:
                    seen.append(order.id)
        except zonos_async.ZonosError as error:  # typed; would fail the assertions below
            surfaced.append(error)
        imported = anyio.current_time() - started

        # Status updates under the same faults: each lands exactly once.
        targets = [fake.add_order(status="IGLOBAL_ORDER_IN_PROCESS") for _ in range(UPDATES)]
        results: dict[str, zonos_async.UpdateResult] = {}

        async def move(order_id: str) -> None:
            try:
                results[order_id] = await zonos.update_vendor_order_status(
                    order_id, OrderStatus.VENDOR_PREPARING_ORDER
                )
                await zonos.update_merchant_order_id(order_id, f"M-{order_id}")
            except zonos_async.ZonosError as error:
                surfaced.append(error)

        async with anyio.create_task_group() as tg:
            for order_id in targets:
                tg.start_soon(move, order_id)
        fake.faults = None

    assert surfaced == []
    counts = Counter(seen)
    assert sorted(counts) == fake.order_ids()[:ORDERS]
    assert max(counts.values()) == 1
    for order_id in targets:
        assert fake.status_updates(order_id) == ["VENDOR_PREPARING_ORDER"], order_id
        assert fake.order_json(order_id)["merchantOrderId"] == f"M-{order_id}"
    replayed = sum(result.replayed for result in results.values())
    kinds = Counter(type(r.error).__name__ for r in retries)
    print(
        f"\nseed {seed}: {ORDERS} orders imported in {imported:.1f} s, {len(retries)} retries "
        f"({dict(sorted(kinds.items()))}), {UPDATES} status updates, {replayed} confirmed by replay"
    )
    assert len(retries) > ORDERS * 0.1  # the faults really struck
