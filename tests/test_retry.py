"""Retries: what is retried, how long we wait, and updates that are safe to replay."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator

import anyio
import httpx
import pytest
import pytest_asyncio
import respx
from conftest import BASE, SECRET, STORE, no_wait, order_answer, raw

import zonos_async
from zonos_async import OrderStatus, RetryDetails, RetryPolicy, Session

pytestmark = pytest.mark.asyncio


FAST = RetryPolicy(attempts=4, deadline=10, wait_initial=0.001, wait_max=0.002, sleep=no_wait)
MINIMAL = raw("orderDetail-response-minimal.json")


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        yield router


@pytest.fixture
def retries() -> list[RetryDetails]:
    return []


@pytest_asyncio.fixture
async def zonos(retries: list[RetryDetails]) -> AsyncIterator[Session]:
    async with Session(STORE, SECRET, retry=FAST, on_retry=retries.append) as session:
        yield session


def error(message: str, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json={"error": message})


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(503, text="<html>busy</html>"),
        httpx.Response(500),
        httpx.Response(502),
        httpx.Response(504),
        httpx.Response(408),
        httpx.Response(200, content=MINIMAL[:40]),  # cut off mid-body
        httpx.Response(200, text="<html>proxy</html>"),
        error("Could not process order details", 400),
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("peer closed connection"),
    ],
)
async def test_transient_failures_are_retried(
    zonos: Session, mock: respx.MockRouter, retries: list[RetryDetails], failure: object
) -> None:
    route = mock.post("/v2/orderDetail").mock(
        side_effect=[failure, failure, httpx.Response(200, content=MINIMAL)]
    )
    order = await zonos.order_detail("999-100232")
    assert order.id == "999-100232"
    assert route.call_count == 3
    assert [r.attempt for r in retries] == [1, 2]
    assert all(r.endpoint == "orderDetail" and r.order_id == "999-100232" for r in retries)
    assert all(0 <= r.wait <= 0.002 for r in retries)
    assert isinstance(retries[0].error, zonos_async.ZonosError)


@pytest.mark.parametrize(
    ("answer", "cls"),
    [
        (error("Could not find an order with orderId: 999-5", 400), zonos_async.OrderNotFoundError),
        (error("Invalid security credentials", 400), zonos_async.InvalidCredentialsError),
        (error("Something new", 400), zonos_async.ZonosAPIError),
        (httpx.Response(404), zonos_async.UnexpectedStatusError),
        (httpx.Response(501), zonos_async.ServerError),
        (httpx.Response(406, text="<html/>"), zonos_async.RequestRejectedError),
        (httpx.Response(200, json={"order": {"orderId": "999-5"}}), zonos_async.ResponseParseError),
    ],
)
async def test_business_errors_are_not_retried(
    zonos: Session, mock: respx.MockRouter, answer: httpx.Response, cls: type[Exception]
) -> None:
    route = mock.post("/v2/orderDetail").mock(return_value=answer)
    with pytest.raises(cls):
        await zonos.order_detail("999-5")
    assert route.call_count == 1


async def test_attempts_are_capped(zonos: Session, mock: respx.MockRouter) -> None:
    route = mock.post("/v1/orderNumbers").respond(503)
    with pytest.raises(zonos_async.ServerError):
        await zonos.order_numbers(since_order_id=1)
    assert route.call_count == FAST.attempts


@pytest.mark.parametrize(
    ("said", "waited"),
    [(["0.01", "120"], [0.01, 0.02]), (["0"], [0])],
    ids=["up-to-the-cap", "zero-means-now-not-the-backoff"],
)
async def test_retry_after_is_honoured(
    mock: respx.MockRouter, retries: list[RetryDetails], said: list[str], waited: list[float]
) -> None:
    # The backoff would be up to 5 s: only Retry-After explains waits this short.
    policy = RetryPolicy(attempts=3, wait_initial=5, retry_after_max=0.02, sleep=no_wait)
    mock.post("/v2/orderDetail").mock(
        side_effect=[
            *(httpx.Response(429, headers={"Retry-After": value}) for value in said),
            httpx.Response(200, content=MINIMAL),
        ]
    )
    async with Session(STORE, SECRET, retry=policy, on_retry=retries.append) as zonos:
        await zonos.order_detail(100232)
    assert [r.wait for r in retries] == waited


async def test_per_call_retry_none_and_session_retry_none(mock: respx.MockRouter) -> None:
    route = mock.post("/v2/orderDetail").respond(503)
    async with Session(STORE, SECRET, retry=FAST) as zonos:
        with pytest.raises(zonos_async.ServerError):
            await zonos.order_detail(1, retry=None)
        assert route.call_count == 1
    async with Session(STORE, SECRET, retry=None) as zonos:
        assert zonos.retry.attempts == 1
        with pytest.raises(zonos_async.ServerError):
            await zonos.order_detail(1)
        assert route.call_count == 2
        with pytest.raises(zonos_async.ServerError):
            await zonos.order_detail(1, retry=FAST)
        assert route.call_count == 2 + FAST.attempts


async def test_deadline_bounds_the_whole_call(mock: respx.MockRouter) -> None:
    async def hang(request: httpx.Request) -> httpx.Response:
        await anyio.sleep(30)
        raise AssertionError("not reached")

    mock.post("/v2/orderDetail").mock(side_effect=hang)
    policy = RetryPolicy(attempts=5, deadline=0.2, wait_initial=0)
    async with Session(STORE, SECRET, retry=policy) as zonos:
        started = anyio.current_time()
        with pytest.raises(zonos_async.ZonosTimeoutError, match=r"0\.2 s deadline"):
            await zonos.order_detail(1)
        assert anyio.current_time() - started < 5  # generous: not a timing test, a hang guard


async def test_no_backoff_sleep_past_the_deadline(
    mock: respx.MockRouter, retries: list[RetryDetails]
) -> None:
    route = mock.post("/v2/orderDetail").respond(503)
    policy = RetryPolicy(attempts=5, deadline=1.0, wait_initial=50, wait_max=50, sleep=no_wait)
    async with Session(STORE, SECRET, retry=policy, on_retry=retries.append) as zonos:
        with anyio.fail_after(5):
            with pytest.raises(zonos_async.ServerError):
                await zonos.order_detail(1)
    # Either the draw fit in the deadline (one retry) or it did not (none); never a 50 s sleep.
    assert route.call_count == len(retries) + 1
    assert all(r.wait < 1.0 for r in retries)


async def test_status_update_replay_counts_as_success(
    zonos: Session, mock: respx.MockRouter
) -> None:
    route = mock.post("/v1/updateVendorOrderStatus").mock(
        side_effect=[
            httpx.ReadTimeout("answer lost"),  # the update landed, its answer did not
            error("OrderId: 999-5 already has current status: VENDOR_SHIPMENT_READY"),
        ]
    )
    result = await zonos.update_vendor_order_status(5, OrderStatus.VENDOR_SHIPMENT_READY)
    assert result.replayed is True
    assert route.call_count == 2
    assert "earlier attempt landed" in result.message


async def test_status_already_set_without_a_lost_answer_is_an_error(
    zonos: Session, mock: respx.MockRouter
) -> None:
    mock.post("/v1/updateVendorOrderStatus").mock(
        return_value=error("OrderId: 999-5 already has current status: VENDOR_SHIPMENT_READY")
    )
    with pytest.raises(zonos_async.StatusUnchangedError):
        await zonos.update_vendor_order_status(5, OrderStatus.VENDOR_SHIPMENT_READY)


async def test_status_already_other_after_lost_answer_is_an_error(
    zonos: Session, mock: respx.MockRouter
) -> None:
    mock.post("/v1/updateVendorOrderStatus").mock(
        side_effect=[
            httpx.Response(502),
            error("OrderId: 999-5 already has current status: VENDOR_PREPARING_ORDER"),
        ]
    )
    with pytest.raises(zonos_async.StatusUnchangedError):
        await zonos.update_vendor_order_status(5, OrderStatus.VENDOR_SHIPMENT_READY)


def order_with_merchant_id(
    merchant_order_id: str | None, order_id: str = "999-5"
) -> httpx.Response:
    data = json.loads(MINIMAL)
    data["order"]["merchantOrderId"] = merchant_order_id
    data["order"]["orderId"] = order_id
    return httpx.Response(200, json=data)


async def test_merchant_id_read_back_after_lost_answer(
    zonos: Session, mock: respx.MockRouter
) -> None:
    update = mock.post("/v1/updateMerchantOrderId").mock(side_effect=httpx.ReadTimeout("lost"))
    read = mock.post("/v2/orderDetail").mock(return_value=order_with_merchant_id("M-1"))
    result = await zonos.update_merchant_order_id(5, "M-1")
    assert result.replayed is True
    assert update.call_count == 1
    assert read.call_count == 1
    assert json.loads(read.calls.last.request.content)["orderId"] == "999-5"


async def test_merchant_id_resent_when_read_back_differs(
    zonos: Session, mock: respx.MockRouter
) -> None:
    update = mock.post("/v1/updateMerchantOrderId").mock(
        side_effect=[
            httpx.Response(503),
            httpx.Response(200, json={"success": "Updated Order: 5 with new merchantOrderId: M-1"}),
        ]
    )
    mock.post("/v2/orderDetail").mock(return_value=order_with_merchant_id(None))
    result = await zonos.update_merchant_order_id(5, "M-1")
    assert result.replayed is False
    assert update.call_count == 2


async def test_a_read_back_of_another_order_confirms_nothing(
    zonos: Session, mock: respx.MockRouter
) -> None:
    # A connection out of step answers the read-back with another order that happens
    # to hold the same merchant id: the update is sent again, not taken as landed.
    update = mock.post("/v1/updateMerchantOrderId").mock(
        side_effect=[
            httpx.ReadTimeout("lost"),
            httpx.Response(200, json={"success": "Updated Order: 5 with new merchantOrderId: M-1"}),
        ]
    )
    mock.post("/v2/orderDetail").mock(return_value=order_with_merchant_id("M-1", "999-6"))
    result = await zonos.update_merchant_order_id(5, "M-1")
    assert result.replayed is False
    assert update.call_count == 2


@pytest.mark.parametrize(
    ("max_concurrency", "max_connections", "expected"),
    [(3, 10, 3), (3, 2, 2)],
    ids=["own-limit", "never-beyond-the-pool"],
)
async def test_max_concurrency_queues_instead_of_failing(
    mock: respx.MockRouter, max_concurrency: int, max_connections: int, expected: int
) -> None:
    in_flight = most = 0

    async def slow(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await anyio.sleep(0.005)
        in_flight -= 1
        return order_answer(request)

    mock.post("/v2/orderDetail").mock(side_effect=slow)
    limits = httpx.Limits(max_connections=max_connections)
    zonos = Session(STORE, SECRET, max_concurrency=max_concurrency, limits=limits)
    async with zonos, anyio.create_task_group() as tg:
        for n in range(30):
            tg.start_soon(zonos.order_detail, n + 1)
    assert most == expected


async def test_rate_limit_paces_requests(mock: respx.MockRouter) -> None:
    mock.post("/v2/orderDetail").mock(side_effect=order_answer)
    async with Session(STORE, SECRET, rate_limit=100.0) as zonos:
        started = anyio.current_time()
        for n in range(6):
            await zonos.order_detail(n + 1)
        # Six starts at 100/s are at least five intervals apart.
        assert anyio.current_time() - started >= 0.05 - 1e-3


@pytest.mark.parametrize("retry", [None, "deadline"])
async def test_a_429_halves_the_pace_even_when_no_retry_follows(
    mock: respx.MockRouter, retry: str | None
) -> None:
    # With retry=None, or a Retry-After past the deadline, no retry hook runs: the
    # pace must still halve, and recover as calls are answered.
    too_many = httpx.Response(429, headers={"Retry-After": "60"}, json={"error": "slow down"})
    mock.post("/v2/orderDetail").mock(
        side_effect=[
            too_many,
            order_answer,
            error("Could not find an order with orderId: 999-3"),
        ]
    )
    policy = None if retry is None else RetryPolicy(deadline=1, sleep=no_wait)
    async with Session(STORE, SECRET, rate_limit=1000.0, retry=policy) as zonos:
        with pytest.raises(zonos_async.RateLimitedError):
            await zonos.order_detail(1)
        assert zonos._throttle is not None
        assert zonos._throttle.pace == 500.0
        await zonos.order_detail(2)
        assert zonos._throttle.pace == 550.0
        with pytest.raises(zonos_async.OrderNotFoundError):
            await zonos.order_detail(3)
        assert zonos._throttle.pace == 600.0  # an API error is an answer too


async def test_retry_logs_name_the_call_not_the_secret(
    mock: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="zonos_async")
    mock.post("/v2/orderDetail").mock(
        side_effect=[httpx.ConnectError(f"refused {SECRET}"), httpx.Response(200, content=MINIMAL)]
    )
    async with Session(STORE, SECRET, retry=FAST) as zonos:
        await zonos.order_detail(100232)
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("retrying orderDetail for 999-100232") for m in messages)
    assert any("attempt=2 -> HTTP 200" in m for m in messages)
    assert not any(SECRET in m for m in messages)


@pytest.mark.parametrize(
    "first",
    [
        httpx.Response(200, text="<html>proxy</html>"),  # garbled: Zonos may have applied it
        error("Could not process order details."),  # Zonos' own failure, after or before? unknown
    ],
    ids=["garbled-200", "could-not-process"],
)
async def test_an_update_that_may_have_landed_is_read_back_not_resent(
    zonos: Session, mock: respx.MockRouter, first: httpx.Response
) -> None:
    update = mock.post("/v1/updateMerchantOrderId").mock(side_effect=[first])
    read = mock.post("/v2/orderDetail").mock(return_value=order_with_merchant_id("M-1"))
    result = await zonos.update_merchant_order_id(5, "M-1")
    assert result.replayed is True
    assert (update.call_count, read.call_count) == (1, 1)


async def test_a_status_update_after_could_not_process_may_count_as_landed(
    zonos: Session, mock: respx.MockRouter
) -> None:
    mock.post("/v1/updateVendorOrderStatus").mock(
        side_effect=[
            error("Could not process order details."),
            error("OrderId: 999-5 already has current status: VENDOR_SHIPMENT_READY"),
        ]
    )
    result = await zonos.update_vendor_order_status(5, OrderStatus.VENDOR_SHIPMENT_READY)
    assert result.replayed is True


async def test_an_unusable_answer_keeps_its_status_headers_and_time(
    mock: respx.MockRouter,
) -> None:
    mock.post("/v2/orderDetail").respond(
        503, headers={"X-Request-Id": "req-42", "Retry-After": "9"}, text="<html>busy</html>"
    )
    async with Session(STORE, SECRET, retry=None) as zonos:
        with pytest.raises(zonos_async.ServerError) as info:
            await zonos.order_detail(1)
    response = info.value.response
    assert response is not None
    assert (response.endpoint, response.status_code) == ("orderDetail", 503)
    assert response.headers["x-request-id"] == "req-42"
    assert response.elapsed >= 0


async def test_a_replayed_update_carries_the_answer_that_showed_it(
    zonos: Session, mock: respx.MockRouter
) -> None:
    mock.post("/v1/updateVendorOrderStatus").mock(
        side_effect=[
            httpx.ReadTimeout("answer lost"),
            error("OrderId: 999-5 already has current status: VENDOR_SHIPMENT_READY"),
        ]
    )
    result = await zonos.update_vendor_order_status(5, OrderStatus.VENDOR_SHIPMENT_READY)
    assert result.replayed and result.response is not None
    assert result.response.endpoint == "updateVendorOrderStatus"
