"""The Session over mocked HTTP: what it sends, what it makes of answers, its life cycle."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import pytest
import pytest_asyncio
import respx
from conftest import BASE, SECRET, STORE, load, order_answer, raw

import zonos_async
from zonos_async import OrderStatus, Session

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def zonos() -> AsyncIterator[Session]:
    # Retries have their own tests (test_retry.py); here every failure surfaces at once.
    async with Session(store=STORE, secret=SECRET, retry=None) as session:
        yield session


@pytest.fixture
def mock() -> respx.MockRouter:
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        yield router


def sent(route: respx.Route) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(route.calls.last.request.content)
    return body


def check_headers(request: httpx.Request) -> None:
    assert request.method == "POST"
    assert request.headers["accept"] == "application/json"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"].startswith(f"zonos-async/{zonos_async.__version__}")


async def test_order_numbers_request_and_page(zonos: Session, mock: respx.MockRouter) -> None:
    route = mock.post("/v1/orderNumbers").respond(
        content=raw("orderNumbers-response-statuses.json")
    )
    page = await zonos.order_numbers(
        since_date=date(2015, 1, 1), through_date=date(2015, 6, 1), statuses=True
    )
    check_headers(route.calls.last.request)
    assert sent(route) == {
        "store": "999",
        "secret": SECRET,
        "sinceDate": "20150101",
        "throughDate": "20150601",
        "statuses": True,
    }
    assert page.total_count == 2
    assert page.orders[0].status is OrderStatus.IGLOBAL_FRAUD_REVIEW


@pytest.mark.parametrize(
    ("kwargs", "body"),
    [
        ({"since_order_id": "999-99999"}, {"sinceOrderId": "999-99999"}),
        ({"since_order_id": 99999}, {"sinceOrderId": "999-99999"}),
        ({"missing_merchant_order_id": True}, {"missingMerchantOrderId": True}),
        ({"since_date": "20150101", "statuses": False}, {"sinceDate": "20150101"}),
    ],
)
async def test_order_numbers_selectors(
    zonos: Session, mock: respx.MockRouter, kwargs: dict[str, Any], body: dict[str, Any]
) -> None:
    route = mock.post("/v1/orderNumbers").respond(content=raw("orderNumbers-response.json"))
    page = await zonos.order_numbers(**kwargs)
    assert sent(route) == {"store": "999", "secret": SECRET, **body}
    assert len(page.orders) == 6


async def test_order_detail_by_id_and_by_reference(zonos: Session, mock: respx.MockRouter) -> None:
    route = mock.post("/v2/orderDetail").mock(
        side_effect=lambda request: order_answer(request, "orderDetail-response-full.json")
    )
    order = await zonos.order_detail("999-99999")
    check_headers(route.calls.last.request)
    assert sent(route) == load("orderDetail-request-orderId.json")
    assert order.id == "999-99999"
    assert str(order.grand_total) == "169.58"
    await zonos.order_detail(reference_id="cart-4711")
    assert sent(route) == load("orderDetail-request-referenceId.json")


async def test_update_merchant_order_id(zonos: Session, mock: respx.MockRouter) -> None:
    route = mock.post("/v1/updateMerchantOrderId").respond(
        content=raw("updateMerchantOrderId-response-success.json")
    )
    result = await zonos.update_merchant_order_id("999-9999", "12-34567")
    check_headers(route.calls.last.request)
    assert sent(route) == load("updateMerchantOrderId-request.json")
    assert result.message == "Updated Order: 99999 with new merchantOrderId: 12-34567"
    assert result.order_id == "999-9999"


async def test_update_vendor_order_status(zonos: Session, mock: respx.MockRouter) -> None:
    route = mock.post("/v1/updateVendorOrderStatus").respond(
        content=raw("updateVendorOrderStatus-response-success.json")
    )
    result = await zonos.update_vendor_order_status(
        "999-9999", OrderStatus.VENDOR_END_OF_DAY_COMPLETE
    )
    check_headers(route.calls.last.request)
    assert sent(route) == load("updateVendorOrderStatus-request.json")
    assert result.message.startswith("Updated Order: 99999")


@pytest.mark.parametrize(
    ("path", "status", "fixture", "cls"),
    [
        (
            "/v1/orderNumbers",
            200,
            "orderNumbers-response-error.json",
            zonos_async.OrderNotFoundError,
        ),
        (
            "/v2/orderDetail",
            400,
            "orderDetail-response-error-v2.json",
            zonos_async.OrderNotFoundError,
        ),
        (
            "/v1/updateMerchantOrderId",
            200,
            "updateMerchantOrderId-response-error.json",
            zonos_async.OrderNotFoundError,
        ),
        (
            "/v1/updateVendorOrderStatus",
            200,
            "updateVendorOrderStatus-response-error.json",
            zonos_async.StatusTransitionError,
        ),
    ],
)
async def test_documented_error_examples(
    zonos: Session, mock: respx.MockRouter, path: str, status: int, fixture: str, cls: type
) -> None:
    mock.post(path).respond(status, content=raw(fixture))
    calls = {
        "/v1/orderNumbers": lambda: zonos.order_numbers(since_order_id="999999"),
        "/v2/orderDetail": lambda: zonos.order_detail("999-99999"),
        "/v1/updateMerchantOrderId": lambda: zonos.update_merchant_order_id("99999", "1"),
        "/v1/updateVendorOrderStatus": lambda: zonos.update_vendor_order_status(
            "99999", "VENDOR_PREPARING_ORDER"
        ),
    }
    with pytest.raises(cls) as info:
        await calls[path]()
    assert info.value.message == load(fixture)["error"]
    assert info.value.status_code == status


async def test_invalid_credentials(zonos: Session, mock: respx.MockRouter) -> None:
    mock.post("/v2/orderDetail").respond(400, json={"error": "Invalid security credentials"})
    with pytest.raises(zonos_async.InvalidCredentialsError) as info:
        await zonos.order_detail("1")
    assert SECRET not in str(info.value)


REFUSED = [
    ("order_numbers", {}),
    ("order_numbers", {"since_date": date(2015, 1, 1), "since_order_id": "1"}),
    ("order_numbers", {"through_date": date(2015, 1, 1)}),
    ("order_numbers", {"since_date": date(2015, 2, 1), "through_date": date(2015, 1, 1)}),
    ("order_numbers", {"since_order_id": "998-1"}),
    ("order_numbers", {"since_date": "01/01/2015"}),
    ("order_detail", {}),
    ("order_detail", {"order_id": "1", "reference_id": "r"}),
    ("order_detail", {"order_id": "999-x"}),
    ("order_detail", {"order_id": "998-1"}),
    ("update_merchant_order_id", {"order_id": "1", "merchant_order_id": ""}),
    ("update_merchant_order_id", {"order_id": "abc", "merchant_order_id": "m"}),
    ("update_vendor_order_status", {"order_id": "1", "status": "IGLOBAL_ORDER_IN_PROCESS"}),
    ("update_vendor_order_status", {"order_id": "1", "status": "IGLOBAL_SOMETHING_NEW"}),
    ("update_vendor_order_status", {"order_id": "1", "status": OrderStatus.IGLOBAL_FRAUD_REVIEW}),
]


@pytest.mark.parametrize(("method", "kwargs"), REFUSED)
async def test_refused_before_sending(
    zonos: Session, mock: respx.MockRouter, method: str, kwargs: dict[str, Any]
) -> None:
    anything = mock.route().respond(500)
    with pytest.raises(zonos_async.InvalidRequestError):
        await getattr(zonos, method)(**kwargs)
    assert not anything.called


@pytest.mark.parametrize(
    ("exc", "cls"),
    [
        (httpx.ConnectError("connection refused"), zonos_async.ZonosConnectionError),
        (httpx.RemoteProtocolError("peer closed"), zonos_async.ZonosConnectionError),
        (httpx.ReadTimeout("timed out"), zonos_async.ZonosTimeoutError),
        (httpx.PoolTimeout("pool"), zonos_async.ZonosTimeoutError),
    ],
)
async def test_transport_failures(
    zonos: Session, mock: respx.MockRouter, exc: Exception, cls: type[Exception]
) -> None:
    mock.post("/v2/orderDetail").mock(side_effect=exc)
    with pytest.raises(cls) as info:
        await zonos.order_detail("999-5")
    error = info.value
    assert isinstance(error, zonos_async.ZonosTransportError)
    assert "orderDetail for 999-5" in str(error)
    assert type(exc).__name__ in str(error)
    assert error.__cause__ is None and error.__context__ is None  # no unredacted text attached


async def test_server_error_and_garbage(zonos: Session, mock: respx.MockRouter) -> None:
    mock.post("/v2/orderDetail").respond(503, text="<html>maintenance</html>")
    with pytest.raises(zonos_async.ServerError, match="maintenance"):
        await zonos.order_detail("1")
    mock.post("/v1/orderNumbers").respond(200, text='{"totalCount": 3, "orders": [')
    with pytest.raises(zonos_async.ResponseParseError, match="not JSON"):
        await zonos.order_numbers(since_order_id="1")


async def test_lifecycle() -> None:
    session = Session(store=STORE, secret=SECRET, transport=httpx.MockTransport(lambda r: None))  # type: ignore[arg-type,return-value]
    with pytest.raises(zonos_async.SessionStateError, match="async with"):
        await session.order_detail("1")
    async with session:
        assert session.is_open
        with pytest.raises(zonos_async.SessionStateError, match="opened once"):
            await session.__aenter__()
    assert not session.is_open
    with pytest.raises(zonos_async.SessionStateError, match="closed"):
        await session.order_detail("1")
    with pytest.raises(zonos_async.SessionStateError):
        async with session:
            pass
    await session.aclose()  # twice is fine


async def test_callers_client_is_used_and_left_open() -> None:
    async with httpx.AsyncClient(transport=httpx.MockTransport(order_answer)) as client:
        async with Session(store=STORE, secret=SECRET, client=client) as zonos:
            order = await zonos.order_detail("1")
        assert order.test_order is True
        assert not client.is_closed


async def test_secret_never_in_repr_errors_or_logs(
    zonos: Session, mock: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="zonos_async")
    assert SECRET not in repr(zonos)
    # A broken proxy that echoes the request body back in an error page and an error text.
    mock.post("/v2/orderDetail").mock(
        side_effect=lambda request: httpx.Response(502, content=request.content)
    )
    with pytest.raises(zonos_async.ServerError) as info:
        await zonos.order_detail("1")
    assert SECRET not in str(info.value) and SECRET not in info.value.excerpt
    mock.post("/v1/orderNumbers").respond(json={"error": f"bad secret {SECRET}"})
    with pytest.raises(zonos_async.ZonosAPIError) as api_info:
        await zonos.order_numbers(since_order_id="1")
    assert SECRET not in str(api_info.value) and SECRET not in api_info.value.message
    mock.post("/v1/updateMerchantOrderId").mock(side_effect=httpx.ConnectError(SECRET))
    with pytest.raises(zonos_async.ZonosConnectionError) as conn_info:
        await zonos.update_merchant_order_id("1", "m")
    assert SECRET not in str(conn_info.value)
    assert caplog.records, "expected one debug line per request"
    assert all(SECRET not in record.getMessage() for record in caplog.records)
    assert any(
        "orderDetail order_id=999-1 attempt=1 -> HTTP 502" in r.getMessage() for r in caplog.records
    )


async def test_per_call_timeout_reaches_the_request(zonos: Session, mock: respx.MockRouter) -> None:
    route = mock.post("/v2/orderDetail").mock(side_effect=order_answer)
    await zonos.order_detail("1", timeout=2.5)
    assert route.calls.last.request.extensions["timeout"]["read"] == 2.5
    await zonos.order_detail("1")
    assert route.calls.last.request.extensions["timeout"]["read"] == 30.0


async def test_concurrent_calls_share_one_session(zonos: Session, mock: respx.MockRouter) -> None:
    import anyio

    route = mock.post("/v2/orderDetail").mock(side_effect=order_answer)
    results: list[str] = []

    async def fetch(n: int) -> None:
        results.append((await zonos.order_detail(n)).id)

    async with anyio.create_task_group() as tg:
        for n in range(1, 51):
            tg.start_soon(fetch, n)
    assert len(results) == 50 and route.call_count == 50
