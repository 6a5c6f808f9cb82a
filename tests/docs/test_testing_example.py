"""A shop's own tests against the fake Zonos: the example of docs/testing.md, run as it is shown."""

# --8<-- [start:example]
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone

import pytest
import pytest_asyncio

import zonos_async
from zonos_async import OrderStatus, RetryPolicy
from zonos_async.testing import FakeClock, FakeZonos, Faults


# The code under test: yours. Here, mark an order ready to ship unless Zonos holds it.
async def ship(zonos: zonos_async.Session, order_id: str) -> str:
    order = await zonos.order_detail(order_id)
    if order.status.blocks_vendor_updates:
        return "held"
    await zonos.update_vendor_order_status(order.id, OrderStatus.VENDOR_SHIPMENT_READY)
    return "shipped"


NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def fake() -> FakeZonos:
    return FakeZonos.seeded(orders=50, seed=1, clock=FakeClock(NOW))


@pytest_asyncio.fixture
async def zonos(fake: FakeZonos) -> AsyncIterator[zonos_async.Session]:
    async with zonos_async.Session(fake.store, fake.secret, transport=fake.transport()) as session:
        yield session


@pytest.mark.asyncio
async def test_ships_an_order_in_process(fake: FakeZonos, zonos: zonos_async.Session) -> None:
    order_id = fake.add_order(status="IGLOBAL_ORDER_IN_PROCESS")
    assert await ship(zonos, order_id) == "shipped"
    assert fake.status_updates(order_id) == ["VENDOR_SHIPMENT_READY"]


@pytest.mark.asyncio
async def test_leaves_fraud_review_alone(fake: FakeZonos, zonos: zonos_async.Session) -> None:
    order_id = fake.add_order(status="IGLOBAL_FRAUD_REVIEW")
    assert await ship(zonos, order_id) == "held"
    assert fake.status_updates(order_id) == []
    assert [call.endpoint for call in fake.calls] == ["orderDetail"]


@pytest.mark.asyncio
async def test_every_update_lands_once_on_a_flaky_zonos(fake: FakeZonos) -> None:
    order_ids = [fake.add_order() for _ in range(20)]
    fake.faults = Faults(seed=3, error_rate=0.2, drop_rate=0.2)  # 40% of calls fail
    no_waiting = RetryPolicy(attempts=10, wait_initial=0, wait_max=0, retry_after_max=0)
    async with zonos_async.Session(
        fake.store, fake.secret, transport=fake.transport(), retry=no_waiting
    ) as zonos:
        for order_id in order_ids:
            assert await ship(zonos, order_id) == "shipped"
    assert any(call.fault for call in fake.calls)
    # Some answers were lost after the update landed; the retries did not apply it twice.
    assert all(fake.status_updates(i) == ["VENDOR_SHIPMENT_READY"] for i in order_ids)


@pytest.mark.asyncio
async def test_unnumbered_orders_leave_the_list_after_two_weeks(
    fake: FakeZonos, zonos: zonos_async.Session
) -> None:
    order_id = fake.add_order()  # placed at the fake clock's "now"
    assert order_id in (await zonos.order_numbers(missing_merchant_order_id=True)).ids
    fake.clock.advance(timedelta(days=15))
    assert order_id not in (await zonos.order_numbers(missing_merchant_order_id=True)).ids


@pytest.mark.asyncio
async def test_over_real_http(fake: FakeZonos) -> None:
    async with (
        fake.serve() as base_url,  # uvicorn on a free loopback port: zonos-async[fake-server]
        zonos_async.Session(fake.store, fake.secret, base_url=base_url) as zonos,
    ):
        order = await zonos.order_detail(fake.order_ids()[0])
    assert order.id == fake.order_ids()[0]


# --8<-- [end:example]
