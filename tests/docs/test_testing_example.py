"""A shop's own tests against the fake Zonos: the example of docs/testing.md, run as it is shown."""

# --8<-- [start:example]
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

import zonos_async
from zonos_async import OrderStatus, RetryPolicy
from zonos_async.testing import FakeClock, FakeZonos, Faults

pytestmark = pytest.mark.anyio  # async tests here run under anyio: asyncio, then trio


# The code under test: yours. Here, mark an order ready to ship unless Zonos holds it.
async def ship(zonos: zonos_async.Session, order_id: str) -> str:
    order = await zonos.order_detail(order_id)
    if order.status.blocks_vendor_updates:
        return "held"
    await zonos.update_vendor_order_status(order.id, OrderStatus.VENDOR_SHIPMENT_READY)
    return "shipped"


# Usually in conftest.py: both backends (recent anyio does this by itself), a fixed clock.
@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def zonos_fake_options() -> dict[str, Any]:
    now = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
    return {"orders": 50, "seed": 1, "clock": FakeClock(now)}  # a fresh clock per test


async def test_ships_an_order_in_process(
    zonos_fake: FakeZonos, zonos_session: zonos_async.Session
) -> None:
    order_id = zonos_fake.add_order(status="IGLOBAL_ORDER_IN_PROCESS")
    assert await ship(zonos_session, order_id) == "shipped"
    assert zonos_fake.status_updates(order_id) == ["VENDOR_SHIPMENT_READY"]


async def test_leaves_fraud_review_alone(
    zonos_fake: FakeZonos, zonos_session: zonos_async.Session
) -> None:
    order_id = zonos_fake.add_order(status="IGLOBAL_FRAUD_REVIEW")
    assert await ship(zonos_session, order_id) == "held"
    assert zonos_fake.status_updates(order_id) == []
    assert [call.endpoint for call in zonos_fake.calls] == ["orderDetail"]


NO_WAITING = RetryPolicy(attempts=10, wait_initial=0, wait_max=0, retry_after_max=0)


@pytest.mark.zonos_session(retry=NO_WAITING)
async def test_every_update_lands_once_on_a_flaky_zonos(
    zonos_fake: FakeZonos, zonos_session: zonos_async.Session
) -> None:
    order_ids = [zonos_fake.add_order() for _ in range(20)]
    zonos_fake.faults = Faults(seed=3, error_rate=0.2, drop_rate=0.2)  # 40% of calls fail
    for order_id in order_ids:
        assert await ship(zonos_session, order_id) == "shipped"
    assert any(call.fault for call in zonos_fake.calls)
    # Some answers were lost after the update landed; the retries did not apply it twice.
    assert all(zonos_fake.status_updates(i) == ["VENDOR_SHIPMENT_READY"] for i in order_ids)


async def test_unnumbered_orders_leave_the_list_after_two_weeks(
    zonos_fake: FakeZonos, zonos_session: zonos_async.Session
) -> None:
    order_id = zonos_fake.add_order()  # placed at the fake clock's "now"
    assert order_id in (await zonos_session.order_numbers(missing_merchant_order_id=True)).ids
    zonos_fake.clock.advance(timedelta(days=15))
    assert order_id not in (await zonos_session.order_numbers(missing_merchant_order_id=True)).ids


@pytest.mark.zonos_fake(orders=3)
def test_the_fake_alone_needs_no_event_loop(zonos_fake: FakeZonos) -> None:
    assert zonos_fake.order_ids() == ["999-100001", "999-100002", "999-100003"]


@pytest.mark.parametrize("anyio_backend", ["asyncio"])  # uvicorn runs on asyncio only
async def test_over_real_http(zonos_fake: FakeZonos) -> None:
    async with (
        zonos_fake.serve() as base_url,  # uvicorn on a free loopback port: zonos-async[fake-server]
        zonos_async.Session(zonos_fake.store, zonos_fake.secret, base_url=base_url) as zonos,
    ):
        order = await zonos.order_detail(zonos_fake.order_ids()[0])
    assert order.id == zonos_fake.order_ids()[0]


# --8<-- [end:example]
