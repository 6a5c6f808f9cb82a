"""Behaviour: the real Session against the in-memory fake of Zonos, no mocks of our own code."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import httpx
import pytest
import pytest_asyncio
from conftest import catalog

import zonos_async
from zonos_async import OrderStatus, Session, protocol
from zonos_async.testing import FakeClock, FakeZonos

pytestmark = pytest.mark.asyncio

WRONG_SECRET = "00000000-1111-2222-3333-444444444444"  # a GUID, so only Zonos can refuse it

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def fake() -> FakeZonos:
    return FakeZonos.seeded(orders=200, seed=3, now=NOW, days=30)


@pytest_asyncio.fixture
async def zonos(fake: FakeZonos) -> AsyncIterator[Session]:
    async with Session(fake.store, fake.secret, transport=fake.transport(), retry=None) as s:
        yield s


async def test_every_order_listed_and_fetched(fake: FakeZonos, zonos: Session) -> None:
    page = await zonos.order_numbers(since_date=date(2026, 10, 1), statuses=True)
    assert list(page.ids) == fake.order_ids()
    assert page.total_count == page.order_count + page.test_order_count == 200
    assert page.test_order_count == sum(s.test_order for s in page.orders)
    for summary in page.orders[:25]:
        order = await zonos.order_detail(summary.id)
        assert order.id == summary.id
        assert order.status is summary.status
        assert order.test_order == summary.test_order
        assert order.merchant_order_id == summary.merchant_order_id
        as_sent = json.dumps(fake.order_json(summary.id))
        assert order.raw == json.loads(as_sent, parse_float=Decimal)


async def test_date_windows_are_inclusive_utc_days(fake: FakeZonos, zonos: Session) -> None:
    day = date(2026, 11, 2)
    start = datetime(2026, 11, 2, tzinfo=timezone.utc)
    first = fake.add_order(placed_at=start)
    last = fake.add_order(placed_at=start + timedelta(days=1) - timedelta(milliseconds=1))
    after = fake.add_order(placed_at=start + timedelta(days=1))
    page = await zonos.order_numbers(since_date=day, through_date=day)
    assert first in page.ids and last in page.ids
    assert after not in page.ids
    assert all(s.placed_at.date() == day for s in page.orders)
    as_text = await zonos.order_numbers(since_date="2026-11-02", through_date="2026-11-02")
    assert as_text.ids == page.ids
    as_datetime = await zonos.order_numbers(since_date=start + timedelta(hours=23))
    assert set(page.ids) <= set(as_datetime.ids)


async def test_since_order_id_is_exclusive(fake: FakeZonos, zonos: Session) -> None:
    ids = fake.order_ids()
    page = await zonos.order_numbers(since_order_id=ids[-5])
    assert list(page.ids) == ids[-4:]
    bare = await zonos.order_numbers(since_order_id=int(ids[-5].split("-")[1]))
    assert bare.ids == page.ids


async def test_missing_merchant_id_flow(fake: FakeZonos, zonos: Session) -> None:
    fresh = fake.add_order(placed_at=NOW - timedelta(days=1))
    old = fake.add_order(order_id=99999, placed_at=NOW - timedelta(days=20))
    page = await zonos.order_numbers(missing_merchant_order_id=True)
    assert fresh in page.ids
    assert old not in page.ids  # older than two weeks
    await zonos.update_merchant_order_id(fresh, "M-77")
    assert (await zonos.order_detail(fresh)).merchant_order_id == "M-77"
    page = await zonos.order_numbers(missing_merchant_order_id=True)
    assert fresh not in page.ids


async def test_fulfilment_walk_and_refusals(fake: FakeZonos, zonos: Session) -> None:
    order_id = fake.add_order(status="IGLOBAL_ORDER_IN_PROCESS")
    for status in [
        OrderStatus.VENDOR_PREPARING_ORDER,
        OrderStatus.VENDOR_SHIPMENT_READY,
        OrderStatus.VENDOR_LABELS_PRINTED_DATE,
        OrderStatus.VENDOR_END_OF_DAY_COMPLETE,
    ]:
        result = await zonos.update_vendor_order_status(order_id, status)
        number = order_id.split("-")[1]
        assert result.message == f"Updated Order: {number} to new order status: {status}"
        assert (await zonos.order_detail(order_id)).status is status
    with pytest.raises(zonos_async.StatusTransitionError) as info:
        await zonos.update_vendor_order_status(order_id, OrderStatus.VENDOR_CANCELLATION_REQUEST)
    assert info.value.current_status is OrderStatus.VENDOR_END_OF_DAY_COMPLETE
    assert info.value.requested_status is OrderStatus.VENDOR_CANCELLATION_REQUEST
    assert fake.status_updates(order_id) == [
        "VENDOR_PREPARING_ORDER",
        "VENDOR_SHIPMENT_READY",
        "VENDOR_LABELS_PRINTED_DATE",
        "VENDOR_END_OF_DAY_COMPLETE",
    ]


@pytest.mark.parametrize(
    ("current", "cls"),
    [
        ("IGLOBAL_FRAUD_REVIEW", zonos_async.StatusTransitionError),
        ("IGLOBAL_ORDER_ON_HOLD", zonos_async.StatusTransitionError),
        ("IGLOBAL_LABELS_PROCESSING", zonos_async.StatusTransitionError),
        ("VENDOR_CANCELLATION_REQUEST", zonos_async.StatusTransitionError),
        ("IGLOBAL_ORDER_CANCELLED", zonos_async.OrderCancelledError),
        ("IGLOBAL_ORDER_CANCELED", zonos_async.OrderCancelledError),
        ("VENDOR_SHIPMENT_READY", zonos_async.StatusUnchangedError),
    ],
)
async def test_blocked_and_unchanged(
    fake: FakeZonos, zonos: Session, current: str, cls: type[Exception]
) -> None:
    order_id = fake.add_order(status=current)
    with pytest.raises(cls) as info:
        await zonos.update_vendor_order_status(order_id, OrderStatus.VENDOR_SHIPMENT_READY)
    assert isinstance(info.value, zonos_async.ZonosAPIError)
    assert info.value.order_id in (order_id, order_id.split("-")[1])
    assert fake.status_updates(order_id) == []


async def test_cancellation_requests_switch(fake: FakeZonos, zonos: Session) -> None:
    fake.forbid_cancellation_requests = True
    order_id = fake.add_order()
    with pytest.raises(zonos_async.StatusNotAllowedError) as info:
        await zonos.update_vendor_order_status(order_id, OrderStatus.VENDOR_CANCELLATION_REQUEST)
    assert info.value.requested_status is OrderStatus.VENDOR_CANCELLATION_REQUEST


async def test_statuses_zonos_has_not_told_us_about(fake: FakeZonos, zonos: Session) -> None:
    order_id = fake.add_order()
    fake.set_status(order_id, "IGLOBAL_SOMETHING_NEW")
    order = await zonos.order_detail(order_id)
    assert order.status == "IGLOBAL_SOMETHING_NEW"
    assert order.status.is_known is False
    page = await zonos.order_numbers(since_order_id=fake.order_ids()[-2], statuses=True)
    assert page.orders[-1].status is order.status


async def test_lookup_by_reference(fake: FakeZonos, zonos: Session) -> None:
    order_id = fake.add_order(reference_id="cart-4711")
    assert (await zonos.order_detail(reference_id="cart-4711")).id == order_id
    with pytest.raises(zonos_async.OrderNotFoundError) as info:
        await zonos.order_detail(reference_id="cart-0000")
    assert info.value.reference_id == "cart-0000"


async def test_lookup_by_a_numeric_reference(fake: FakeZonos, zonos: Session) -> None:
    order_id = fake.add_order(reference_id="12345")
    assert (await zonos.order_detail(reference_id=12345)).id == order_id


@pytest.mark.parametrize(
    ("call", "cls"),
    [
        (lambda z: z.order_detail("999-1"), zonos_async.OrderNotFoundError),
        (lambda z: z.order_numbers(since_order_id="999-1"), zonos_async.OrderNotFoundError),
        (lambda z: z.update_merchant_order_id("999-1", "m"), zonos_async.OrderNotFoundError),
        (
            lambda z: z.update_vendor_order_status("999-1", "VENDOR_SHIPMENT_READY"),
            zonos_async.OrderNotFoundError,
        ),
    ],
)
async def test_unknown_orders(zonos: Session, call: Any, cls: type[Exception]) -> None:
    with pytest.raises(cls):
        await call(zonos)


async def test_wrong_secret_everywhere(fake: FakeZonos) -> None:
    async with Session(fake.store, WRONG_SECRET, transport=fake.transport()) as zonos:
        for call in (
            zonos.order_numbers(since_order_id=1),
            zonos.order_detail(1),
            zonos.update_merchant_order_id(1, "m"),
            zonos.update_vendor_order_status(1, "VENDOR_SHIPMENT_READY"),
        ):
            with pytest.raises(zonos_async.InvalidCredentialsError) as info:
                await call
            assert "not-the-secret" not in str(info.value)


@pytest.mark.parametrize(
    "endpoint", ["orderNumbers", "orderDetail", "updateMerchantOrderId", "updateVendorOrderStatus"]
)
async def test_internal_failures_are_retried_and_mapped(fake: FakeZonos, endpoint: str) -> None:
    order_id = fake.order_ids()[0]
    calls = {
        "orderNumbers": lambda z: z.order_numbers(since_order_id=order_id),
        "orderDetail": lambda z: z.order_detail(order_id),
        "updateMerchantOrderId": lambda z: z.update_merchant_order_id(order_id, "M-1"),
        "updateVendorOrderStatus": lambda z: z.update_vendor_order_status(
            fake.add_order(), "VENDOR_PREPARING_ORDER"
        ),
    }
    fake.fail_next(endpoint, 1)
    async with Session(fake.store, fake.secret, transport=fake.transport(), retry=None) as zonos:
        with pytest.raises(zonos_async.ZonosProcessingError):
            await calls[endpoint](zonos)
    fake.fail_next(endpoint, 2)
    policy = zonos_async.RetryPolicy(wait_initial=0.001)
    async with Session(fake.store, fake.secret, transport=fake.transport(), retry=policy) as zonos:
        await calls[endpoint](zonos)  # the third attempt goes through


# Every documented error text: produced by the fake, then read by the client's own decoder.
# (The Session refuses most malformed requests before sending, so these go out raw.)
NEW_ORDER = object()
RAW_REQUESTS: dict[str, tuple[str, dict[str, Any] | bytes]] = {
    "could not parse input": ("/v1/orderNumbers", b"not json"),
    "Invalid post body": ("/v2/orderDetail", b"[1, 2]"),
    "Invalid security credentials": ("/v1/orderNumbers", {"secret": "wrong", "sinceDate": "x"}),
    "orderId: 999-99999 is not a valid orderId": (
        "/v1/updateMerchantOrderId",
        {"orderId": "999-99999x", "merchantOrderId": "m"},
    ),
    "Parameter store is required": ("/v2/orderDetail", {"store": None, "orderId": "1"}),
    "Parameter orderId is required to processUpdateMerchantOrderId": (
        "/v1/updateMerchantOrderId",
        {"merchantOrderId": "m"},
    ),
    "Parameter merchantOrderId is required to updateMerchantOrderId.": (
        "/v1/updateMerchantOrderId",
        {"orderId": "1"},
    ),
    "Parameter orderId required for updateVendorOrderStatus": (
        "/v1/updateVendorOrderStatus",
        {"orderStatus": "VENDOR_SHIPMENT_READY"},
    ),
    "Parameter orderStatus required for updateVendorOrderStatus.": (
        "/v1/updateVendorOrderStatus",
        {"orderId": "1"},
    ),
    "Parameter orderId or referenceId is required": ("/v2/orderDetail", {}),
    "Cannot specify both Parameters orderId and referenceId": (
        "/v2/orderDetail",
        {"orderId": "1", "referenceId": "r"},
    ),
    "Parameter sinceDate, sinceOrderId or missingMerchantOrderId is required": (
        "/v1/orderNumbers",
        {},
    ),
    "Cannot specify both Parameters sinceDate and sinceOrderId": (
        "/v1/orderNumbers",
        {"sinceDate": "20260101", "sinceOrderId": "1"},
    ),
    "Parameter throughDate requires sinceDate": ("/v1/orderNumbers", {"throughDate": "20260101"}),
    "Cannot update order status to invalid status: NEW_ORDER_STATUS": (
        "/v1/updateVendorOrderStatus",
        {"orderId": NEW_ORDER, "orderStatus": "IGLOBAL_ORDER_IN_PROCESS"},
    ),
    "New Status: NEW_ORDER_STATUS is not a valid order status": (
        "/v1/updateVendorOrderStatus",
        {"orderId": NEW_ORDER, "orderStatus": "NEW_ORDER_STATUS"},
    ),
}


@pytest.mark.parametrize("documented", sorted(RAW_REQUESTS))
async def test_documented_errors_from_the_fake_map_to_classes(
    fake: FakeZonos, documented: str
) -> None:
    path, body = RAW_REQUESTS[documented]
    if isinstance(body, dict):
        payload: dict[str, Any] = {"store": str(fake.store), "secret": fake.secret}
        payload.update(body)
        if payload.get("store") is None:
            del payload["store"]
        if payload.get("orderId") is NEW_ORDER:
            payload["orderId"] = fake.add_order()
        content = json.dumps(payload).encode()
    else:
        content = body
    headers = {"Accept": "application/json", "Content-Type": "application/json"}
    async with httpx.AsyncClient(
        transport=fake.transport(), base_url=protocol.DEFAULT_BASE_URL
    ) as http:
        response = await http.post(path, content=content, headers=headers)
    endpoint = {e.path: e for e in protocol.ENDPOINTS}[
        path.replace("/v1/orderDetail", "/v2/orderDetail")
    ]
    with pytest.raises(zonos_async.ZonosAPIError) as info:
        protocol.decode(endpoint, response.status_code, response.headers, response.content, str)
    message = info.value.message
    expected_class = type(protocol.api_error(endpoint, documented))
    assert type(info.value) is expected_class
    assert type(info.value) is not zonos_async.ZonosAPIError
    assert response.status_code == (400 if path.startswith("/v2") else 200)
    # The fake echoes ids as sent, so compare the text with the id and status placeholders aligned.
    assert message.split(":")[0] == documented.split(":")[0]


@pytest.mark.filterwarnings("ignore:The test <Function")
def test_raw_requests_cover_the_catalog_with_the_session_tests() -> None:
    reached_through_session = {
        "Couldn't find order for sinceOrderId: 999999",
        "Could not find an order with orderId: 999-99999",
        "Could not find an order with referenceId: cart-4711",
        "Could not retrieve order to updateMerchantOrderId for orderId: 999-99999",
        "Could not retrieve order to updateVendorOrderStatus from orderId: 999-99999",
        "OrderId: 999-99999 has already been cancelled and status cannot be updated. Please "
        "contact Zonos Support - support@iglobalstores.com",
        "Cannot update order status to status: VENDOR_CANCELLATION_REQUEST",
        "OrderId: 999-99999 already has current status: VENDOR_SHIPMENT_READY",
        "OrderId: 999-99999 cannot be moved to order status: VENDOR_CANCELLATION_REQUEST while "
        "in status: VENDOR_END_OF_DAY_COMPLETE",
        "Could not process order numbers.",
        "Could not process order details",
        "Could not process update merchant order id.",
        "Could not process updateVendorOrderStatus.",
        # v1 orderDetail texts, listed on the orderNumbers page: v2 is what the client calls.
        "Parameter orderId or referenceId is required.",
        "Cannot specify both Parameters orderId and referenceId.",
        "Could not process order details.",
    }
    documented = {
        entry["body"]["error"]
        for entries in catalog().values()
        for entry in entries
        if isinstance(entry["body"], dict)
    }
    assert documented <= set(RAW_REQUESTS) | reached_through_session


async def test_clock_drives_the_two_week_window() -> None:
    clock = FakeClock(NOW)
    fake = FakeZonos(clock=clock)
    order_id = fake.add_order(placed_at=NOW - timedelta(days=13))
    async with Session(fake.store, fake.secret, transport=fake.transport()) as zonos:
        assert order_id in (await zonos.order_numbers(missing_merchant_order_id=True)).ids
        clock.advance(timedelta(days=2))
        assert order_id not in (await zonos.order_numbers(missing_merchant_order_id=True)).ids


async def test_every_result_and_api_error_carries_its_http_answer(
    fake: FakeZonos, zonos: Session
) -> None:
    first = fake.order_ids()[0]
    order = await zonos.order_detail(first)
    page = await zonos.order_numbers(since_order_id=first)
    update = await zonos.update_merchant_order_id(first, "M-7")
    for result, endpoint in [
        (order, "orderDetail"),
        (page, "orderNumbers"),
        (update, "updateMerchantOrderId"),
    ]:
        response = result.response
        assert response is not None
        assert (response.endpoint, response.status_code) == (endpoint, 200)
        assert response.headers["Content-Type"].startswith("application/json")
        assert response.headers["content-type"] == response.headers["Content-Type"]
        assert 0 <= response.elapsed < 60
        assert "headers" not in repr(response)
    with pytest.raises(zonos_async.OrderNotFoundError) as v2:
        await zonos.order_detail("999-1")
    with pytest.raises(zonos_async.OrderNotFoundError) as v1:
        await zonos.update_merchant_order_id("999-1", "M-8")
    assert v2.value.response is not None and v2.value.response.status_code == 400
    assert v1.value.response is not None and v1.value.response.status_code == 200
    assert v1.value.response.endpoint == "updateMerchantOrderId"
